"""Import and export of 100,000 and 1,000,000 short text items over HTTP.

For each database: a fresh database, ``veracity migrate``, an owner with an API token and
``veracity serve`` (one process) as a subprocess. For each size and import format, a new
project receives the file through the SDK's ``Client.import_file`` (streamed from disk in one
request, as a user would send it); then the project of the first format is exported over HTTP
in each export format, streamed into a file. Each phase reports items per second and the
server's peak memory: ``VmHWM`` of the server process, reset before the phase through
``/proc/<pid>/clear_refs`` so that one phase's peak does not hide the next one's (an
``RssSampler`` reading ``VmRSS`` every 50 ms cross-checks it). The server's resting memory
before the phase is reported too. With ``--cli``, ``veracity import`` / ``veracity export``
are timed as well for the largest size (peak memory from ``wait4``'s rusage).

    .venv/bin/python bench/import_export.py --db sqlite,postgresql --sizes 100000,1000000
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from harness import (
    PROFILES,
    VERACITY,
    RssSampler,
    Server,
    fresh_database,
    machine,
    make_workforce,
    markdown_table,
    memory_kib,
    open_services,
    reset_peak_memory,
    server_env,
    text_records,
    write_results,
)
from veracity.client import Client
from veracity.settings import Settings

SCHEMA = {
    "fields": [
        {"name": "sentiment", "kind": "choice", "options": ["positive", "negative", "neutral"]}
    ]
}
SUFFIX = {"ndjson": "jsonl", "json": "json", "csv": "csv"}


def write_items(directory: Path, n: int, fmt: str, *, external_ids: bool = True) -> Path:
    """A file of ``n`` short text items in ``fmt`` (ndjson, json or csv)."""
    path = directory / f"items-{n}{'' if external_ids else '-anonymous'}.{SUFFIX[fmt]}"
    if path.exists():
        return path
    records = text_records(n, external_ids=external_ids)
    with path.open("wb") as fh:
        if fmt == "ndjson":
            for record in records:
                fh.write(orjson.dumps(record) + b"\n")
        elif fmt == "json":
            fh.write(b"[")
            for i, record in enumerate(records):
                fh.write((b",\n" if i else b"\n") + orjson.dumps(record))
            fh.write(b"\n]\n")
        else:
            with open(fh.fileno(), "w", newline="", encoding="utf-8", closefd=False) as text:
                writer = csv.writer(text)
                writer.writerow(["external_id", "text"] if external_ids else ["text"])
                for record in records:
                    ids = [record["external_id"]] if external_ids else []
                    writer.writerow([*ids, record["data"]["text"]])
    return path


@contextmanager
def profiled(py_spy: str | None, pid: int, name: str) -> Iterator[None]:
    """py-spy sampling ``pid`` (GIL holder only) while the block runs, if asked for."""
    if not py_spy:
        yield
        return
    PROFILES.mkdir(parents=True, exist_ok=True)
    out = PROFILES / f"{name}.txt"
    spy = subprocess.Popen(
        [
            *(py_spy, "record", "--pid", str(pid), "--rate", "100", "--gil"),
            *("--format", "raw", "--nonblocking", "--output", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        spy.wait(timeout=60)
        print(f"profile written to {out}", file=sys.stderr)


def measured(
    server: Server, run: Callable[[], Any], profile: tuple[str | None, str] = (None, "")
) -> tuple[Any, dict[str, float]]:
    """Run one phase; return its result, seconds and the server's memory figures (MiB)."""
    pid = server.pid
    resting = memory_kib(pid, "VmRSS")
    reset = reset_peak_memory(pid)
    with RssSampler(pid) as sampler, profiled(profile[0], pid, profile[1]):
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    peak = memory_kib(pid, "VmHWM") if reset else 0
    return result, {
        "seconds": round(seconds, 2),
        "server_resting_mib": round(resting / 1024, 1),
        "server_peak_mib": round(max(peak, sampler.peak_kib) / 1024, 1),
        "server_peak_sampled_mib": round(sampler.peak_kib / 1024, 1),
    }


