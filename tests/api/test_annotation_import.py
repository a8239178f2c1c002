"""Annotations made elsewhere, imported with the outside workers' ids."""

from __future__ import annotations

import json

from tests.conftest import LiveServer
from tests.factories.accounts import Org
from tests.factories.projects import SENTIMENT, texts

URL = "/api/v1/projects/{}/annotations"


def _post(server: LiveServer, token: str, project_id: int, records: list[dict]) -> dict:
    response = server.client(token).http.post(
        URL.format(project_id),
        content="\n".join(json.dumps(r) for r in records).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    return {"status": response.status_code, **response.json()}


def test_outside_answers_resolve_items_and_reimport_changes_nothing(
    server: LiveServer, org: Org
) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("crowd", SENTIMENT, {"overlap": 3})
    owner.import_items(project.id, texts(3))
    answers = [
        {"external_id": "item-0", "worker": "w1", "value": {"sentiment": "pos"}},
        {"external_id": "item-0", "worker": "w2", "value": {"sentiment": "pos"}},
        {"external_id": "item-0", "worker": 3, "value": {"sentiment": "neg"}, "seconds": 4},
        {"external_id": "item-1", "worker": "w1", "value": {"sentiment": "neu"}},
    ]
    first = _post(server, org.owner.token, project.id, answers)
    assert (first["status"], first["created"], first["unchanged"]) == (200, 4, 0)
    assert first["items_resolved"] == 1
    again = _post(server, org.owner.token, project.id, answers)
    assert (again["created"], again["unchanged"]) == (0, 4)
    resolved = {r.external_id: r for r in owner.resolutions(project.id)}
    assert list(resolved) == ["item-0"]
    assert resolved["item-0"].value == {"sentiment": "pos"}
    assert resolved["item-0"].n_annotations == 3
    stats = owner.stats(project.id)
    assert (stats.items.done, stats.annotations) == (1, 4)
    # item-0 has its three answers: nobody is asked for it; item-1 needs two more.
    worker = server.client(org.annotator.token)
    leased = [worker.next(project.id), worker.next(project.id)]
    assert {x.item.external_id for x in leased if x} == {"item-1", "item-2"}


def test_bad_records_are_refused_whole(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("crowd", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(2))
    good = {"external_id": "item-0", "worker": "w1", "value": {"sentiment": "pos"}}
    for bad, field in (
        ({"external_id": "nope", "worker": "w1", "value": {"sentiment": "pos"}}, "external_id"),
        (
            {"external_id": "item-1", "worker": "w1", "value": {"sentiment": "??"}},
            "value.sentiment",
        ),
        ({"external_id": "item-1", "value": {"sentiment": "pos"}}, "worker"),
        ({"external_id": "item-0", "worker": "w1", "value": {"sentiment": "neg"}}, "value"),
    ):
        answer = _post(server, org.owner.token, project.id, [good, bad])
        assert answer["status"] == 422, answer
        assert (answer["error"]["record"], answer["error"]["field"]) == (2, field)
    assert owner.stats(project.id).annotations == 0
    refused = server.client(org.annotator.token).http.post(
        URL.format(project.id), json=[good], headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 403
    csv = server.client(org.owner.token).http.post(
        URL.format(project.id),
        content=b"external_id,worker\n",
        headers={"Content-Type": "text/csv"},
    )
    assert csv.status_code == 415
