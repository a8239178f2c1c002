"""Dependencies point inward: each layer of ``src/veracity`` imports only what it may.

domain (pure rules)  <-  services (use cases)  <-  api, web, cli, jobs (adapters)
                              |
                           storage

- ``domain`` imports nothing of Veracity outside ``domain/``, and no web, database or I/O
  library: it is tested without either.
- ``services`` may use ``domain`` and ``storage`` (and settings), never an adapter.
- ``storage`` never imports the layers above it.
- ``api`` and ``web`` go through services: they never touch ``storage.queries`` or
  ``storage.tables``; ``cli`` and ``jobs`` likewise.
- ``client`` (the SDK users install) imports only the wire models in ``veracity.api.schemas``
  and httpx, orjson and pydantic.

Imports are read with ``ast`` (including those under ``if TYPE_CHECKING:`` and inside
functions), so a deferred import does not slip past.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "veracity"

# Libraries that do I/O or belong to an outer layer; the domain must stay pure.
IO_LIBRARIES = frozenset(
    {
        "aiohttp",
        "alembic",
        "boto3",
        "click",
        "fastapi",
        "httpx",
        "jinja2",
        "psycopg",
        "redis",
        "requests",
        "rich",
        "sqlalchemy",
        "starlette",
        "typer",
        "uvicorn",
    }
)
IO_STDLIB = frozenset(
    {"http", "socket", "sqlite3", "subprocess", "urllib.request", "shutil", "tempfile"}
)


@dataclass(frozen=True)
class Rule:
    """What modules of one layer may not import (prefixes of dotted module names)."""

    forbidden: frozenset[str] = frozenset()
    # When set, the only Veracity modules the layer may import (prefixes).
    only_veracity: frozenset[str] | None = None
    # When set, the only third-party top-level packages the layer may import.
    only_third_party: frozenset[str] | None = None
    why: str = ""


_ADAPTERS = frozenset({"veracity.api", "veracity.web", "veracity.cli", "veracity.jobs"})
_STORAGE_INSIDES = frozenset({"veracity.storage.queries", "veracity.storage.tables"})

RULES: dict[str, Rule] = {
    "domain": Rule(
        forbidden=IO_LIBRARIES | IO_STDLIB,
        only_veracity=frozenset({"veracity.domain"}),
        why="the domain is pure: no I/O, no web or database code",
    ),
    "services": Rule(
        forbidden=_ADAPTERS | {"veracity.client", "veracity.app"},
        why="services are used by the adapters, never the other way round",
    ),
    "storage": Rule(
        forbidden=_ADAPTERS | {"veracity.services", "veracity.client", "veracity.app"},
        why="storage sits under the services",
    ),
    "api": Rule(
        forbidden=_STORAGE_INSIDES | {"veracity.web", "veracity.cli", "veracity.client"},
        why="routers call services; tables and queries belong to the services",
    ),
    "web": Rule(
        forbidden=_STORAGE_INSIDES | {"veracity.cli", "veracity.client"},
        why="pages call services; tables and queries belong to the services",
    ),
    "cli": Rule(
        forbidden=_STORAGE_INSIDES | {"veracity.api", "veracity.web", "veracity.client"},
        why="commands call services (and storage only to migrate)",
    ),
    "jobs": Rule(
        forbidden=_STORAGE_INSIDES | {"veracity.api", "veracity.web", "veracity.cli"},
        why="job handlers call services",
    ),
    "client": Rule(
        only_veracity=frozenset({"veracity.client", "veracity.api.schemas"}),
        only_third_party=frozenset({"httpx", "orjson", "pydantic"}),
        why="the SDK ships to users: only the wire models and its own HTTP stack",
    ),
    # Package data and the composition root (app.py, settings.py, __init__.py) are free.
    "demo_data": Rule(why="sample data"),
    "": Rule(why="composition root"),
}


def module_name(path: Path) -> str:
    """``src/veracity/api/errors.py`` -> ``veracity.api.errors``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, dotted name) of everything ``source`` imports, relative imports resolved.

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a module).
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _under(name: str, prefixes: frozenset[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(layer: str, module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Every import of ``module`` (in ``layer``) that breaks that layer's rule."""
    rule = RULES[layer]
    out = []
    third_party_ok = sys.stdlib_module_names | {"veracity", "__future__"}
    for line, name in imports_of(source, module, is_package=is_package):
        top = name.split(".")[0]
        if _under(name, rule.forbidden):
            out.append(f"{module}:{line} imports {name} ({rule.why})")
        elif top == "veracity" and rule.only_veracity is not None:
            # "from veracity.api import schemas" names the package first; allow parents.
            allowed = _under(name, rule.only_veracity) or any(
                p.startswith(name + ".") for p in rule.only_veracity
            )
            if not allowed:
                out.append(f"{module}:{line} imports {name} ({rule.why})")
        elif (
            rule.only_third_party is not None
            and top not in third_party_ok
            and top not in rule.only_third_party
        ):
            out.append(f"{module}:{line} imports {name} ({rule.why})")
    return sorted(set(out))


def _layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return ""
    sub = PACKAGE / parts[1]
    return parts[1] if sub.is_dir() else ""


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_package_has_a_rule() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    unruled = sorted(packages - set(RULES))
    assert not unruled, f"decide what these may import and add them to RULES: {unruled}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path: Path) -> None:
    module = module_name(path)
    layer = _layer_of(module)
    found = violations(
        layer, module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py"
    )
    assert not found, "\n".join(found)


# The checker itself: each rule catches what it is meant to, so the tests above can fail.


@pytest.mark.parametrize(
    ("layer", "module", "source"),
    [
        ("domain", "veracity.domain.truth", "from veracity.services import queue"),
        ("domain", "veracity.domain.truth", "import sqlalchemy"),
        ("domain", "veracity.domain.truth", "from fastapi import Request"),
        ("domain", "veracity.domain.truth", "def f():\n    import httpx\n"),
        ("domain", "veracity.domain.truth", "from veracity.settings import Settings"),
        ("domain", "veracity.domain.truth", "import sqlite3"),
        ("services", "veracity.services.queue", "from veracity.api.schemas import queue"),
        ("services", "veracity.services.queue", "from ..web import pages"),
        ("storage", "veracity.storage.db", "from veracity.services import Services"),
        ("api", "veracity.api.routers.items", "from veracity.storage.queries import items"),
        ("api", "veracity.api.routers.items", "from veracity.storage import tables"),
        ("web", "veracity.web.pages", "from ..storage.tables import items"),
        ("cli", "veracity.cli.demo", "from veracity.storage.queries.items import existing"),
        ("client", "veracity.client.client", "from veracity.services import Services"),
        ("client", "veracity.client.client", "from veracity.domain.errors import NotFound"),
        ("client", "veracity.client.client", "import requests"),
    ],
)
def test_the_checker_catches(layer: str, module: str, source: str) -> None:
    assert violations(layer, module, source)


@pytest.mark.parametrize(
    ("layer", "module", "source"),
    [
        ("domain", "veracity.domain.truth", "from veracity.domain.label_schema import X"),
        ("domain", "veracity.domain.truth", "import orjson\nfrom pydantic import BaseModel"),
        ("domain", "veracity.domain.truth", "from . import errors"),
        ("services", "veracity.services.queue", "from veracity.storage.queries import queue"),
        ("api", "veracity.api.routers.items", "from veracity.services.item_readers import X"),
        ("client", "veracity.client.client", "from veracity.api.schemas.queue import LeaseOut"),
        ("client", "veracity.client.client", "import httpx\nfrom typing import Any"),
        ("client", "veracity.client", "from veracity.client.client import Client"),
    ],
)
def test_the_checker_allows(layer: str, module: str, source: str) -> None:
    assert violations(layer, module, source) == []


def test_relative_imports_are_resolved() -> None:
    names = [n for _, n in imports_of("from ..storage import db", "veracity.services.queue")]
    assert "veracity.storage.db" in names
    names = [n for _, n in imports_of("from . import x", "veracity.web", is_package=True)]
    assert "veracity.web.x" in names
