"""A crowd of annotators working one project's queue at once, each with its own SDK client,
and a ledger of what the server told each of them.

The ledgers are the annotators' side of the story (every lease handed out, every submit that
got a 200, every 409); the checks compare them with what the database holds.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, update

from tests.factories.accounts import Member, Org
from veracity.client import Client, VeracityError
from veracity.services import Services
from veracity.storage.tables import annotations, assignments, items, resolutions
from veracity.storage.types import utcnow

OPTIONS = ("pos", "neg", "neu")
CROWD_SECONDS = 120.0  # no scenario here comes near this; it only bounds a hang


def crowd_org(services: Services, n: int, name: str = "Crowd") -> tuple[Org, list[Member]]:
    """An organization with an owner and ``n`` annotators, each with an API token.

    Nobody gets a password: these people only use the API, and an argon2 hash costs a third
    of a second each, which the shared ``org`` fixture pays six times per test.
    """
    org = Org(services.accounts.create_org(name), name)
    for key, role in [("owner", "owner")] + [(f"annotator{i}", "annotator") for i in range(n)]:
        email = f"{key}@{name.lower()}.test"
        user_id = services.accounts.create_user(email, name, role, None)
        token = services.accounts.create_token(email, name).token
        org.members[key] = Member(email, role, token, user_id)
    return org, [org.members[f"annotator{i}"] for i in range(n)]


def answer(annotator: int, item_id: int) -> dict[str, str]:
    """The value annotator number ``annotator`` gives the item (people disagree at times)."""
    return {"sentiment": OPTIONS[(annotator + item_id) % len(OPTIONS)]}


@dataclass
class Ledger:
    """What the server told one annotator."""

    index: int
    user_id: int
    leased: list[int] = field(default_factory=list)  # item ids, in the order they came
    stored: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # 200s
    lost: list[int] = field(default_factory=list)  # assignment ids whose submit got a 409
    skipped: list[int] = field(default_factory=list)  # assignment ids given back
    expired: list[int] = field(default_factory=list)  # assignment ids let run out


@dataclass(frozen=True)
class Habits:
    """How an annotator behaves beyond next -> submit.

    ``skips(annotator, item_id)``: give the item back. ``lets_expire(annotator, item_id)``:
    sit on the lease until it runs out (time travel in the database), reload the open leases,
    and submit the old one anyway, which must be refused. ``waits_for_others``: when the
    queue answers 204 while items this person has never seen are unfinished (others hold
    them, and may yet skip them or let them expire), ask again instead of going home.
    """

    skips: Callable[[int, int], bool] = lambda _a, _i: False
    lets_expire: Callable[[int, int], bool] = lambda _a, _i: False
    waits_for_others: bool = False


class Crowd:
    """Annotators working one project at once, one thread and one client each."""

    def __init__(
        self,
        services: Services,
        project_id: int,
        clients: Sequence[Client],
        user_ids: Sequence[int],
        habits: Habits | None = None,
        *,
        after_submit: Callable[[], None] | None = None,
        server_may_vanish: bool = False,
    ) -> None:
        self.services = services
        self.project_id = project_id
        self.clients = clients
        self.habits = habits or Habits()
        self.after_submit = after_submit
        self.server_may_vanish = server_may_vanish
        self.ledgers = [Ledger(i, uid) for i, uid in enumerate(user_ids)]
        self.gone: list[int] = []  # annotators who stopped because the server vanished
        self._start = threading.Barrier(len(clients))
        self._failed = threading.Event()  # one annotator failed: the others stop too
        self._deadline = 0.0

    def run(self) -> list[Ledger]:
        """Let everyone work until there is nothing left for them; return the ledgers."""
        self._deadline = time.monotonic() + CROWD_SECONDS
        with ThreadPoolExecutor(len(self.clients)) as pool:
            futures = [
                pool.submit(self._work, client, ledger)
                for client, ledger in zip(self.clients, self.ledgers, strict=True)
            ]
            for future in futures:
                future.result()
        return self.ledgers

    def _work(self, client: Client, ledger: Ledger) -> None:
        self._start.wait(timeout=30)
        try:
            self._work_until_done(client, ledger)
        except httpx.TransportError:
            if not self.server_may_vanish:
                self._failed.set()
                raise
            self.gone.append(ledger.index)
        except BaseException:
            self._failed.set()
            raise

    def _work_until_done(self, client: Client, ledger: Ledger) -> None:
        lease = client.next(self.project_id)
        while not self._failed.is_set():
            if time.monotonic() > self._deadline:
                raise AssertionError(f"annotator {ledger.index} still working at the deadline")
            if lease is None:
                if not (self.habits.waits_for_others and self._work_left_for(ledger.user_id)):
                    return
                time.sleep(0.02)  # polling for others to finish or give back their leases
                lease = client.next(self.project_id)
                continue
            item_id = lease.item.id
            ledger.leased.append(item_id)
            if self.habits.skips(ledger.index, item_id):
                client.skip(lease.assignment_id)
                ledger.skipped.append(lease.assignment_id)
                lease = client.next(self.project_id)
                continue
            value = answer(ledger.index, item_id)
            if self.habits.lets_expire(ledger.index, item_id):
                expire_lease(self.services, lease.assignment_id)
                ledger.expired.append(lease.assignment_id)
                # Coming back to the page, the annotator's open leases no longer include it…
                still_open = [held.assignment_id for held in client.open_leases(self.project_id)]
                assert lease.assignment_id not in still_open, "an expired lease is still open"
                # …and submitting it anyway is refused (recorded in the ledger either way).
                try:
                    client.submit(lease.assignment_id, value)
                except VeracityError as exc:
                    if exc.status != 409:
                        raise
                    ledger.lost.append(lease.assignment_id)
                else:
                    ledger.stored[lease.assignment_id] = (item_id, value)
                lease = client.next(self.project_id)
                continue
            client.submit(lease.assignment_id, value, seconds=1.0)
            ledger.stored[lease.assignment_id] = (item_id, value)
            if self.after_submit is not None:
                self.after_submit()
            lease = client.next(self.project_id)

    def _work_left_for(self, user_id: int) -> bool:
        """Whether some unfinished item of the project was never given to this person."""
        given = (
            select(assignments.c.id)
            .where(assignments.c.item_id == items.c.id, assignments.c.user_id == user_id)
            .exists()
        )
        stmt = select(func.count()).where(
            items.c.project_id == self.project_id, items.c.state != "done", ~given
        )
        with self.services.db.read() as conn:
            return bool(conn.execute(stmt).scalar_one())


def expire_lease(services: Services, assignment_id: int) -> None:
    """Move a lease's expiry into the past, as time passing would."""
    with services.db.write() as conn:
        conn.execute(
            update(assignments)
            .where(assignments.c.id == assignment_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )


def stored_annotations(engine: Engine, project_id: int) -> dict[int, tuple[int, int, Any]]:
    """Every stored annotation of the project: assignment id -> (item id, user id, value)."""
    stmt = select(
        annotations.c.assignment_id,
        annotations.c.item_id,
        annotations.c.user_id,
        annotations.c.value,
    ).where(annotations.c.project_id == project_id)
    with engine.connect() as conn:
        return {r.assignment_id: (r.item_id, r.user_id, r.value) for r in conn.execute(stmt)}


def assert_counters_match_rows(engine: Engine, project_id: int) -> None:
    """Each item's ``n_leased``/``n_done`` equal its open leases and its annotations."""
    open_leases = (
        select(func.count())
        .where(assignments.c.item_id == items.c.id, assignments.c.status == "leased")
        .scalar_subquery()
    )
    done = select(func.count()).where(annotations.c.item_id == items.c.id).scalar_subquery()
    stmt = select(
        items.c.id, items.c.n_leased, items.c.n_done, open_leases.label("l"), done.label("d")
    ).where(items.c.project_id == project_id)
    with engine.connect() as conn:
        wrong = [r for r in conn.execute(stmt) if (r.n_leased, r.n_done) != (r.l, r.d)]
    assert not wrong, f"item counters disagree with the rows: {wrong[:5]}"


def assert_queue_finished(
    services: Services, project_id: int, ledgers: Sequence[Ledger], overlap: int
) -> None:
    """Every item has exactly ``overlap`` annotations from different people, every 200 is
    stored with its value, nothing else is, and the counters and resolutions agree."""
    engine = services.db.engine
    stored = stored_annotations(engine, project_id)
    acknowledged = {
        a: (i, ledger.user_id, v) for ledger in ledgers for a, (i, v) in ledger.stored.items()
    }
    missing = {a: acknowledged[a] for a in acknowledged.keys() - stored.keys()}
    assert not missing, f"submits that got a 200 but are not stored: {missing}"
    assert stored == acknowledged, "a stored annotation differs from what was acknowledged"
    for ledger in ledgers:
        twice = [i for i, n in Counter(ledger.leased).items() if n > 1]
        assert not twice, f"annotator {ledger.index} was leased items {twice} twice"
        assert not set(ledger.lost) & stored.keys(), "a refused submit was stored"

    people: dict[int, list[int]] = defaultdict(list)
    for item_id, user_id, _ in stored.values():
        people[item_id].append(user_id)
    with engine.connect() as conn:
        rows = conn.execute(
            select(items.c.id, items.c.state, items.c.n_leased, items.c.n_done).where(
                items.c.project_id == project_id
            )
        ).all()
        resolved = dict(
            conn.execute(
                select(resolutions.c.item_id, resolutions.c.n_annotations).where(
                    resolutions.c.project_id == project_id
                )
            ).all()
        )
        still_leased = conn.execute(
            select(func.count()).where(
                assignments.c.project_id == project_id, assignments.c.status == "leased"
            )
        ).scalar_one()
    short = {r.id: people[r.id] for r in rows if len(people[r.id]) != overlap}
    assert not short, f"items without exactly {overlap} annotations (item: users): {short}"
    shared = [i for i, users in people.items() if len(set(users)) != len(users)]
    assert not shared, f"items annotated twice by one person: {shared}"
    wrong = [r for r in rows if (r.state, r.n_leased, r.n_done) != ("done", 0, overlap)]
    assert not wrong, f"items whose counters are off: {wrong[:5]}"
    assert still_leased == 0
    assert resolved == {r.id: overlap for r in rows}, "an item has no resolution of all votes"
