"""The ``veracity`` command line, run as the real console script in a subprocess.

Every call costs a Python start-up (about a second), so each test walks through one job as an
operator would and checks several things on the way.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_URL, Backend, LiveServer, _pg_database
from tests.factories.crowd import crowd_org
from tests.factories.processes import run_cli, run_cli_together
from tests.factories.projects import SENTIMENT
from veracity.api.deps import SESSION_COOKIE
from veracity.services import Services
from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import create_db_engine
from veracity.storage.tables import items, projects

TRACEBACK = "Traceback"


@pytest.fixture
def fresh_settings(backend: Backend, tmp_path: Path) -> Iterator[Settings]:
    """Settings over a database that has never been migrated.

    On SQLite no URL is given at all, so the default file in ``VERACITY_DATA_DIR`` is used.
    """
    data_dir = tmp_path / "fresh"
    if backend.name == "sqlite":
        yield Settings(database_url="", data_dir=data_dir)
        return
    name = f"{make_url(backend.url).database}_fresh"
    yield Settings(database_url=_pg_database(name), data_dir=data_dir)
    admin = create_engine(
        Settings(database_url=PG_ADMIN_URL).resolved_database_url, isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def test_migrate_says_what_it_did_and_is_idempotent(fresh_settings: Settings) -> None:
    head = schema.head_revision()
    first = run_cli(fresh_settings, "migrate")
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip() == f"database migrated from empty to {head}"
    again = run_cli(fresh_settings, "migrate")
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip() == f"database already at revision {head}"
    engine = create_db_engine(fresh_settings, pool=False)
    try:
        assert schema.current_revision(engine) == head
    finally:
        engine.dispose()
    if fresh_settings.is_sqlite:
        assert (fresh_settings.data_dir / "veracity.db").is_file()


def _one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 1
    assert result.stdout == ""
    assert TRACEBACK not in result.stderr
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert message.startswith("error:"), message
    assert needle in message, message


def _web_sign_in(url: str, email: str, password: str) -> httpx.Response:
    """Sign in through the web form, as a browser does."""
    with httpx.Client(base_url=url, follow_redirects=False) as browser:
        page = browser.get("/login")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text
        return browser.post(
            "/login", data={"email": email, "password": password, "csrf": found.group(1)}
        )


def test_org_user_and_token(settings: Settings, services: Services, server: LiveServer) -> None:
    created = run_cli(settings, "org", "create", "Initech")
    assert created.returncode == 0, created.stderr
    # Only the id, so that scripts can capture it.
    assert created.stdout == f"{services.accounts.org_id('Initech')}\n"
    assert created.stderr == ""

    password = "a long enough secret"
    made = run_cli(
        settings,
        "user",
        "create",
        "Boss@Initech.test",
        "--org",
        "Initech",
        "--role",
        "owner",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout == ""
    assert "owner of Initech" in made.stderr

    issued, duplicate, stray = run_cli_together(
        settings,
        ["token", "create", "boss@initech.test"],
        ["org", "create", "Initech"],
        ["user", "create", "x@initech.test", "--org", "Nowhere"],
    )
    _one_line_error(duplicate, "already exists")
    _one_line_error(stray, "organization 'Nowhere' not found")
    assert issued.returncode == 0, issued.stderr
    assert issued.stderr == ""
    token = issued.stdout.removesuffix("\n")
    assert re.fullmatch(r"\S+", token), issued.stdout
    me = server.client(token).me()
    assert (me.email, me.role) == ("boss@initech.test", "owner")

    # The password read from stdin (newline stripped) is the one the web sign-in accepts.
    signed_in = _web_sign_in(server.url, "boss@initech.test", password)
    assert signed_in.status_code == 303, signed_in.text
    assert SESSION_COOKIE in signed_in.cookies
    assert _web_sign_in(server.url, "boss@initech.test", password + "\n").status_code == 401


def _item_count(services: Services, project_id: int) -> int:
    with services.db.read() as conn:
        return int(
            conn.execute(select(func.count()).where(items.c.project_id == project_id)).scalar_one()
        )


def test_import_then_export(settings: Settings, services: Services, tmp_path: Path) -> None:
    org, (ann, ben) = crowd_org(services, 2, "Acme")
    owner = services.auth.caller_from_token(org.owner.token)
    project_id = services.projects.create(owner, "cli", SENTIMENT, {"overlap": 2}, "").id
    as_json = tmp_path / "items.json"
    as_json.write_text(
        json.dumps([{"external_id": f"j-{i}", "data": {"text": f"json {i}"}} for i in range(3)])
    )
    # NDJSON under a name whose suffix says nothing: --format decides.
    as_ndjson = tmp_path / "items.txt"
    as_ndjson.write_text(
        "".join(
            json.dumps({"external_id": f"n-{i}", "data": {"text": f"ndjson {i}"}}) + "\n"
            for i in range(4)
        )
    )
    as_csv = tmp_path / "items.csv"
    as_csv.write_text('external_id,text,meta.batch\nc-1,hello,7\nc-2,"a, b",7\n')

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"external_id": "fine", "data": {"text": "ok"}})
        + "\n"
        + json.dumps({"external_id": "broken", "data": "not an object"})
        + "\n"
    )
    pid = str(project_id)
    first, failed = run_cli_together(
        settings, ["import", pid, str(as_json)], ["import", pid, str(bad)]
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    assert "importing" in first.stderr  # the progress bar
    assert "created 3, unchanged 0, updated 0" in first.stderr
    assert failed.returncode == 1
    assert TRACEBACK not in failed.stderr
    assert "record 2, field 'data'" in failed.stderr
    assert _item_count(services, project_id) == 3  # not even the good first record

    ndjson, table, again = run_cli_together(
        settings,
        ["import", pid, str(as_ndjson), "--format", "ndjson"],
        ["import", pid, str(as_csv)],
        ["import", pid, str(as_json)],
    )
    assert "created 4, unchanged 0, updated 0" in ndjson.stderr
    assert "created 2, unchanged 0, updated 0" in table.stderr
    assert "created 0, unchanged 3, updated 0" in again.stderr
    assert _item_count(services, project_id) == 9

    # Two annotators label the JSON items; their answers must come out of the export.
    for member, label in ((ann, "pos"), (ben, "neg")):
        caller = services.auth.caller_from_token(member.token)
        for _ in range(3):
            lease = services.queue.next(caller, project_id)
            assert lease is not None
            services.queue.submit(caller, lease.assignment_id, {"sentiment": label}, 2.0)

    out_jsonl, out_csv = tmp_path / "out.jsonl", tmp_path / "out.csv"
    as_lines, as_table = run_cli_together(
        settings,
        ["export", pid, "-o", str(out_jsonl)],
        ["export", pid, "--format", "csv", "--output", str(out_csv)],
    )
    for exported in (as_lines, as_table):
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout == ""
        assert "exporting" in exported.stderr  # the progress bar
    rows = {r["external_id"]: r for r in map(json.loads, out_jsonl.read_text().splitlines())}
    assert sorted(rows) == ["c-1", "c-2", "j-0", "j-1", "j-2", "n-0", "n-1", "n-2", "n-3"]
    assert rows["c-2"]["data"] == {"text": "a, b"}
    assert rows["c-2"]["meta"] == {"batch": "7"}
    assert rows["n-3"]["data"] == {"text": "ndjson 3"}
    assert rows["j-0"]["resolution"]["value"] == {"sentiment": "pos"}  # a tie: first answer
    assert [(a["user"], a["value"], a["seconds"]) for a in rows["j-0"]["annotations"]] == [
        (ann.email, {"sentiment": "pos"}, 2.0),
        (ben.email, {"sentiment": "neg"}, 2.0),
    ]
    assert rows["n-0"]["resolution"] is None
    assert rows["n-0"]["annotations"] == []

    with out_csv.open(newline="") as fh:
        by_id = {r["external_id"]: r for r in csv.DictReader(fh)}
    assert sorted(by_id) == sorted(rows)
    assert [by_id[f"j-{i}"]["sentiment"] for i in range(3)] == ["pos", "pos", "pos"]
    assert by_id["n-0"]["sentiment"] == ""
    assert json.loads(by_id["c-2"]["data"]) == {"text": "a, b"}


LOGIN = re.compile(r"^│\s*(\S+@example\.com)\s*│\s*(\w+)\s*│\s*(\S+)\s*│$")


def _logins(stdout: str) -> dict[str, tuple[str, str]]:
    return {
        m.group(1): (m.group(2), m.group(3))
        for line in stdout.splitlines()
        if (m := LOGIN.match(line.strip()))
    }


def test_demo_seeds_and_can_run_again(settings: Settings, services: Services) -> None:
    seen = []
    for _ in range(2):
        result = run_cli(settings, "demo", "--no-serve")
        assert result.returncode == 0, result.stderr
        logins = _logins(result.stdout)
        assert {email: role for email, (role, _) in logins.items()} == {
            "owner@example.com": "owner",
            "ann@example.com": "annotator",
            "ben@example.com": "annotator",
        }, result.stdout
        seen.append(logins)
        with services.db.read() as conn:
            counts = dict(
                conn.execute(
                    select(projects.c.name, func.count(items.c.id))
                    .join(items, items.c.project_id == projects.c.id)
                    .group_by(projects.c.name)
                ).all()
            )
        # Running again refreshes the logins but does not duplicate projects or items.
        # (Other projects of the demo, one per label kind, are checked with their kinds.)
        assert counts.items() >= {"Review sentiment": 120, "Support ticket triage": 12}.items()
    # Each run sets new passwords; the latest ones are the ones that work.
    for email, (_, password) in seen[1].items():
        assert services.auth.sign_in(email, password).session_token is not None
        assert seen[0][email][1] != password
