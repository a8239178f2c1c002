"""The quality report: through the API and on its page, with charts."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer
from tests.factories.accounts import PASSWORD, Org
from tests.factories.projects import SENTIMENT, texts


def _labelled_project(server: LiveServer, org: Org) -> int:
    owner = server.client(org.owner.token)
    project = owner.create_project("quality", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(4))
    owner.upload_gold(project.id, [{"external_id": "item-3", "value": {"sentiment": "neg"}}])
    plans = {
        org.annotator.token: ["pos", "pos", "neg"],
        org.members["annotator2"].token: ["pos", "neg", "neg"],
    }
    for token, answers in plans.items():
        worker = server.client(token)
        for answer in answers:
            lease = worker.next(project.id)
            assert lease is not None
            worker.submit(lease.assignment_id, {"sentiment": answer})
    return project.id


def test_quality_report_counts_agreement_and_workers(server: LiveServer, org: Org) -> None:
    project_id = _labelled_project(server, org)
    owner = server.client(org.owner.token)
    report = owner.http.get(f"/api/v1/projects/{project_id}/quality").json()
    assert report["annotations"] == 6
    field = report["fields"][0]
    assert field["name"] == "sentiment"
    # Three items, two answers each, the people agree on two: 2/3 observed agreement.
    assert field["observed"]["items"] == 3
    assert abs(field["observed"]["value"] - 2 / 3) < 1e-6
    assert field["alpha"]["value"] is not None
    workers = {w["worker"]: w for w in field["workers"]}
    assert set(workers) == {org.annotator.email, org.members["annotator2"].email}
    assert all(w["compared"] == 3 for w in workers.values())
    labels = field["against_reference"]["labels"]
    assert set(labels) <= {"pos", "neg", "neu"}
    worker_view = server.client(org.annotator.token).http.get(
        f"/api/v1/projects/{project_id}/quality"
    )
    assert worker_view.status_code == 403


def test_quality_page_draws_the_figures(server: LiveServer, org: Org) -> None:
    project_id = _labelled_project(server, org)
    with httpx.Client(base_url=server.url, follow_redirects=True) as browser:
        form = browser.get("/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        browser.post("/login", data={"email": org.owner.email, "password": PASSWORD, "csrf": csrf})
        page = browser.get(f"/projects/{project_id}/quality")
    assert page.status_code == 200
    assert 'class="chart bars"' in page.text
    assert 'class="chart heatmap"' in page.text
    assert org.annotator.email in page.text
    assert "Krippendorff" in page.text
    assert "style=" not in page.text  # the CSP allows no inline styles
