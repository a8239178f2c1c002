"""Regenerate the parts of docs/ that are read off the code, so that they cannot drift.

Generated text sits between two marker lines in a hand-written page::

    <!-- generated: NAME (scripts/docs) -->
    ...
    <!-- end generated: NAME -->

Everything outside the markers is kept as it is. The blocks:

- ``cli`` in docs/cli.md: the real ``--help`` of every command and sub-command,
- ``settings`` in docs/settings.md: every field of ``veracity.settings.Settings``,
- ``kind-settings`` in docs/kinds/<kind>.md: the settings of each label kind,
- ``roles`` in docs/roles.md: which role carries which permission and may grant which role,
- ``sdk`` in docs/sdk.md: every public method of ``veracity.client.Client``.

Run ``scripts/docs`` to rewrite the pages, ``scripts/docs --check`` to only compare;
``tests/test_docs.py`` fails when a page is out of date.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import typing
from collections.abc import Callable
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WIDTH = 80

_BLOCK = re.compile(
    r"(?P<open><!-- generated: (?P<name>[\w-]+) \(scripts/docs\) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- end generated: (?P=name) -->)",
    re.DOTALL,
)

# What each permission lets a member do (docs/roles.md). A new permission must be explained
# here before the docs can be generated.
PERMISSIONS = {
    "manage_members": "list the organization's members and invite people",
    "manage_sign_in": "configure the organization's single sign-on (identity provider)",
    "write_project": "create projects, rename them, change instructions and workflow",
    "read_project": "list projects and read one project's schema, workflow and instructions",
    "write_items": "import items",
    "write_gold": "upload gold values",
    "read_results": "read resolutions (the final value of each item), jobs and the truth model",
    "export": "export a project (JSONL, CSV and the training formats)",
    "read_stats": "read a project's progress and quality figures",
    "review": "review submitted work: accept, reject with a comment, or fix it",
    "run_jobs": "start background jobs on a project (refit its truth model)",
    "work": "work a project's queue: lease items, submit, skip",
}


# -- the CLI -----------------------------------------------------------------------------

# Run in a fresh interpreter: Typer decides at import time whether to draw help with Rich,
# and plain text (TYPER_USE_RICH=0) at a fixed width is what a diff can compare.
_HELP_SCRIPT = """
import json
import sys
import typer
from typer.testing import CliRunner
from veracity.cli.main import app

root = typer.main.get_command(app)
runner = CliRunner()
out = []
width = int(sys.argv[1])

def walk(command, path):
    result = runner.invoke(
        app, [*path, "--help"], prog_name="veracity", terminal_width=width,
        max_content_width=width,
    )
    if result.exit_code != 0:
        raise SystemExit(f"veracity {' '.join(path)} --help failed: {result.output}")
    out.append({"path": path, "help": result.output})
    # Typer may bundle its own click, so groups are recognised by what they do.
    if hasattr(command, "list_commands"):
        ctx = command.context_class(command, info_name="veracity")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                walk(sub, [*path, name])

walk(root, [])
print(json.dumps(out))
"""


def cli_help() -> list[tuple[list[str], str]]:
    """``(command path, --help output)`` for every command, parents before children."""
    env = {
        **os.environ,
        "TYPER_USE_RICH": "0",
        "COLUMNS": str(WIDTH),
        "TERMINAL_WIDTH": str(WIDTH),
        "NO_COLOR": "1",
    }
    run = subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", _HELP_SCRIPT, str(WIDTH)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"collecting --help failed:\n{run.stderr}")
    return [(entry["path"], entry["help"]) for entry in json.loads(run.stdout)]


def render_cli() -> str:
    """One section per command with its ``--help``."""
    parts = []
    for path, text in cli_help():
        title = " ".join(["veracity", *path])
        lines = [line.rstrip() for line in text.strip("\n").splitlines()]
        parts.append(f"## `{title}`\n\n```text\n" + "\n".join(lines) + "\n```\n")
    return "\n".join(parts)


# -- settings ----------------------------------------------------------------------------


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " or ".join(f"`{m.value}`" for m in annotation)
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(f'`"{a}"`' for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}s"
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type_name(a) for a in rest) + " or null"
    names = {bool: "boolean", int: "integer", float: "number", str: "string", Path: "path"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _limits(field: FieldInfo, unit: str = "") -> str:
    """Bounds from the field's constraints, in words."""
    low = high = None
    words = []
    for meta in field.metadata:
        if hasattr(meta, "ge"):
            low = meta.ge
        elif hasattr(meta, "le"):
            high = meta.le
        elif hasattr(meta, "min_length"):
            low = meta.min_length
        elif hasattr(meta, "max_length"):
            high = meta.max_length
        elif getattr(meta, "pattern", None):
            words.append(f"matches `{meta.pattern}`")
    if low is not None and high is not None:
        words.insert(0, f"{low} to {high}{unit}")
    elif low is not None:
        words.insert(0, f"at least {low}{unit}")
    elif high is not None:
        words.insert(0, f"at most {high}{unit}")
    return "; ".join(words)


