"""The contract's loop over real HTTP: project, import, queue, submit, resolutions, export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import LiveServer
from tests.factories.accounts import Org
from tests.factories.projects import ALL_KINDS, SENTIMENT, texts
from veracity.client import VeracityError


def test_project_round_trip(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    created = owner.create_project("Sentiment", SENTIMENT, {"overlap": 3}, "Be careful.")
    fetched = owner.project(created.id)
    assert fetched.name == "Sentiment"
    assert fetched.workflow["overlap"] == 3
    assert fetched.workflow["lease_seconds"] == 600
    assert fetched.label_schema["fields"][0]["options"] == ["pos", "neg", "neu"]
    assert [p.id for p in owner.projects()] == [created.id]


def test_project_errors_name_the_field(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    with pytest.raises(VeracityError) as caught:
        owner.create_project("x", {"fields": [{"name": "a", "kind": "choice", "options": []}]})
    assert caught.value.status == 422
    assert caught.value.field == "schema.fields[0].options"
    with pytest.raises(VeracityError) as caught:
        owner.create_project("x", SENTIMENT, {"overlap": 0})
    assert caught.value.field == "workflow.overlap"
    owner.create_project("dup", SENTIMENT)
    with pytest.raises(VeracityError) as caught:
        owner.create_project("dup", SENTIMENT)
    assert caught.value.status == 409


def test_import_is_idempotent_by_external_id(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    first = owner.import_items(project.id, texts(5))
    assert (first.created, first.unchanged, first.updated) == (5, 0, 0)
    again = owner.import_items(project.id, texts(5))
    assert (again.created, again.unchanged, again.updated) == (0, 5, 0)
    changed = texts(5)
    changed[2]["data"]["text"] = "edited"
    result = owner.import_items(project.id, changed)
    assert (result.created, result.unchanged, result.updated) == (0, 4, 1)
    assert owner.stats(project.id).items.total == 5


def test_import_is_all_or_nothing_and_names_the_record(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    records = texts(2500)
    records[2100] = {"external_id": "bad", "data": "not an object"}
    with pytest.raises(VeracityError) as caught:
        owner.import_items(project.id, records)
    assert caught.value.status == 422
    assert caught.value.record == 2101
    assert caught.value.field == "data"
    assert owner.stats(project.id).items.total == 0


def test_import_formats(server: LiveServer, org: Org, tmp_path) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    as_json = tmp_path / "items.json"
    as_json.write_text(json.dumps(texts(3, "j")))
    as_csv = tmp_path / "items.csv"
    as_csv.write_text('external_id,text,meta.batch\nc-1,hello,7\nc-2,"a, b",7\n')
    assert owner.import_file(project.id, as_json).created == 3
    assert owner.import_file(project.id, as_csv).created == 2
    assert owner.stats(project.id).items.total == 5


def test_bad_json_and_csv_name_the_record(server: LiveServer, org: Org, tmp_path) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"data": {"a": 1}}, {"data": {"a": 2}}, {"data": ')
    with pytest.raises(VeracityError) as caught:
        owner.import_file(project.id, broken)
    assert caught.value.record == 3
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("text,lang\nhello,en\nbye\n")
    with pytest.raises(VeracityError) as caught:
        owner.import_file(project.id, ragged)
    assert caught.value.record == 2
    assert owner.stats(project.id).items.total == 0


def test_wrong_content_type_is_415(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    response = owner.http.post(
        f"/api/v1/projects/{project.id}/items",
        content=b"hello",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415


def test_import_size_limit_is_413(make_server, org: Org) -> None:
    live = make_server(max_import_bytes=4096)
    owner = live.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    response = owner.http.post(
        f"/api/v1/projects/{project.id}/items",
        content=json.dumps(texts(200)).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert owner.stats(project.id).items.total == 0


def test_two_annotators_label_and_resolve(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(3))
    answers = {org.annotator.token: "pos", org.members["annotator2"].token: "neg"}
    for token, label in answers.items():
        worker = server.client(token)
        while (lease := worker.next(project.id)) is not None:
            worker.submit(lease.assignment_id, {"sentiment": label}, seconds=2.5)
    resolved = list(owner.resolutions(project.id, page_size=2))
    assert len(resolved) == 3
    for r in resolved:
        assert r.value == {"sentiment": "pos"}  # a tie goes to the first answer
        assert r.confidence == pytest.approx(0.5)
        assert r.method == "majority_vote"
        assert r.source == "consensus"
        assert r.n_annotations == 2
    stats = owner.stats(project.id)
    assert stats.items.done == 3
    assert stats.progress == 1.0
    assert stats.annotations == 6
    assert stats.annotators == 2


def test_same_person_never_gets_an_item_twice(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"overlap": 3, "max_open_leases": 10})
    owner.import_items(project.id, texts(2))
    worker = server.client(org.annotator.token)
    first, second = worker.next(project.id), worker.next(project.id)
    assert first is not None
    assert second is not None
    assert first.item.id != second.item.id
    assert worker.next(project.id) is None
    worker.submit(first.assignment_id, {"sentiment": "pos"})
    worker.skip(second.assignment_id)
    assert worker.next(project.id) is None
    other = server.client(org.members["annotator2"].token)
    assert other.next(project.id) is not None


def test_submit_errors(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", ALL_KINDS)
    owner.import_items(project.id, texts(1))
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    with pytest.raises(VeracityError) as caught:
        worker.submit(lease.assignment_id, {"sentiment": "pos", "topics": ["z"], "stars": 3})
    assert (caught.value.status, caught.value.field) == (422, "topics[0]")
    value = {"sentiment": "pos", "topics": ["a"], "stars": 3}
    worker.submit(lease.assignment_id, value)
    with pytest.raises(VeracityError) as caught:
        worker.submit(lease.assignment_id, value)
    assert caught.value.status == 409
    with pytest.raises(VeracityError) as caught:
        server.client(org.members["annotator2"].token).submit(lease.assignment_id, value)
    assert caught.value.status == 404


def test_expired_lease_goes_back_and_cannot_be_submitted(
    server: LiveServer, org: Org, services
) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"overlap": 1, "lease_seconds": 10})
    owner.import_items(project.id, texts(1))
    slow = server.client(org.annotator.token)
    lease = slow.next(project.id)
    assert lease is not None
    assert server.client(org.members["annotator2"].token).next(project.id) is None
    _expire_now(services, lease.assignment_id)
    fast = server.client(org.members["annotator2"].token)
    again = fast.next(project.id)
    assert again is not None
    assert again.item.id == lease.item.id
    with pytest.raises(VeracityError) as caught:
        slow.submit(lease.assignment_id, {"sentiment": "pos"})
    assert caught.value.status == 409
    fast.submit(again.assignment_id, {"sentiment": "neg"})
    assert [r.value for r in owner.resolutions(project.id)] == [{"sentiment": "neg"}]


def _expire_now(services, assignment_id: int) -> None:
    """Move a lease's expiry into the past, as time passing would."""
    from datetime import timedelta

    from sqlalchemy import update

    from veracity.storage.tables import assignments
    from veracity.storage.types import utcnow

    with services.db.write() as conn:
        conn.execute(
            update(assignments)
            .where(assignments.c.id == assignment_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )


def test_open_lease_cap(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"max_open_leases": 2})
    owner.import_items(project.id, texts(5))
    worker = server.client(org.annotator.token)
    assert worker.next(project.id)
    assert worker.next(project.id)
    with pytest.raises(VeracityError) as caught:
        worker.next(project.id)
    assert caught.value.status == 409
    assert len(worker.open_leases(project.id)) == 2


