"""Gold items mixed into the queue, workers' accuracy on them, and the bar that stops them."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer
from tests.factories.accounts import Org
from tests.factories.projects import SENTIMENT, texts
from veracity.client import VeracityError

GOLD = [
    {"external_id": "item-0", "value": {"sentiment": "pos"}},
    {"external_id": "item-1", "value": {"sentiment": "neg"}},
]


def _project(server: LiveServer, org: Org, **workflow: object) -> int:
    owner = server.client(org.owner.token)
    project = owner.create_project("gold", SENTIMENT, {"overlap": 1, **workflow})
    owner.import_items(project.id, texts(5))
    assert owner.upload_gold(project.id, GOLD) == 2
    return project.id


def test_gold_is_mixed_in_unmarked_outside_the_overlap(server: LiveServer, org: Org) -> None:
    project_id = _project(server, org, gold_rate=1.0)
    owner = server.client(org.owner.token)
    gold_ids = {"item-0", "item-1"}
    for member in (org.annotator, org.members["annotator2"]):
        worker = server.client(member.token)
        first, second = worker.next(project_id), worker.next(project_id)
        assert first is not None
        assert second is not None
        # With gold_rate 1 each person's first leases are the gold items, in some order, and
        # a lease of a gold item looks like any other.
        assert {first.item.external_id, second.item.external_id} == gold_ids
        assert set(first.model_dump()) == set(second.model_dump())
        worker.submit(first.assignment_id, {"sentiment": "pos"})
        worker.submit(second.assignment_id, {"sentiment": "pos"})
    standings = {
        w["email"]: w
        for w in owner.http.get(f"/api/v1/projects/{project_id}/workers").json()["workers"]
    }
    for member in (org.annotator, org.members["annotator2"]):
        mine = standings[member.email]
        assert (mine["gold_seen"], mine["gold_correct"]) == (2, 1)
        assert mine["gold_accuracy"] == pytest.approx(0.5)
        assert mine["blocked"] is False
    resolved = {r.external_id: r for r in owner.resolutions(project_id)}
    assert resolved["item-0"].value == {"sentiment": "pos"}
    assert resolved["item-1"].value == {"sentiment": "neg"}
    assert resolved["item-1"].source == "gold"
    # The regular items are still there for the overlap.
    assert owner.stats(project_id).items.open == 3


def test_a_worker_below_the_bar_is_stopped_and_can_be_let_back(
    server: LiveServer, org: Org
) -> None:
    project_id = _project(
        server, org, gold_rate=1.0, min_gold_accuracy=0.6, min_gold_items=2, max_open_leases=3
    )
    worker = server.client(org.annotator.token)
    leases = [worker.next(project_id) for _ in range(3)]
    assert all(lease is not None for lease in leases)
    gold = [x for x in leases if x and x.item.external_id in {"item-0", "item-1"}]
    regular = [x for x in leases if x and x.item.external_id not in {"item-0", "item-1"}]
    assert len(gold) == 2
    mine = worker.http.get(f"/api/v1/projects/{project_id}/workers/me").json()
    assert (mine["gold_seen"], mine["blocked"]) == (0, False)
    for lease in gold:  # wrong on both: "neu" is neither gold value
        worker.submit(lease.assignment_id, {"sentiment": "neu"})
    mine = worker.http.get(f"/api/v1/projects/{project_id}/workers/me").json()
    assert (mine["gold_seen"], mine["gold_correct"], mine["blocked"]) == (2, 0, True)
    assert "below 60%" in mine["blocked_reason"]
    # The open lease went back to the queue: it cannot be submitted, another person gets it.
    with pytest.raises(VeracityError) as caught:
        worker.submit(regular[0].assignment_id, {"sentiment": "pos"})
    assert caught.value.status == 409
    with pytest.raises(VeracityError) as caught:
        worker.next(project_id)
    assert caught.value.status == 403
    stats = server.client(org.owner.token).stats(project_id)
    assert (stats.items.open, stats.items.in_progress, stats.leased) == (3, 0, 0)
    # An annotator may not lift a block; a manager may, and the worker starts a new window.
    url = f"/api/v1/projects/{project_id}/workers/{org.annotator.user_id}/unblock"
    assert worker.http.post(url).status_code == 403
    manager = server.client(org.members["manager"].token)
    assert manager.http.post(url).status_code == 200
    assert manager.http.post(url).status_code == 404  # nothing left to lift
    assert worker.next(project_id) is not None


def test_dynamic_overlap_asks_one_more_person_only_while_unsure(
    server: LiveServer, org: Org
) -> None:
    owner = server.client(org.owner.token)
    flow = {"overlap": 2, "target_confidence": 0.9, "max_overlap": 3}
    project = owner.create_project("dynamic", SENTIMENT, flow)
    owner.import_items(project.id, texts(2))
    first = server.client(org.annotator.token)
    second = server.client(org.members["annotator2"].token)
    third = server.client(org.members["reviewer"].token)
    # item-0: both say pos (sure); item-1: they disagree (unsure).
    for worker, answers in ((first, ["pos", "pos"]), (second, ["pos", "neg"])):
        for answer in answers:
            lease = worker.next(project.id)
            assert lease is not None
            worker.submit(lease.assignment_id, {"sentiment": answer})
    stats = owner.stats(project.id)
    assert (stats.items.done, stats.items.open) == (1, 1)
    lease = third.next(project.id)
    assert lease is not None
    assert lease.item.external_id == "item-1"
    third.submit(lease.assignment_id, {"sentiment": "neg"})
    # Three answers is the ceiling: done although 2 of 3 is below the target.
    assert third.next(project.id) is None
    resolved = {r.external_id: r for r in owner.resolutions(project.id)}
    assert resolved["item-1"].value == {"sentiment": "neg"}
    assert resolved["item-1"].n_annotations == 3
    assert resolved["item-0"].n_annotations == 2
    assert owner.stats(project.id).items.done == 2


def test_dynamic_overlap_settings_are_checked(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    with pytest.raises(VeracityError) as caught:
        owner.create_project("bad", SENTIMENT, {"overlap": 3, "max_overlap": 2})
    assert caught.value.status == 422
    assert caught.value.field == "workflow"