def _bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_settings() -> str:
    """A table of every setting: variable, type, default, meaning."""
    from veracity.settings import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    rows = [
        "| Variable | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise RuntimeError(f"Settings.{name} has no description")
        if field.default_factory is not None:
            value: Any = field.default_factory()
        else:
            value = field.default
        if isinstance(value, Path):
            default = "`" + str(value).replace(str(Path.home()), "~", 1) + "`"
        elif isinstance(value, Enum):
            default = f"`{value.value}`"
        elif isinstance(value, bool):
            default = f"`{str(value).lower()}`"
        elif value == "":
            default = "(empty)"
        elif isinstance(value, int) and name.endswith("_bytes"):
            default = f"`{value}` ({_bytes(value)})"
        else:
            default = f"`{value}`"
        kind = _type_name(field.annotation)
        limits = _limits(field)
        if limits:
            kind += f", {limits}"
        env = f"`{prefix}{name.upper()}`"
        rows.append(f"| {env} | {_cell(kind)} | {_cell(default)} | {_cell(field.description)} |")
    return "\n".join(rows) + "\n"


# -- label kinds -------------------------------------------------------------------------


def render_kind_settings(kind: str) -> str:
    """A table of one label kind's settings, in the order the kind declares them."""
    from veracity.domain import schema_kinds

    cls = schema_kinds.get(kind)
    if cls is None:
        raise RuntimeError(f"no label kind {kind!r}")
    rows = ["| Setting | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    for name, field in cls.model_fields.items():
        if name == "kind":
            rows.append(f'| `kind` | `"{kind}"` | required | Selects this kind. |')
            continue
        if not field.description:
            raise RuntimeError(f"{cls.__name__}.{name} has no description")
        if field.default is PydanticUndefined:
            default = "required"
        else:
            default = "`" + json.dumps(field.default) + "`"
        kind_text = _type_name(field.annotation)
        unit = {list: " items", str: " characters"}.get(
            typing.get_origin(field.annotation) or field.annotation, ""
        )
        limits = _limits(field, unit)
        if limits:
            kind_text += f", {limits}"
        rows.append(f"| `{name}` | {_cell(kind_text)} | {default} | {_cell(field.description)} |")
    return "\n".join(rows) + "\n"


# -- roles -------------------------------------------------------------------------------


def render_roles() -> str:
    """Who may do what, and who may give which role, from ``veracity.domain.roles``."""
    from veracity.domain.roles import Permission, Role, allows, may_grant

    roles = list(Role)
    header = "| Permission | What it allows | " + " | ".join(r.value for r in roles) + " |"
    rows = [header, "| --- | --- |" + " --- |" * len(roles)]
    for permission in Permission:
        meaning = PERMISSIONS.get(permission.value)
        if meaning is None:
            raise RuntimeError(f"explain permission {permission.value!r} in PERMISSIONS")
        marks = " | ".join("yes" if allows(r, permission) else "no" for r in roles)
        rows.append(f"| `{permission.value}` | {meaning} | {marks} |")
    rows += [
        "",
        "Who may give which role (in an invitation):",
        "",
        "| Inviter's role | " + " | ".join(r.value for r in roles) + " |",
        "| --- |" + " --- |" * len(roles),
    ]
    for granter in roles:
        marks = " | ".join("yes" if may_grant(granter, r) else "no" for r in roles)
        rows.append(f"| {granter.value} | {marks} |")
    return "\n".join(rows) + "\n"


# -- the SDK -----------------------------------------------------------------------------


def _signature(function: Callable[..., Any]) -> str:
    """``(a: int, b: str = 'x') -> T`` as written in the source (annotations are strings)."""
    signature = inspect.signature(function)
    params = []
    for p in signature.parameters.values():
        if p.name == "self":
            continue
        text = "**" if p.kind is p.VAR_KEYWORD else "*" if p.kind is p.VAR_POSITIONAL else ""
        text += p.name
        if p.annotation is not p.empty:
            text += f": {p.annotation}"
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        params.append(text)
    keyword_only = [
        i for i, p in enumerate(signature.parameters.values()) if p.kind is p.KEYWORD_ONLY
    ]
    if keyword_only:
        params.insert(keyword_only[0] - 1, "*")  # minus one: "self" is not shown
    returns = signature.return_annotation
    shown = f"({', '.join(params)})"
    return shown if returns is signature.empty else f"{shown} -> {returns}"


def render_sdk() -> str:
    """Every public method of ``Client`` with its signature and docstring."""
    from veracity.client import Client, VeracityError

    init = _signature(Client.__init__).removesuffix(" -> None")
    parts = [f"### `Client{init}`\n\n{inspect.getdoc(Client)}\n"]
    for name, member in vars(Client).items():
        if name.startswith("_") or not callable(member):
            continue
        doc = inspect.getdoc(member)
        if not doc:
            raise RuntimeError(f"Client.{name} has no docstring")
        parts.append(f"### `client.{name}{_signature(member)}`\n\n{doc}\n")
    doc = inspect.getdoc(VeracityError) or ""
    parts.append(f"### `VeracityError`\n\n{doc}\n")
    return "\n".join(parts)


# -- putting it together -----------------------------------------------------------------


def blocks() -> dict[Path, dict[str, Callable[[], str]]]:
    """Which page holds which generated block, and what renders it."""
    from veracity.domain import schema_kinds

    pages: dict[Path, dict[str, Callable[[], str]]] = {
        DOCS / "cli.md": {"cli": render_cli},
        DOCS / "settings.md": {"settings": render_settings},
        DOCS / "roles.md": {"roles": render_roles},
        DOCS / "sdk.md": {"sdk": render_sdk},
    }
    for kind in schema_kinds.names():
        pages[DOCS / "kinds" / f"{kind}.md"] = {
            "kind-settings": partial(render_kind_settings, kind)
        }
    return pages


def fill(text: str, renderers: dict[str, Callable[[], str]], page: Path) -> str:
    """``text`` with every block it names re-rendered; every renderer must find its block."""
    found = set()

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        render = renderers.get(name)
        if render is None:
            raise RuntimeError(f"{page}: unknown generated block {name!r}")
        found.add(name)
        body = render().strip("\n")
        return f"{match['open']}\n{body}\n\n{match['close']}"

    out = _BLOCK.sub(replace, text)
    missing = set(renderers) - found
    if missing:
        marker = textwrap.indent(
            "\n".join(
                f"<!-- generated: {m} (scripts/docs) -->\n<!-- end generated: {m} -->"
                for m in sorted(missing)
            ),
            "    ",
        )
        raise RuntimeError(f"{page} needs these marker lines:\n{marker}")
    return out


def render_all() -> dict[Path, str]:
    """The full text every page with a generated block should have."""
    out = {}
    for page, renderers in blocks().items():
        if not page.exists():
            raise RuntimeError(f"{page.relative_to(ROOT)} is missing; write its hand-made part")
        out[page] = fill(page.read_text(encoding="utf-8"), renderers, page)
    return out


def main(argv: list[str]) -> int:
    """Rewrite the generated blocks (or, with ``--check``, only report stale pages)."""
    check = "--check" in argv
    stale = []
    for page, text in render_all().items():
        if page.read_text(encoding="utf-8") != text:
            stale.append(page.relative_to(ROOT))
            if not check:
                page.write_text(text, encoding="utf-8")
    verb = "out of date" if check else "updated"
    for page in stale:
        print(f"{verb}: {page}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
