"""The queue under concurrency: many annotators at once, on both databases, against one
server and against two server processes sharing one PostgreSQL database.

Each annotator is a thread with its own SDK client doing next -> submit until the queue says
there is nothing left for them; afterwards the database must hold exactly what the annotators
were told, and every item exactly ``overlap`` annotations from different people.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from tests.conftest import LiveServer
from tests.factories.crowd import (
    Crowd,
    Habits,
    assert_counters_match_rows,
    assert_queue_finished,
    crowd_org,
    stored_annotations,
)
from tests.factories.processes import ServerProcesses
from tests.factories.projects import SENTIMENT, texts
from veracity.api.schemas.queue import LeaseOut
from veracity.services import Services
from veracity.settings import Settings
from veracity.storage.tables import assignments, items

ANNOTATORS = 16
OVERLAP = 2
ITEMS = 200


def _project(owner_client, n_items: int = ITEMS) -> int:
    project = owner_client.create_project("crowd", SENTIMENT, {"overlap": OVERLAP})
    owner_client.import_items(project.id, texts(n_items))
    return project.id


def test_sixteen_annotators_finish_every_item_exactly(
    server: LiveServer, services: Services
) -> None:
    """No skips, no expiry: every lease is submitted, so the first 204 an annotator gets must
    mean every item is either done by them or fully held by others; stopping there has to
    leave every item with exactly two annotations."""
    org, crowd_members = crowd_org(services, ANNOTATORS)
    project_id = _project(server.client(org.owner.token))
    crowd = Crowd(
        services,
        project_id,
        [server.client(m.token) for m in crowd_members],
        [m.user_id for m in crowd_members],
    )
    ledgers = crowd.run()
    assert_queue_finished(services, project_id, ledgers, OVERLAP)
    assert sum(len(ledger.stored) for ledger in ledgers) == ITEMS * OVERLAP
    # Work was shared, not done by the first two to arrive.
    assert sum(1 for ledger in ledgers if ledger.stored) >= ANNOTATORS // 2


def _skips(annotator: int, item_id: int) -> bool:
    # For each item at most one annotator (of 23 residues) skips it.
    return (item_id * 7 + annotator) % 23 == 0


def _lets_expire(annotator: int, item_id: int) -> bool:
    return (item_id * 5 + annotator) % 31 == 0


def test_skips_and_expired_leases_go_to_someone_else(
    server: LiveServer, services: Services
) -> None:
    """Skipped items and expired leases go back to the queue and on to other people; a
    submit on the expired lease is refused with 409 and not stored."""
    org, crowd_members = crowd_org(services, ANNOTATORS)
    project_id = _project(server.client(org.owner.token))
    crowd = Crowd(
        services,
        project_id,
        [server.client(m.token) for m in crowd_members],
        [m.user_id for m in crowd_members],
        Habits(skips=_skips, lets_expire=_lets_expire, waits_for_others=True),
    )
    ledgers = crowd.run()
    assert_queue_finished(services, project_id, ledgers, OVERLAP)
    skipped = [a for ledger in ledgers for a in ledger.skipped]
    expired = [a for ledger in ledgers for a in ledger.expired]
    lost = [a for ledger in ledgers for a in ledger.lost]
    assert skipped, "the scenario should have skipped some items"
    assert expired, "the scenario should have let some leases expire"
    assert sorted(lost) == sorted(expired)
    # Each item given back went to two other people, never back to whoever gave it up.
    with services.db.read() as conn:
        given_up = conn.execute(
            select(assignments.c.item_id, assignments.c.user_id).where(
                assignments.c.id.in_(skipped + expired)
            )
        ).all()
    annotated_by = defaultdict(set)
    for item_id, user_id, _ in stored_annotations(services.db.engine, project_id).values():
        annotated_by[item_id].add(user_id)
    assert len(given_up) == len(skipped) + len(expired)
    for item_id, user_id in given_up:
        assert user_id not in annotated_by[item_id]
        assert len(annotated_by[item_id]) == OVERLAP
    assert_counters_match_rows(services.db.engine, project_id)


def test_two_server_processes_share_one_postgresql_queue(
    settings: Settings, services: Services, serve: ServerProcesses
) -> None:
    """The guarantees come from PostgreSQL's row locks, not from anything in one process:
    two ``veracity serve`` processes, the annotators split between them."""
    if settings.is_sqlite:
        pytest.skip(
            "several server processes on one database is the PostgreSQL deployment; "
            "SQLite is the single-process default"
        )
    org, crowd_members = crowd_org(services, ANNOTATORS)
    first, second = serve.start(), serve.start()
    project_id = _project(first.client(org.owner.token))
    clients = [(first if i % 2 else second).client(m.token) for i, m in enumerate(crowd_members)]
    ledgers = Crowd(services, project_id, clients, [m.user_id for m in crowd_members]).run()
    assert_queue_finished(services, project_id, ledgers, OVERLAP)
    # Both processes did a share of the work.
    for half in (ledgers[0::2], ledgers[1::2]):
        assert sum(len(ledger.stored) for ledger in half) > ITEMS // 4
    for server in (first, second):
        assert "Traceback" not in server.stderr(), server.stderr()


def test_a_slot_on_a_row_locked_for_a_moment_is_still_handed_out(
    server: LiveServer, services: Services, settings: Settings
) -> None:
    """204 means "no work for you now", so it must not be answered while an item with a free
    slot is merely locked by another transaction for a moment (another annotator's submit
    counting its annotation, or another lease being taken). With ``SKIP LOCKED`` alone the
    queue skipped such a row and answered 204; at the end of a project a crowd that stops
    on 204 then leaves items one annotation short."""
    if settings.is_sqlite:
        pytest.skip("SQLite has one writer: a lease waits for the write lock, then sees all")
    org, (one, two) = crowd_org(services, 2)
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(1))
    first = server.client(one.token).next(project.id)
    assert first is not None
    second = server.client(two.token)
    answered: list[LeaseOut | None] = []
    with services.db.engine.connect() as other, other.begin():
        # Hold the item's row as the first annotator's submit holds it while it resolves.
        other.execute(select(items.c.id).where(items.c.id == first.item.id).with_for_update())
        asking = threading.Thread(target=lambda: answered.append(second.next(project.id)))
        asking.start()
        _wait_until(lambda: bool(answered) or _waiting_on_a_lock(services) > 0)
    asking.join(timeout=30)
    assert answered, "the second annotator's request did not finish"
    lease = answered[0]
    assert lease is not None, "204 while the item had a free slot"
    assert lease.item.id == first.item.id


def _waiting_on_a_lock(services: Services) -> int:
    with services.db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def _wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)  # polling another process's progress, with the deadline above
