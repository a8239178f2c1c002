"""Render the JSON results in a directory (``bench/results`` by default) as the markdown
tables of ``docs/benchmarks.md``, so the page can be brought up to date after a run.

    .venv/bin/python bench/report.py [bench/results]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import orjson

from harness import RESULTS, markdown_table


def _load(directory: Path, pattern: str) -> list[dict[str, Any]]:
    return [orjson.loads(p.read_bytes()) for p in sorted(directory.glob(pattern))]


def _code(result: dict[str, Any]) -> str:
    code = result["machine"].get("code", {})
    commit = str(code.get("commit", "?"))[:10]
    dirty = code.get("uncommitted_diff_sha256")
    return commit + (f"+diff {dirty}" if dirty else "")


def annotator_loop(directory: Path) -> str:
    """One table for every annotator-loop result file."""
    rows = []
    for result in _load(directory, "annotator_loop-*.json"):
        for r in result["runs"]:
            c = r["cpu_cores"]
            errors = sum(r["errors"].values())
            rows.append(
                [
                    result["db"],
                    result["workers"],
                    r["annotators"],
                    r["cycles_per_second"],
                    f"{r['cycle_ms']['p50']} / {r['cycle_ms']['p99']}",
                    f"{r['next_ms']['p50']} / {r['next_ms']['p99']}",
                    f"{r['submit_ms']['p50']} / {r['submit_ms']['p99']}",
                    f"{c.get('server', 0)} / {c.get('postgres', 0)} / "
                    f"{c.get('load_generator', 0)} / {c.get('other', 0)}",
                    f"{errors} ({', '.join(r['errors'])})" if errors else "0",
                    "yes" if r["check"]["ok"] else "**NO**",
                    f"{result['when'][:16]} {_code(result)}",
                ]
            )
    return markdown_table(
        [
            "db",
            "workers",
            "K",
            "cycles/s",
            "cycle p50 / p99 ms",
            "next p50 / p99 ms",
            "submit p50 / p99 ms",
            "cores: server / PG / load gen / other",
            "errors",
            "correct",
            "when, code",
        ],
        rows,
    )


def import_export(directory: Path) -> str:
    """One table for every import/export result file."""
    rows = []
    for result in _load(directory, "import_export-*.json"):
        for r in result["runs"]:
            if "timed_out_after_seconds" in r:
                seconds = f"> {r['timed_out_after_seconds']} (stopped)"
                rate, memory = "", ""
            else:
                seconds = str(r["seconds"])
                rate = f"{r['items_per_second']:,}"
                memory = (
                    f"{r['cli_peak_mib']} (CLI process)"
                    if "cli_peak_mib" in r
                    else f"{r['server_peak_mib']} ({r['server_resting_mib']})"
                )
            rows.append(
                [
                    result["db"],
                    r["phase"],
                    r["how"],
                    f"{r['items']:,}",
                    round(r["bytes"] / 1e6, 1),
                    seconds,
                    rate,
                    memory,
                    f"{result['when'][:16]} {_code(result)}",
                ]
            )
    return markdown_table(
        [
            "db",
            "phase",
            "how",
            "items",
            "MB",
            "seconds",
            "items/s",
            "peak MiB (resting)",
            "when, code",
        ],
        rows,
    )


def http_ceiling(directory: Path) -> str:
    """The HTTP ceiling table."""
    rows = []
    for result in _load(directory, "http_ceiling.json"):
        for r in result["runs"]:
            c = r["cpu_cores"]
            rows.append(
                [
                    r["workers"],
                    r["connections"],
                    r["requests_per_second"],
                    f"{r['p50_ms']} / {r['p99_ms']}",
                    f"{c['server']} / {c['load_generator']} / {c['other']}",
                    f"{result['when'][:16]} {_code(result)}",
                ]
            )
    return markdown_table(
        [
            "workers",
            "connections",
            "requests/s",
            "p50 / p99 ms",
            "cores: server / load gen / other",
            "when, code",
        ],
        rows,
    )


def main() -> None:
    """Print every table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", type=Path, default=RESULTS)
    args = parser.parse_args()
    for title, render in (
        ("Annotator loop", annotator_loop),
        ("Import and export", import_export),
        ("HTTP ceiling", http_ceiling),
    ):
        print(f"### {title}\n\n{render(args.directory)}\n")


if __name__ == "__main__":
    main()