def test_export_jsonl_and_csv(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    records = texts(2)
    records[1]["data"]["text"] = '=HYPERLINK("http://evil")'
    owner.import_items(project.id, records)
    worker = server.client(org.annotator.token)
    while (lease := worker.next(project.id)) is not None:
        worker.submit(lease.assignment_id, {"sentiment": "neu"}, seconds=1.5)
    out = io.BytesIO()
    owner.export(project.id, out, "jsonl")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["external_id"] for r in rows] == ["item-0", "item-1"]
    first = rows[0]
    assert first["resolution"]["value"] == {"sentiment": "neu"}
    assert first["annotations"][0]["user"] == org.annotator.email
    assert first["annotations"][0]["seconds"] == 1.5
    assert first["annotations"][0]["created_at"]
    out = io.BytesIO()
    owner.export(project.id, out, "csv")
    table = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert [r["sentiment"] for r in table] == ["neu", "neu"]
    assert table[1]["data"].startswith("{")
    with pytest.raises(VeracityError) as caught:
        owner.export(project.id, io.BytesIO(), "xml")
    assert caught.value.field == "format"


def test_csv_export_neutralises_formulas(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    schema = {"fields": [{"name": "note", "kind": "text"}]}
    project = owner.create_project("p", schema)
    owner.import_items(project.id, texts(1))
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    worker.submit(lease.assignment_id, {"note": "=cmd|' /C calc'!A0"})
    out = io.BytesIO()
    owner.export(project.id, out, "csv")
    row = next(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert row["note"] == "'=cmd|' /C calc'!A0"


def test_gold_is_stored_and_never_shown(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    owner.import_items(project.id, texts(2))
    assert (
        owner.upload_gold(project.id, [{"external_id": "item-0", "value": {"sentiment": "pos"}}])
        == 1
    )
    with pytest.raises(VeracityError) as caught:
        owner.upload_gold(project.id, [{"external_id": "item-1", "value": {"sentiment": "x"}}])
    assert caught.value.field == "value.sentiment"
    assert caught.value.record == 1
    with pytest.raises(VeracityError) as caught:
        owner.upload_gold(project.id, [{"external_id": "nope", "value": {"sentiment": "pos"}}])
    assert caught.value.field == "external_id"
    assert owner.stats(project.id).items.gold == 1
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    assert "gold" not in json.dumps(lease.model_dump(mode="json"))
    with pytest.raises(VeracityError) as caught:
        worker.upload_gold(project.id, [{"external_id": "item-1", "value": {"sentiment": "pos"}}])
    assert caught.value.status == 403


def test_annotators_cannot_change_projects_or_export(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    worker = server.client(org.annotator.token)
    assert worker.project(project.id).name == "p"
    for attempt in (
        lambda: worker.create_project("mine", SENTIMENT),
        lambda: worker.update_project(project.id, name="renamed"),
        lambda: worker.import_items(project.id, texts(1)),
        lambda: worker.export(project.id, io.BytesIO()),
        lambda: list(worker.resolutions(project.id)),
        lambda: worker.stats(project.id),
    ):
        with pytest.raises(VeracityError) as caught:
            attempt()
        assert caught.value.status == 403


def test_overlap_change_applies_to_unfinished_items(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(2))
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    worker.submit(lease.assignment_id, {"sentiment": "pos"})
    owner.update_project(project.id, workflow={"overlap": 1})
    resolved = list(owner.resolutions(project.id))
    assert [r.item_id for r in resolved] == [lease.item.id]
    assert owner.stats(project.id).items.done == 1
