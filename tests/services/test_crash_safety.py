"""Crash safety: a server killed with SIGKILL while annotators submit loses nothing it
acknowledged, on SQLite (WAL) and on PostgreSQL.

A 200 for a submit is a promise that the annotation is stored. The test counts 200s, kills the
``veracity serve`` process in the middle of the traffic (requests in flight then fail with
connection errors, as they would for real users), starts a new process on the same database,
and finds every acknowledged annotation there with its value.
"""

from __future__ import annotations

import threading
from collections import Counter

from tests.factories.crowd import (
    Crowd,
    assert_counters_match_rows,
    crowd_org,
    stored_annotations,
)
from tests.factories.processes import ServerProcesses
from tests.factories.projects import SENTIMENT, texts
from veracity.services import Services

ANNOTATORS = 8
ITEMS = 300
KILL_AFTER = 80  # acknowledged submits before the kill; far fewer than the work available


def test_acknowledged_submits_survive_sigkill(services: Services, serve: ServerProcesses) -> None:
    org, members = crowd_org(services, ANNOTATORS)
    victim = serve.start()
    owner = victim.client(org.owner.token)
    project = owner.create_project("crash", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(ITEMS))

    acknowledged = 0
    counting = threading.Lock()

    def kill_after_enough() -> None:
        nonlocal acknowledged
        with counting:
            acknowledged += 1
            if acknowledged == KILL_AFTER:
                victim.kill()

    crowd = Crowd(
        services,
        project.id,
        [victim.client(m.token) for m in members],
        [m.user_id for m in members],
        after_submit=kill_after_enough,
        server_may_vanish=True,
    )
    ledgers = crowd.run()
    assert victim.process is not None
    assert victim.process.returncode == -9
    # Everyone stopped because the server died, not because the work ran out.
    assert sorted(crowd.gone) == list(range(ANNOTATORS))

    survivor = serve.start()
    stored = stored_annotations(services.db.engine, project.id)
    promised = {
        a: (item_id, ledger.user_id, value)
        for ledger in ledgers
        for a, (item_id, value) in ledger.stored.items()
    }
    assert len(promised) >= KILL_AFTER
    lost = {a: promised[a] for a in promised.keys() - stored.keys()}
    assert not lost, f"acknowledged before the crash but not stored: {lost}"
    assert {a: stored[a] for a in promised} == promised
    # Anything else stored is a submit that was in flight at the kill: at most one per
    # annotator, since each waits for an answer before sending the next.
    unanswered = Counter(stored[a][1] for a in stored.keys() - promised.keys())
    assert all(n == 1 for n in unanswered.values()), unanswered
    # No transaction was half applied: the counters agree with the rows they count.
    assert_counters_match_rows(services.db.engine, project.id)

    # The restarted server carries on: leases held across the crash are still their
    # annotators' to resume and submit, and new work is handed out.
    submitted = 0
    for member in members:
        worker = survivor.client(member.token)
        resumed = worker.open_leases(project.id)
        fresh = worker.next(project.id)
        assert fresh is not None
        for lease in [*resumed, fresh]:
            worker.submit(lease.assignment_id, {"sentiment": "pos"})
            submitted += 1
    stats = survivor.client(org.owner.token).stats(project.id)
    assert stats.annotations == len(stored) + submitted
    assert_counters_match_rows(services.db.engine, project.id)