def run_cli(settings: Settings, args: list[str], log: Path) -> dict[str, float]:
    """Run a ``veracity`` command; return its seconds and peak memory (from ``wait4``)."""
    started = time.perf_counter()
    # stderr (a progress bar) goes to a file: a pipe nobody reads would fill up and block.
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [str(VERACITY), *args],
            env=server_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"veracity {' '.join(args)} failed:\n{log.read_text()[-2000:]}")
    return {"seconds": round(seconds, 2), "peak_mib": round(usage.ru_maxrss / 1024, 1)}


def _row(phase: str, how: str, n: int, size: int, figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "phase": phase,
        "how": how,
        "items": n,
        "bytes": size,
        "items_per_second": round(n / figures["seconds"]),
        **figures,
    }


def http_phases(
    server: Server, client: Client, args: argparse.Namespace, files: Path, out: Path, db: str
) -> list[dict[str, Any]]:
    """Import each size in each format, then export the first format's project.

    A phase that outlasts ``--phase-timeout`` is recorded as such and ends the HTTP phases
    for this database: the server is still busy with it (an import is one transaction).
    """
    rows: list[dict[str, Any]] = []
    for n in args.sizes:
        exported_project = None
        for fmt in args.formats:
            path = write_items(files, n, fmt, external_ids=args.external_ids)
            project = client.create_project(f"import-{n}-{fmt}", SCHEMA)
            try:
                result, figures = measured(
                    server,
                    lambda p=project.id, f=path: client.import_file(p, f),
                    (args.py_spy, f"import-{db}-{n}-{fmt}"),
                )
            except httpx.TimeoutException:
                size = path.stat().st_size
                rows.append(_timed_out("import", _how(f"HTTP {fmt}", args), n, size, args))
                print(f"[{db}] import {n} {fmt}: timed out", file=sys.stderr)
                return rows
            assert result.created == n, result
            rows.append(_row("import", _how(f"HTTP {fmt}", args), n, path.stat().st_size, figures))
            print(f"[{db}] import {n} {fmt}: {rows[-1]}", file=sys.stderr)
            exported_project = exported_project or project.id
        assert exported_project is not None
        for fmt in args.export_formats:
            sink_path = out / f"export-{n}.{fmt}"

            def export(p: int = exported_project, f: str = fmt, s: Path = sink_path) -> int:
                with s.open("wb") as sink:
                    return client.export(p, sink, f)

            try:
                written, figures = measured(server, export, (args.py_spy, f"export-{db}-{n}-{fmt}"))
            except httpx.TimeoutException:
                rows.append(_timed_out("export", f"HTTP {fmt}", n, 0, args))
                return rows
            finally:
                sink_path.unlink(missing_ok=True)
            rows.append(_row("export", f"HTTP {fmt}", n, written, figures))
            print(f"[{db}] export {n} {fmt}: {rows[-1]}", file=sys.stderr)
    return rows


def _how(how: str, args: argparse.Namespace) -> str:
    return how if args.external_ids else f"{how}, no external ids"


def _timed_out(phase: str, how: str, n: int, size: int, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "phase": phase,
        "how": how,
        "items": n,
        "bytes": size,
        "timed_out_after_seconds": args.phase_timeout,
    }


def cli_phases(
    settings: Settings, services: Any, owner: Any, args: argparse.Namespace, files: Path, out: Path
) -> list[dict[str, Any]]:
    """``veracity import`` then ``veracity export`` of the largest size."""
    n = max(args.sizes)
    path = write_items(files, n, "ndjson", external_ids=args.external_ids)
    project = services.projects.create(owner, f"cli-{n}", SCHEMA)
    figures = run_cli(settings, ["import", str(project.id), str(path)], out / "cli.log")
    rows = [_row("import", _how("CLI ndjson", args), n, path.stat().st_size, _cli(figures))]
    sink_path = out / "cli-export.jsonl"
    figures = run_cli(
        settings,
        ["export", str(project.id), "--format", "jsonl", "-o", str(sink_path)],
        out / "cli.log",
    )
    rows.append(_row("export", "CLI jsonl", n, sink_path.stat().st_size, _cli(figures)))
    sink_path.unlink()
    return rows


