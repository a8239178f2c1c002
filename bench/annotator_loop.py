"""The annotator loop: K simulated annotators doing next + submit over HTTP.

For each database and worker count: a fresh database, ``veracity migrate``, an organization
with K annotators (API tokens), then ``veracity serve`` as a subprocess. For each K, a fresh
project (overlap 1) with enough items that the run never runs dry; K asyncio tasks (aiohttp,
one keep-alive connection each) loop ``POST /queue/next`` then ``POST /assignments/{id}/submit``
for ``--warmup`` seconds unmeasured, then ``--seconds`` measured. Cycles are counted when they
end inside the measured window. CPU per part (server, PostgreSQL, this load generator, the
rest of the machine) comes from ``/proc``. At the end of each K the database is checked: no
item has more annotations, or more live leases, than its overlap, and every submit the
clients saw succeed is stored exactly once.

    .venv/bin/python bench/annotator_loop.py --db postgresql --annotators 1,8,32 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import orjson
from sqlalchemy import text

from harness import (
    NCPU,
    PG_BENCH_DB,
    PROFILES,
    RESULTS,
    CpuMeter,
    Server,
    fresh_database,
    machine,
    make_workforce,
    markdown_table,
    open_services,
    percentile,
    text_records,
    write_results,
)
from veracity.services import Services

SCHEMA = {
    "fields": [
        {"name": "sentiment", "kind": "choice", "options": ["positive", "negative", "neutral"]}
    ]
}
T = TypeVar("T")
CHOICES = SCHEMA["fields"][0]["options"]


@dataclass
class Tally:
    """What the annotators saw, for one K."""

    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    cycle_ms: list[float] = field(default_factory=list)
    submitted_total: int = 0  # including the warm-up: compared with the database afterwards
    statuses: Counter[str] = field(default_factory=Counter)
    error_ms: list[float] = field(default_factory=list)  # how long failed requests took
    ran_dry: bool = False


async def annotator(
    session: aiohttp.ClientSession,
    base: str,
    project_id: int,
    token: str,
    measure_from: float,
    stop_at: float,
    tally: Tally,
) -> None:
    """One annotator: next, then submit a random answer, until ``stop_at``."""
    auth = {"Authorization": f"Bearer {token}"}
    submit_headers = {**auth, "Content-Type": "application/json"}
    next_url = f"{base}/api/v1/projects/{project_id}/queue/next"
    rng = random.Random(token)
    while (t0 := time.perf_counter()) < stop_at:
        async with session.post(next_url, headers=auth) as response:
            body = await response.read()
            status = response.status
        if status == 204:
            tally.ran_dry = True
            return
        if status != 200:
            tally.statuses[f"next {status}"] += 1
            tally.error_ms.append((time.perf_counter() - t0) * 1000)
            continue
        lease = orjson.loads(body)
        t1 = time.perf_counter()
        answer = {"value": {"sentiment": rng.choice(CHOICES)}, "seconds": 1}
        async with session.post(
            f"{base}/api/v1/assignments/{lease['assignment_id']}/submit",
            data=orjson.dumps(answer),
            headers=submit_headers,
        ) as response:
            await response.read()
            status = response.status
        t2 = time.perf_counter()
        if status != 200:
            tally.statuses[f"submit {status}"] += 1
            tally.error_ms.append((t2 - t1) * 1000)
            continue
        tally.submitted_total += 1
        if measure_from <= t2 <= stop_at:
            tally.next_ms.append((t1 - t0) * 1000)
            tally.submit_ms.append((t2 - t1) * 1000)
            tally.cycle_ms.append((t2 - t0) * 1000)


async def drive(
    base: str,
    project_id: int,
    tokens: list[str],
    warmup: float,
    seconds: float,
    meter: CpuMeter,
) -> Tally:
    """Run the annotators; the meter covers the measured window only."""
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + seconds
        tasks = [
            asyncio.create_task(
                annotator(session, base, project_id, token, measure_from, stop_at, tally)
            )
            for token in tokens
        ]
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        meter.start()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        meter.stop()
        await asyncio.gather(*tasks)
    return tally


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop (a cheaper event loop: the load generator shares the cores)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coro)
    return uvloop.run(coro)


def new_project(services: Services, owner: Any, k: int, items: int) -> int:
    """A project with overlap 1 and ``items`` short text items (imported in-process).

    The items have no external ids: the import then skips its idempotency lookup, which on a
    fresh PostgreSQL table is slow (see docs/benchmarks.md) and is not what is measured here.
    Automatic truth-model refits are off (``refit_after`` None): a run piles up thousands of
    annotations in seconds, which would refit the model every few seconds, where a real
    project gets there over hours; what is measured is the annotators' loop.
    """
    workflow = {"overlap": 1, "refit_after": None}
    project = services.projects.create(owner, f"loop-{k}", SCHEMA, workflow)
    records = text_records(items, external_ids=False)
    services.items.import_records(owner, project.id, records)
    return project.id


def verify(services: Services, project_id: int, tally: Tally) -> dict[str, Any]:
    """What the database says about the run: nothing over overlap, nothing lost or doubled."""
    checks = {
        "annotations": "SELECT count(*) FROM annotations WHERE project_id = :p",
        "items_over_overlap": (
            "SELECT count(*) FROM items i WHERE i.project_id = :p AND "
            "(SELECT count(*) FROM annotations a WHERE a.item_id = i.id) > i.quota"
        ),
        "items_leased_beyond_overlap": (
            "SELECT count(*) FROM items i WHERE i.project_id = :p AND "
            "(SELECT count(*) FROM assignments s WHERE s.item_id = i.id "
            "AND s.status IN ('leased', 'submitted')) > i.quota"
        ),
        "counter_mismatches": (
            "SELECT count(*) FROM items i WHERE i.project_id = :p AND "
            "i.n_done <> (SELECT count(*) FROM annotations a WHERE a.item_id = i.id)"
        ),
        "resolutions": "SELECT count(*) FROM resolutions WHERE project_id = :p",
    }
    with services.db.read() as conn:
        found = {
            k: int(conn.execute(text(sql), {"p": project_id}).scalar_one())
            for k, sql in checks.items()
        }
    found["client_submits"] = tally.submitted_total
    found["ok"] = (
        found["items_over_overlap"] == 0
        and found["items_leased_beyond_overlap"] == 0
        and found["counter_mismatches"] == 0
        and found["annotations"] == tally.submitted_total
        and found["resolutions"] == tally.submitted_total
    )
    return found


def summarize(k: int, tally: Tally, meter: CpuMeter, seconds: float) -> dict[str, Any]:
    """One row of results."""

    def lat(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50": round(percentile(ordered, 0.50), 2),
            "p99": round(percentile(ordered, 0.99), 2),
            "max": round(ordered[-1], 2) if ordered else 0.0,
        }

    return {
        "annotators": k,
        "cycles": len(tally.cycle_ms),
        "cycles_per_second": round(len(tally.cycle_ms) / seconds, 1),
        "next_ms": lat(tally.next_ms),
        "submit_ms": lat(tally.submit_ms),
        "cycle_ms": lat(tally.cycle_ms),
        "errors": dict(tally.statuses),
        "error_ms": lat(tally.error_ms),
        "ran_dry": tally.ran_dry,
        "cpu_cores": meter.cores(),
    }


def start_profiler(
    args: argparse.Namespace, server: Server, db: str, workers: int, k: int
) -> subprocess.Popen[bytes]:
    """py-spy sampling the server's processes over the measured window (it starts with the
    warm-up, so the first ``--warmup`` seconds are sampled too)."""
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"annotator_loop-{db}-w{workers}-k{k}.txt"
    command = [
        args.py_spy,
        "record",
        "--pid",
        str(server.pid),
        "--duration",
        str(int(args.warmup + args.seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    if workers > 1:
        command.append("--subprocesses")
    if args.py_spy_mode != "active":
        command.append(f"--{args.py_spy_mode}")
    print(f"profiling the server into {out}", file=sys.stderr)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def run_config(db: str, workers: int, ks: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """Every K for one database and worker count, on one fresh database and server."""
    rows = []
    with fresh_database(db) as settings, open_services(settings) as services:
        crew = make_workforce(services, max(ks))
        with Server(settings, workers) as server:
            for k in ks:
                started = time.perf_counter()
                project_id = new_project(services, crew.owner, k, args.items)
                print(
                    f"[{db} w{workers} K={k}] {args.items} items ready in "
                    f"{time.perf_counter() - started:.1f} s; running",
                    file=sys.stderr,
                )
                meter = CpuMeter(server.all_pids(), PG_BENCH_DB if db == "postgresql" else None)
                profiler = None
                if args.py_spy and k == max(ks):
                    profiler = start_profiler(args, server, db, workers, k)
                tally = run_async(
                    drive(
                        server.url,
                        project_id,
                        crew.annotator_tokens[:k],
                        args.warmup,
                        args.seconds,
                        meter,
                    )
                )
                if profiler is not None:
                    profiler.wait(timeout=args.warmup + args.seconds + 60)
                row = summarize(k, tally, meter, meter.wall or args.seconds)
                row["check"] = verify(services, project_id, tally)
                rows.append(row)
                print(
                    f"[{db} w{workers} K={k}] {row['cycles_per_second']} cycles/s, "
                    f"cycle p50 {row['cycle_ms']['p50']} ms p99 {row['cycle_ms']['p99']} ms, "
                    f"check ok={row['check']['ok']}",
                    file=sys.stderr,
                )
    return {"db": db, "workers": workers, "runs": rows}


def table(results: list[dict[str, Any]]) -> str:
    """The results as one markdown table."""
    headers = [
        "db",
        "workers",
        "K",
        "cycles/s",
        "cycle p50 / p99 ms",
        "next p50 / p99 ms",
        "submit p50 / p99 ms",
        "cores: server / pg / loadgen / other",
        "errors",
        "correct",
    ]
    rows = []
    for config in results:
        for r in config["runs"]:
            c = r["cpu_cores"]
            rows.append(
                [
                    config["db"],
                    config["workers"],
                    r["annotators"],
                    r["cycles_per_second"],
                    f"{r['cycle_ms']['p50']} / {r['cycle_ms']['p99']}",
                    f"{r['next_ms']['p50']} / {r['next_ms']['p99']}",
                    f"{r['submit_ms']['p50']} / {r['submit_ms']['p99']}",
                    f"{c.get('server', 0)} / {c.get('postgres', 0)} / "
                    f"{c.get('load_generator', 0)} / {c.get('other', 0)}",
                    sum(r["errors"].values()) + (1 if r["ran_dry"] else 0),
                    "yes" if r["check"]["ok"] else f"NO {r['check']}",
                ]
            )
    return markdown_table(headers, rows)


def _ints(raw: str) -> list[int]:
    return [int(x) for x in raw.split(",") if x.strip()]


def main() -> None:
    """Parse arguments, run every configuration, print a table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, postgresql, or both (a,b)")
    parser.add_argument("--annotators", type=_ints, default=[1, 8, 32], help="K values: 1,8,32")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per K")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per K")
    parser.add_argument("--workers", type=_ints, default=[1], help="server processes: 1 or 1,2")
    parser.add_argument(
        "--items", type=int, default=60_000, help="items per K (must outlast the run)"
    )
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="py-spy executable: profile the server at the largest K into bench/results/profiles/",
    )
    parser.add_argument(
        "--py-spy-mode",
        choices=["gil", "active", "idle"],
        default="gil",
        help="gil: only the thread holding the GIL (where Python CPU goes); active: every "
        "running thread; idle: waiting threads too",
    )
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args()
    results = []
    for db in args.db.split(","):
        for workers in args.workers:
            config = run_config(db, workers, args.annotators, args)
            results.append(config)
            if not args.no_save:
                path = write_results(
                    f"annotator_loop-{db}-w{workers}",
                    {
                        "benchmark": "annotator_loop",
                        "command": " ".join(["bench/annotator_loop.py", *sys.argv[1:]]),
                        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "machine": machine(),
                        "seconds": args.seconds,
                        "warmup": args.warmup,
                        **config,
                    },
                )
                print(f"wrote {path.relative_to(RESULTS.parent.parent)}", file=sys.stderr)
    print(table(results))
    print(f"\n{NCPU} cores; 'cores' columns are average cores busy over the measured window.")
    if any(not r["check"]["ok"] for c in results for r in c["runs"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
