"""The review stage over HTTP: sampled answers reach reviewers, who accept, reject with a
comment (the item goes back to someone else, the worker reads why) or fix (a new annotation
that supersedes, nothing overwritten); the decisions count in the workers' standings."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.factories.accounts import Org
from tests.factories.projects import SENTIMENT, texts


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _submit(http: httpx.Client, project_id: int, value: str) -> dict[str, Any]:
    lease = _ok(http.post(f"/api/v1/projects/{project_id}/queue/next"))
    body = {"value": {"sentiment": value}}
    _ok(http.post(f"/api/v1/assignments/{lease['assignment_id']}/submit", json=body))
    return lease


def test_accept_reject_and_fix(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("reviewed", SENTIMENT, {"overlap": 1, "review_rate": 1.0})
    owner.import_items(project.id, texts(3))
    base = f"/api/v1/projects/{project.id}"
    worker = server.client(org.annotator.token).http
    leases = [_submit(worker, project.id, "pos") for _ in range(3)]
    reviewer = server.client(org.members["reviewer"].token).http

    # Annotators cannot review, and nobody reviews their own answers.
    assert worker.post(base + "/reviews/next").status_code == 403
    pending = _ok(server.client(org.members["manager"].token).http.get(base + "/reviews"))
    assert [r["state"] for r in pending["reviews"]] == ["pending"] * 3
    assert {r["worker"] for r in pending["reviews"]} == {org.annotator.email}

    decided: dict[str, dict[str, Any]] = {}
    for decision in ("accept", "reject", "fix"):
        review = _ok(reviewer.post(base + "/reviews/next"))
        assert review["value"] == {"sentiment": "pos"}
        body: dict[str, Any] = {"decision": decision}
        if decision == "reject":
            missing = reviewer.post(f"/api/v1/reviews/{review['review_id']}", json=body)
            assert missing.status_code == 422
            assert "comment" in missing.text
            body["comment"] = "This one is clearly negative: read the last sentence."
        if decision == "fix":
            bad = {**body, "value": {"sentiment": "??"}}
            refused = reviewer.post(f"/api/v1/reviews/{review['review_id']}", json=bad)
            assert refused.status_code == 422
            assert "sentiment" in refused.text
            body["value"] = {"sentiment": "neu"}
        out = _ok(reviewer.post(f"/api/v1/reviews/{review['review_id']}", json=body))
        decided[decision] = {**review, **out}
    assert reviewer.post(base + "/reviews/next").status_code == 204
    again = reviewer.post(
        f"/api/v1/reviews/{decided['accept']['review_id']}", json={"decision": "accept"}
    )
    assert again.status_code == 409

    resolutions = {
        r["item_id"]: r for r in owner.http.get(base + "/resolutions").json()["resolutions"]
    }
    fixed_item = decided["fix"]["item"]["id"]
    assert resolutions[fixed_item]["value"] == {"sentiment": "neu"}
    rejected_item = decided["reject"]["item"]["id"]
    assert rejected_item not in resolutions
    assert resolutions[decided["accept"]["item"]["id"]]["value"] == {"sentiment": "pos"}

    # The rejected item goes to someone else, never back to the same worker.
    assert worker.post(base + "/queue/next").status_code == 204
    other = server.client(org.members["annotator2"].token).http
    assert _ok(other.post(base + "/queue/next"))["item"]["id"] == rejected_item

    # The worker reads the comment; the standings count the decisions.
    feedback = _ok(worker.get(base + "/reviews/mine"))["feedback"]
    comments = {f["item_id"]: f["comment"] for f in feedback}
    assert comments[rejected_item] == "This one is clearly negative: read the last sentence."
    standings = _ok(owner.http.get(base + "/workers"))["workers"]
    mine = next(w for w in standings if w["email"] == org.annotator.email)
    assert (mine["review_accepted"], mine["review_rejected"]) == (1, 2)
    assert {lease["item"]["id"] for lease in leases} == set(comments) | {fixed_item} | set(
        resolutions
    )


def test_managers_send_items_to_review(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("later", SENTIMENT, {"overlap": 1})
    owner.import_items(project.id, texts(2))
    base = f"/api/v1/projects/{project.id}"
    lease = _submit(server.client(org.annotator.token).http, project.id, "neg")
    manager = server.client(org.members["manager"].token).http
    assert (
        server.client(org.annotator.token)
        .http.post(
            base + "/reviews", json={"item_ids": [lease["item"]["id"]], "reason": "spot check"}
        )
        .status_code
        == 403
    )
    body = {"item_ids": [lease["item"]["id"]], "reason": "spot check"}
    assert _ok(manager.post(base + "/reviews", json=body)) == {"created": 1}
    assert _ok(manager.post(base + "/reviews", json=body)) == {"created": 0}  # not twice
    unknown = manager.post(base + "/reviews", json={"item_ids": [999_999], "reason": "x"})
    assert unknown.status_code == 404
    review = _ok(server.client(org.members["reviewer"].token).http.post(base + "/reviews/next"))
    assert (review["kind"], review["reason"]) == ("item", "spot check")