def _cli(figures: dict[str, float]) -> dict[str, float]:
    return {"seconds": figures["seconds"], "cli_peak_mib": figures["peak_mib"]}


def run_db(db: str, args: argparse.Namespace, files: Path) -> dict[str, Any]:
    """Every size and format on one fresh database and server."""
    with (
        fresh_database(db) as settings,
        open_services(settings) as services,
        tempfile.TemporaryDirectory(prefix="veracity-export-") as tmp,
    ):
        out = Path(tmp)
        crew = make_workforce(services, 0)
        with (
            Server(settings, 1) as server,
            Client(server.url, crew.owner_token, timeout=args.phase_timeout) as client,
        ):
            rows = http_phases(server, client, args, files, out, db)
        if args.cli and not any("timed_out_after_seconds" in r for r in rows):
            rows += cli_phases(settings, services, crew.owner, args, files, out)
            for r in rows[-2:]:
                print(f"[{db}] CLI {r['phase']} {r['items']}: {r}", file=sys.stderr)
    return {"db": db, "runs": rows}


def table(results: list[dict[str, Any]]) -> str:
    """The results as one markdown table."""
    headers = [
        "db",
        "phase",
        "how",
        "items",
        "MB",
        "seconds",
        "items/s",
        "peak MiB (resting)",
    ]
    rows = []
    for config in results:
        for r in config["runs"]:
            if "timed_out_after_seconds" in r:
                rows.append(
                    [
                        config["db"],
                        r["phase"],
                        r["how"],
                        f"{r['items']:,}",
                        round(r["bytes"] / 1e6, 1),
                        f"> {r['timed_out_after_seconds']} (stopped)",
                        f"< {r['items'] / r['timed_out_after_seconds']:,.0f}",
                        "",
                    ]
                )
                continue
            if "cli_peak_mib" in r:
                memory = f"{r['cli_peak_mib']} (CLI process)"
            else:
                memory = f"{r['server_peak_mib']} ({r['server_resting_mib']})"
            rows.append(
                [
                    config["db"],
                    r["phase"],
                    r["how"],
                    f"{r['items']:,}",
                    round(r["bytes"] / 1e6, 1),
                    r["seconds"],
                    f"{r['items_per_second']:,}",
                    memory,
                ]
            )
    return markdown_table(headers, rows)


def _ints(raw: str) -> list[int]:
    return [int(x) for x in raw.split(",") if x.strip()]


def _words(raw: str) -> list[str]:
    return [x.strip() for x in raw.split(",") if x.strip()]


def main() -> None:
    """Parse arguments, run every database, print a table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, postgresql, or both (a,b)")
    parser.add_argument("--sizes", type=_ints, default=[100_000, 1_000_000], help="item counts")
    parser.add_argument(
        "--formats", type=_words, default=["ndjson"], help="import formats: ndjson,json,csv"
    )
    parser.add_argument(
        "--export-formats", type=_words, default=["jsonl", "csv"], help="export formats"
    )
    parser.add_argument(
        "--phase-timeout",
        type=float,
        default=900.0,
        help="seconds after which a phase is stopped and recorded as too slow",
    )
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="py-spy executable: profile every phase into bench/results/profiles/",
    )
    parser.add_argument(
        "--no-external-ids",
        dest="external_ids",
        action="store_false",
        help="items without external_id (the import then skips its idempotency lookup)",
    )
    parser.add_argument("--cli", action="store_true", help="also time the CLI at the top size")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="veracity-items-") as files:
        for db in _words(args.db):
            config = run_db(db, args, Path(files))
            results.append(config)
            if not args.no_save:
                write_results(
                    f"import_export-{db}{'' if args.external_ids else '-no-external-ids'}",
                    {
                        "benchmark": "import_export",
                        "command": " ".join(["bench/import_export.py", *sys.argv[1:]]),
                        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "machine": machine(),
                        "external_ids": args.external_ids,
                        **config,
                    },
                )
    print(table(results))


if __name__ == "__main__":
    main()
