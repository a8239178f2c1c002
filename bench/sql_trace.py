"""Every SQL statement and transaction boundary of one next + submit cycle, and where a
request's time goes when nothing else runs (in-process, one request at a time). With
``--import-items N``: where the time of an in-process import goes, by statement kind.

The app is built with ``create_app`` and called through Starlette's test client (no sockets,
so the figures leave out HTTP parsing); SQLAlchemy's events record each statement with the
time spent inside the driver's ``execute`` (the database round trip plus the driver's own
work). ``--cycles`` cycles are run and averaged after the traced one.

    .venv/bin/python bench/sql_trace.py --db postgresql
    .venv/bin/python bench/sql_trace.py --db postgresql --import-items 100000
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from harness import fresh_database, make_workforce, markdown_table, open_services, text_records
from veracity.app import create_app

SCHEMA = {"fields": [{"name": "sentiment", "kind": "choice", "options": ["pos", "neg", "neu"]}]}


@dataclass
class Trace:
    """What one request sent to the database."""

    events: list[tuple[str, float]] = field(default_factory=list)
    _started: float = 0.0

    @property
    def statements(self) -> int:
        """SQL statements (BEGIN and COMMIT not included)."""
        return sum(1 for e, _ in self.events if e not in ("BEGIN", "COMMIT", "ROLLBACK"))

    @property
    def round_trips(self) -> int:
        """Messages the driver waits for an answer to: statements, BEGIN and COMMIT."""
        return len(self.events)

    @property
    def db_ms(self) -> float:
        """Time inside the driver, summed."""
        return sum(ms for _, ms in self.events)


class Tracer:
    """Records the statements of whatever runs between ``start`` and ``stop``."""

    def __init__(self, engine: Any, dialect: str) -> None:
        self.current = Trace()
        self.dialect = dialect

        @event.listens_for(engine, "before_cursor_execute")
        def _before(*_args: Any) -> None:
            self.current._started = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            ms = (time.perf_counter() - self.current._started) * 1000
            first = " ".join(statement.split())[:150]
            self.current.events.append((first, ms))

        # psycopg 3 sends BEGIN itself before the first statement of a transaction (one more
        # round trip); on SQLite the engine's own "begin" hook runs BEGIN IMMEDIATE/DEFERRED
        # through exec_driver_sql, which the cursor events above already see.
        @event.listens_for(engine, "begin")
        def _begin(_conn: Any) -> None:
            if self.dialect == "postgresql":
                self.current.events.append(("BEGIN", 0.0))

    @contextmanager
    def request(self) -> Iterator[Trace]:
        """Trace one request."""
        self.current = Trace()
        yield self.current


def _timed_commit(tracer: Tracer, engine: Any) -> None:
    """Wrap the dialect's commit so COMMIT's round trip is timed too."""
    dialect = engine.dialect
    original = dialect.do_commit

    def do_commit(dbapi_connection: Any) -> None:
        started = time.perf_counter()
        original(dbapi_connection)
        tracer.current.events.append(("COMMIT", (time.perf_counter() - started) * 1000))

    dialect.do_commit = do_commit


def run(db: str, cycles: int) -> None:
    """Trace one cycle, then time ``cycles`` more, and print both as markdown."""
    with fresh_database(db) as settings:
        with open_services(settings) as services:
            crew = make_workforce(services, 1)
            project = services.projects.create(crew.owner, "trace", SCHEMA, {"overlap": 1})
            services.items.import_records(crew.owner, project.id, text_records(cycles + 10))
        app = create_app(settings)
        engine = app.state.services.db.engine
        tracer = Tracer(engine, db)
        _timed_commit(tracer, engine)
        auth = {"Authorization": f"Bearer {crew.annotator_tokens[0]}"}
        timings: dict[str, list[tuple[float, float, int]]] = {"next": [], "submit": []}
        traced: dict[str, Trace] = {}
        with TestClient(app) as client:
            for n in range(cycles + 1):
                with tracer.request() as trace:
                    started = time.perf_counter()
                    lease = client.post(f"/api/v1/projects/{project.id}/queue/next", headers=auth)
                    wall = (time.perf_counter() - started) * 1000
                assert lease.status_code == 200, lease.text
                if n == 0:
                    traced["next"] = trace
                else:
                    timings["next"].append((wall, trace.db_ms, trace.round_trips))
                aid = lease.json()["assignment_id"]
                with tracer.request() as trace:
                    started = time.perf_counter()
                    done = client.post(
                        f"/api/v1/assignments/{aid}/submit",
                        json={"value": {"sentiment": "pos"}, "seconds": 1},
                        headers=auth,
                    )
                    wall = (time.perf_counter() - started) * 1000
                assert done.status_code == 200, done.text
                if n == 0:
                    traced["submit"] = trace
                else:
                    timings["submit"].append((wall, trace.db_ms, trace.round_trips))
    print(f"## {db}: the statements of one cycle\n")
    for name, trace in traced.items():
        print(
            f"### {name}: {trace.round_trips} round trips "
            f"({trace.statements} statements + BEGIN/COMMIT)\n"
        )
        rows = [[i + 1, f"{ms:.2f}", f"`{sql}`"] for i, (sql, ms) in enumerate(trace.events)]
        print(markdown_table(["#", "ms", "statement"], rows))
        print()
    print(f"## {db}: mean of {cycles} cycles, one request at a time, in-process\n")
    rows = []
    for name, values in timings.items():
        wall = statistics.mean(v[0] for v in values)
        db_ms = statistics.mean(v[1] for v in values)
        trips = statistics.mean(v[2] for v in values)
        rows.append(
            [
                name,
                f"{wall:.2f}",
                f"{db_ms:.2f}",
                f"{wall - db_ms:.2f}",
                f"{trips:.0f}",
            ]
        )
    print(
        markdown_table(
            ["request", "wall ms", "inside driver ms", "Python outside the driver ms", "trips"],
            rows,
        )
    )


def trace_import(db: str, n: int) -> None:
    """Import ``n`` items in-process (as ``veracity import`` does) twice, into two projects,
    and say how the time splits between statement kinds and everything else."""
    with fresh_database(db) as settings, open_services(settings) as services:
        crew = make_workforce(services, 0)
        tracer = Tracer(services.db.engine, db)
        _timed_commit(tracer, services.db.engine)
        rows = []
        for name in ("first project", "second project"):
            project = services.projects.create(crew.owner, name, SCHEMA)
            with tracer.request() as trace:
                started = time.perf_counter()
                services.items.import_records(
                    crew.owner, project.id, text_records(n, prefix=name.split()[0])
                )
                wall = (time.perf_counter() - started) * 1000
            by_kind: dict[str, list[float]] = {}
            for sql, ms in trace.events:
                kind = " ".join(sql.split()[:3])
                by_kind.setdefault(kind, []).append(ms)
            for kind, values in sorted(by_kind.items(), key=lambda kv: -sum(kv[1])):
                rows.append([name, f"`{kind} ...`", len(values), f"{sum(values) / 1000:.2f}", ""])
            rows.append(
                [name, "everything else (Python)", "", f"{(wall - trace.db_ms) / 1000:.2f}", ""]
            )
            rows.append([name, "**total**", "", f"{wall / 1000:.2f}", f"{n / wall * 1000:,.0f}"])
    print(f"## {db}: importing {n:,} items in-process, twice\n")
    print(markdown_table(["import", "statement", "count", "seconds", "items/s"], rows))
    print()


def main() -> None:
    """Parse arguments and trace each database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--cycles", type=int, default=300, help="cycles to time after the trace")
    parser.add_argument(
        "--import-items", type=int, default=0, help="instead: trace an import of this many items"
    )
    args = parser.parse_args()
    for db in args.db.split(","):
        if args.import_items:
            trace_import(db, args.import_items)
        else:
            run(db, args.cycles)


if __name__ == "__main__":
    main()
