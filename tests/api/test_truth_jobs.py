"""Truth inference over HTTP: a refit job started through the API runs on the server's own
job thread, its progress can be watched, and the project page shows the model it stored."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.factories.accounts import Org
from tests.factories.projects import SENTIMENT, texts
from tests.web.test_pages import browser_like, signed_in

ITEMS = 30
WORKERS = ("careful-0", "careful-1", "careful-2", "spammer-0", "spammer-1")


def _answer(worker: str, n: int) -> str:
    truth = "pos" if n % 2 == 0 else "neg"
    if worker.startswith("spammer"):
        return "neg"
    if n % 10 == 0 and worker == f"careful-{(n // 10) % 3}":
        return "neg" if truth == "pos" else "pos"
    return truth


def _project(server: LiveServer, org: Org) -> int:
    owner = server.client(org.owner.token)
    flow = {"overlap": 5, "truth_method": "dawid_skene", "refit_after": None}
    project = owner.create_project("crowd", SENTIMENT, flow)
    owner.import_items(project.id, texts(ITEMS))
    records = [
        {"external_id": f"item-{n}", "worker": w, "value": {"sentiment": _answer(w, n)}}
        for n in range(ITEMS)
        for w in WORKERS
    ]
    imported = owner.http.post(f"/api/v1/projects/{project.id}/annotations", json=records)
    assert imported.status_code == 200, imported.text
    return project.id


def _wait(http: httpx.Client, job_id: int) -> list[dict[str, Any]]:
    """Every state of the job seen while polling it, until it ends."""
    seen = []
    deadline = time.monotonic() + 60
    while True:
        response = http.get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        seen.append(response.json())
        if seen[-1]["state"] in ("done", "failed"):
            return seen
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.02)  # polling the job, as a person watching it would


def test_a_refit_job_runs_in_the_background_with_visible_progress(
    server: LiveServer, org: Org
) -> None:
    project_id = _project(server, org)
    manager = server.client(org.members["manager"].token).http
    base = f"/api/v1/projects/{project_id}"
    first = manager.get(base + "/resolutions").json()["resolutions"]
    assert {r["method"] for r in first} == {"majority_vote"}
    assert manager.get(base + "/truth").json() == {"truth_method": "dawid_skene", "model": None}

    started = manager.post(base + "/jobs", json={"kind": "resolve"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["kind"], job["project_id"]) == ("resolve", project_id)
    assert job["state"] in ("queued", "running", "done")
    seen = _wait(manager, job["id"])
    final = seen[-1]
    assert final["state"] == "done", final["error"]
    assert final["progress"] == {"done": ITEMS + 1, "total": ITEMS + 1, "fraction": 1.0}
    assert final["result"]["items_resolved"] == ITEMS
    assert final["started_at"] is not None
    assert final["finished_at"] is not None
    dones = [s["progress"]["done"] for s in seen]
    assert dones == sorted(dones), "progress went backwards"

    listed = manager.get(base + "/jobs").json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    truth = manager.get(base + "/truth").json()
    assert truth["model"]["annotations_seen"] == ITEMS * len(WORKERS)
    assert truth["model"]["fields"]["sentiment"]["method"] == "dawid_skene"
    assert truth["model"]["job_id"] == job["id"]
    after = {r["external_id"]: r for r in manager.get(base + "/resolutions").json()["resolutions"]}
    assert after["item-0"]["value"] == {"sentiment": "pos"}
    assert {r["method"] for r in after.values()} == {"dawid_skene"}

    # The SDK reads the same.
    sdk = server.client(org.members["manager"].token)
    assert sdk.job(job["id"]).state == "done"
    assert [j.id for j in sdk.jobs(project_id)] == [job["id"]]
    model = sdk.truth(project_id).model
    assert model is not None
    assert model.fields["sentiment"]["method"] == "dawid_skene"

    # The project page shows the model and the job.
    with browser_like(server) as browser:
        signed_in(browser, org.members["manager"])
        page = browser.get(f"/projects/{project_id}").text
    assert "Truth inference" in page
    assert 'data-method="sentiment">dawid_skene<' in page
    assert f'data-job="{job["id"]}" data-state="done"' in page
    assert 'id="refit"' in page


def test_only_managers_and_up_start_jobs(server: LiveServer, org: Org) -> None:
    project_id = _project(server, org)
    base = f"/api/v1/projects/{project_id}"
    annotator = server.client(org.annotator.token).http
    refused = annotator.post(base + "/jobs", json={"kind": "resolve"})
    assert refused.status_code == 403
    assert annotator.get(base + "/jobs").status_code == 403
    reviewer = server.client(org.members["reviewer"].token).http
    assert reviewer.post(base + "/jobs", json={"kind": "resolve"}).status_code == 403
    owner = server.client(org.owner.token).http
    bad = owner.post(base + "/jobs", json={"kind": "train"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "kind"
    assert owner.get(base + "/jobs").json() == {"jobs": []}
    queued = server.client(org.owner.token).start_job(project_id)
    assert (queued.kind, queued.created_by) == ("resolve", org.owner.user_id)
    assert owner.get("/api/v1/jobs/12345").status_code == 404


def test_the_workflow_setting_is_validated(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token).http
    bad = owner.post(
        "/api/v1/projects",
        json={"name": "x", "schema": SENTIMENT, "workflow": {"truth_method": "astrology"}},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "workflow.truth_method"
    good = owner.post(
        "/api/v1/projects",
        json={"name": "y", "schema": SENTIMENT, "workflow": {"truth_method": "mace"}},
    )
    assert good.status_code == 201, good.text
    assert good.json()["workflow"]["truth_method"] == "mace"
    assert good.json()["workflow"]["refit_after"] == 100
