"""The user guide in docs/ cannot drift from the code.

Every setting, CLI command, API route, label kind and export format must be documented; the
generated parts (CLI reference, settings, kind settings, roles, SDK) must be up to date; every
page is reachable from docs/index.md and every relative link lands on a real file and heading;
and the examples on each label kind's page are checked against the real validation.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer

from veracity.app import create_app
from veracity.cli.main import app as cli_app
from veracity.domain import export_formats, schema_kinds
from veracity.domain.errors import InvalidRecord
from veracity.domain.label_schema import LabelSchema
from veracity.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))

_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_ROUTE_HEADING = re.compile(r"^### `([A-Z]+) (/\S*)`$", re.MULTILINE)
_ROUTE_MENTION = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/api/[^\s`)\]]+)")
_CODE_SPAN = re.compile(r"`([^`]+)`")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """Markdown without its fenced code blocks (links and headings there do not count)."""
    return _FENCE.sub("", text)


def _slugs(text: str) -> set[str]:
    """The anchors GitHub gives the page's headings."""
    seen: dict[str, int] = {}
    out = set()
    for match in _HEADING.finditer(_prose(text)):
        title = re.sub(r"[`*]|<[^>]+>", "", match[2])
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


# -- generated pages -----------------------------------------------------------------------


def test_generated_pages_are_up_to_date() -> None:
    expected = _generator().render_all()
    stale = [str(p.relative_to(ROOT)) for p, text in expected.items() if _read(p) != text]
    assert not stale, f"run scripts/docs to regenerate: {', '.join(stale)}"


# -- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description, f"Settings.{name} needs a description"
    assert f"`VERACITY_{name.upper()}`" in _read(DOCS / "settings.md")


# -- the CLI -------------------------------------------------------------------------------


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    # Typer may bundle its own click, so groups are recognised by what they do.
    if hasattr(command, "list_commands"):
        ctx = command.context_class(command, info_name="veracity")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _command_paths(sub, (*path, name))


def test_every_cli_command_is_documented() -> None:
    paths = list(_command_paths(typer.main.get_command(cli_app)))
    assert ("org", "create") in paths
    cli_md = _read(DOCS / "cli.md")
    missing = [p for p in paths if f"## `{' '.join(('veracity', *p))}`" not in cli_md]
    assert not missing, f"not in docs/cli.md (run scripts/docs): {missing}"


# -- the HTTP API --------------------------------------------------------------------------


def _api_routes(tmp_path: Path) -> set[tuple[str, str]]:
    """(method, path) of every route in the OpenAPI document, i.e. include_in_schema ones."""
    app = create_app(Settings(data_dir=tmp_path))
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    routes = _api_routes(tmp_path)
    assert ("POST", "/api/v1/projects/{project_id}/queue/next") in routes
    documented = set(_ROUTE_HEADING.findall(_read(DOCS / "api.md")))
    missing = sorted(routes - documented)
    assert not missing, f"add a '### `METHOD path`' section to docs/api.md for: {missing}"
    gone = sorted(documented - routes)
    assert not gone, f"docs/api.md documents routes the app does not have: {gone}"


def test_routes_mentioned_anywhere_in_docs_exist(tmp_path: Path) -> None:
    routes = _api_routes(tmp_path)
    wrong = [
        (str(page.relative_to(ROOT)), method, path)
        for page in PAGES
        for method, path in _ROUTE_MENTION.findall(_read(page))
        if (method, path.split("?")[0]) not in routes
    ]
    assert not wrong, f"these routes do not exist: {wrong}"


@pytest.mark.parametrize("name", export_formats.names())
def test_every_export_format_is_documented(name: str) -> None:
    api_md = _read(DOCS / "api.md")
    section = api_md.split("## Export formats", 1)[1].split("\n## ", 1)[0]
    assert f"**`{name}`**" in section, f"describe the {name!r} format under 'Export formats'"


