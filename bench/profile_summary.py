"""Summarise a py-spy ``--format raw`` profile: where the server's samples go, by layer.

Each sample is charged to one layer: the innermost frame that belongs to a known library or
to Veracity (standard-library frames are charged to the nearest caller that is not standard
library, so ``threading.Condition.wait`` under anyio's worker counts as the thread pool).
Then the inclusive share of the functions on the hot paths.

    .venv/bin/python bench/profile_summary.py bench/results/profiles/annotator_loop-...txt
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from harness import markdown_table

# Innermost matching frame wins; order matters only between overlapping patterns.
LAYERS: list[tuple[str, str]] = [
    ("psycopg/", "psycopg (driver; waiting for PostgreSQL included unless --gil)"),
    ("sqlalchemy/sql/", "SQLAlchemy: statement building, compile, cache keys"),
    ("sqlalchemy/", "SQLAlchemy: engine, pool, result rows"),
    ("sqlite3/", "sqlite3 (driver)"),
    ("pydantic", "pydantic"),
    ("fastapi/", "FastAPI: routing, dependencies, validation, serialisation"),
    ("starlette/", "Starlette: routing, middleware, responses"),
    ("anyio/", "anyio: thread-pool hand-off"),
    ("uvicorn/", "uvicorn + httptools: HTTP"),
    ("httptools/", "uvicorn + httptools: HTTP"),
    ("uvloop/", "event loop"),
    ("asyncio/", "event loop"),
    ("orjson", "JSON"),
    ("json/", "JSON"),
    ("argon2", "argon2"),
    ("veracity/storage/", "Veracity: storage queries"),
    ("veracity/services/", "Veracity: services"),
    ("veracity/domain/", "Veracity: domain"),
    ("veracity/api/", "Veracity: API (routers, middleware)"),
    ("veracity/", "Veracity: other"),
]

HOT_FUNCTIONS = [
    "current_caller",
    "AuthenticationService.caller_from_token",
    "QueueService.next",
    "QueueService.submit",
    "require_project",
    "expire_leases",
    "open_lease_count",
    "pick_item",
    "lease_item",
    "assignment_of",
    "end_lease",
    "insert_annotation",
    "count_done",
    "resolve_item",
    "Database.write",
    "Database.read",
    "Transaction.commit",
    "Connection.begin",
    "Connection._execute_clauseelement",
    "Connection.wait",
    "SQLCompiler.__init__",
    "ClauseElement._generate_cache_key",
    "ItemService.import_records",
    "ItemService._import_batch",
    "parse_item_record",
    "existing",
    "insert_items",
    "ExportService._chunks",
    "serialize_response",
    "solve_dependencies",
    "run_in_threadpool",
    "import_items",
]

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*):(?P<line>\d+)\)$")


def _layer(file: str) -> str | None:
    for pattern, name in LAYERS:
        if pattern in file:
            return name
    return None


def summarise(path: Path, top: int) -> str:
    """The profile as markdown: layers, then hot functions, then the hottest leaf lines."""
    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [_FRAME.match(f) for f in stack.split(";")]
        parsed = [(m["func"], m["file"]) for m in frames if m]
        layer = next((ly for _, file in reversed(parsed) if (ly := _layer(file))), "other")
        layers[layer] += n
        for func in {func for func, _ in parsed}:
            inclusive[func] += n
        if parsed:
            func, file = parsed[-1]
            leaves[f"{func} ({file})"] += n
    if not total:
        return "no samples"

    def pct(n: int) -> str:
        return f"{100 * n / total:.1f}%"

    out = [f"{total} samples in {path.name}", "", "By layer (innermost known frame):", ""]
    out.append(markdown_table(["layer", "share"], [[k, pct(v)] for k, v in layers.most_common()]))
    out += ["", "Hot functions (inclusive):", ""]
    rows = [[f, pct(inclusive[f])] for f in HOT_FUNCTIONS if inclusive[f]]
    out.append(markdown_table(["function", "share"], rows))
    out += ["", f"Top {top} leaf frames:", ""]
    hottest = [[k, pct(v)] for k, v in leaves.most_common(top)]
    out.append(markdown_table(["frame", "share"], hottest))
    return "\n".join(out)


def main() -> None:
    """Print the summary of each profile given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25, help="how many leaf frames to list")
    args = parser.parse_args()
    for path in args.profiles:
        print(summarise(path, args.top))
        print()


if __name__ == "__main__":
    main()