# -- label kinds ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", schema_kinds.names())
def test_every_label_kind_has_a_page(kind: str) -> None:
    page = DOCS / "kinds" / f"{kind}.md"
    assert page.exists(), f"write docs/kinds/{kind}.md (one page per label kind)"
    text = _read(page)
    for heading in (
        "## What the annotator does",
        "## Settings",
        "## The value",
        "## Validation errors",
        "## How annotations are combined",
        "## In exports",
    ):
        assert heading in text, f"docs/kinds/{kind}.md needs a '{heading}' section"


def test_no_page_for_a_kind_that_does_not_exist() -> None:
    pages = {p.stem for p in (DOCS / "kinds").glob("*.md")}
    assert pages <= set(schema_kinds.names())


def _json_blocks(text: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"^```json\n(.*?)^```", text, re.M | re.S)]


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def _table(section: str, first_header: str) -> list[list[str]]:
    """The body rows of the first table whose first header cell is ``first_header``."""
    lines = section.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == first_header:
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split(" | ")])
            return rows
    raise AssertionError(f"no table starting with {first_header!r}")


def _leading_code(cell: str) -> str | None:
    """The code span a table cell starts with, if it starts with one."""
    match = _CODE_SPAN.match(cell)
    return match[1] if match else None


def _error_of(check: Any) -> InvalidRecord:
    with pytest.raises(InvalidRecord) as caught:
        check()
    return caught.value


@pytest.mark.parametrize("kind", schema_kinds.names())
def test_kind_page_examples_are_what_the_code_does(kind: str) -> None:
    """The field, the value and every error message shown on the page are real."""
    text = _read(DOCS / "kinds" / f"{kind}.md")
    spec = _json_blocks(text)[0]
    assert spec["kind"] == kind
    schema = LabelSchema.parse({"fields": [spec]})
    # Kinds that read the item (responses to rank, steps to review) show it under "The item".
    data = _json_blocks(_section(text, "## The item"))[0] if "\n## The item\n" in text else {}
    value = _json_blocks(_section(text, "## The value"))[0]
    schema.check(value, data)

    errors = _section(text, "## Validation errors")
    value_rows = _table(errors, "Value sent")
    checked = 0
    for row in value_rows:
        sent = _leading_code(row[0])
        if sent is None:
            continue
        exc = _error_of(lambda sent=sent: schema.check(json.loads(sent), data))
        assert exc.message == _leading_code(row[-1]), row
        if len(row) == 3:
            assert exc.field == _leading_code(row[1]), row
        checked += 1
    for row in _table(errors, "Field spec"):
        change = _leading_code(row[0])
        if change is None:
            continue
        changed = {**spec, **json.loads("{" + change + "}")}
        exc = _error_of(lambda changed=changed: LabelSchema.parse({"fields": [changed]}))
        assert exc.message == _leading_code(row[-1]), row
        checked += 1
    assert checked >= 4, "show real validation errors, each as `value` | `message`"


# -- pages and links -----------------------------------------------------------------------


def test_every_page_is_linked_from_the_index() -> None:
    index = DOCS / "index.md"
    linked = {
        (DOCS / target.split("#")[0]).resolve()
        for target in _LINK.findall(_prose(_read(index)))
        if "://" not in target and not target.startswith(("#", "mailto:"))
    }
    orphans = [str(p.relative_to(DOCS)) for p in PAGES if p != index and p not in linked]
    assert not orphans, f"link these pages from docs/index.md: {orphans}"


def test_relative_links_resolve() -> None:
    broken = []
    for page in PAGES:
        for target in _LINK.findall(_prose(_read(page))):
            if "://" in target or target.startswith("mailto:"):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(DOCS)} -> {target}"
            if not dest.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _slugs(_read(dest)):
                broken.append(f"{where} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_slugs_follow_github() -> None:
    text = "# A page\n## `POST /api/v1/projects/{project_id}/queue/next`\n## Errors\n## Errors\n"
    assert _slugs(text) == {
        "a-page",
        "post-apiv1projectsproject_idqueuenext",
        "errors",
        "errors-1",
    }
