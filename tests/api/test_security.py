"""The security floor, over real HTTP: hostile bodies, credentials, secrets at rest, headers,
safe defaults and spreadsheet-safe exports.

Every refusal is a 4xx in the one error shape ``{"error": {code, message, field?, record?}}``,
never a 500, and nothing is half-written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import String, Text, func, select
from typer.testing import CliRunner

import veracity
from tests.conftest import LiveServer
from tests.factories.accounts import Org
from tests.factories.projects import SENTIMENT, texts
from tests.factories.routes import Endpoint, api_endpoints, endpoints
from veracity.app import create_app
from veracity.cli.main import app as cli
from veracity.services import Services
from veracity.settings import Settings
from veracity.storage.tables import api_tokens, metadata, users

IMPORT = "/api/v1/projects/{project_id}/items"

# A valid body for every route that reads JSON, so that a refusal is about how the body was
# sent and not about what it says. A new JSON route needs a sample here (the tests say so).
SAMPLES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/projects"): {"name": "sample", "schema": SENTIMENT},
    ("PATCH", "/api/v1/projects/{project_id}"): {"instructions": "sample"},
    ("POST", "/api/v1/projects/{project_id}/gold"): [
        {"external_id": "item-0", "value": {"sentiment": "pos"}}
    ],
    ("POST", "/api/v1/assignments/{assignment_id}/submit"): {"value": {"sentiment": "pos"}},
    ("POST", "/api/v1/tokens"): {"name": "sample"},
    ("POST", "/api/v1/invitations"): {"email": "sample@example.test", "role": "annotator"},
    ("POST", "/api/v1/projects/{project_id}/jobs"): {"kind": "resolve"},
    ("POST", "/api/v1/reviews/{review_id}"): {"decision": "accept"},
    ("POST", "/api/v1/projects/{project_id}/reviews"): {"item_ids": [1], "reason": "sample"},
    ("PUT", "/api/v1/organizations/current/sso"): {
        "slug": "sample",
        "display_name": "Sample",
        "issuer": "https://idp.example.test",
        "client_id": "sample",
        "client_secret": "sample-secret",
    },
}


@dataclass
class Target:
    """A server with a project, items and an open lease of the owner's, to aim bodies at."""

    server: LiveServer
    http: httpx.Client
    ids: dict[str, int]
    json_routes: list[Endpoint]

    def url(self, endpoint: Endpoint) -> str:
        return endpoint.url(**self.ids)

    def send(self, endpoint: Endpoint, body: bytes, content_type: str | None) -> httpx.Response:
        headers = {} if content_type is None else {"Content-Type": content_type}
        return self.http.request(endpoint.method, self.url(endpoint), content=body, headers=headers)


def make_target(server: LiveServer, org: Org) -> Target:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT, {"overlap": 2})
    owner.import_items(project.id, texts(3))
    lease = owner.next(project.id)
    assert lease is not None
    token = owner.create_token("spare")
    # A review the owner holds, of an item they did not lease, for the decision's sample.
    annotator = server.client(org.annotator.token)
    held = [annotator.next(project.id), annotator.next(project.id)]
    other = next(x.item.id for x in held if x is not None and x.item.id != lease.item.id)
    base = f"/api/v1/projects/{project.id}/reviews"
    asked = owner.http.post(base, json={"item_ids": [other], "reason": "sample"})
    assert asked.status_code == 200, asked.text
    review = owner.http.post(base + "/next")
    assert review.status_code == 200, review.text
    ids = {
        "project_id": project.id,
        "assignment_id": lease.assignment_id,
        "token_id": token.id,
        "job_id": 1,
        "review_id": review.json()["review_id"],
    }
    json_routes = [e for e in api_endpoints(server.app) if e.takes_json]
    assert {(e.method, e.path) for e in json_routes} == SAMPLES.keys(), "SAMPLES is out of date"
    return Target(server, owner.http, ids, json_routes)


def assert_error(response: httpx.Response, status: int | tuple[int, ...], where: str) -> None:
    """``response`` is the given 4xx, in JSON, in the one error shape."""
    wanted = status if isinstance(status, tuple) else (status,)
    assert response.status_code in wanted, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json"), where
    body = response.json()
    assert set(body) == {"error"}, where
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "field", "record"}
    assert isinstance(body["error"]["code"], str)
    assert body["error"]["message"], where


def nested(depth: int, kind: str) -> bytes:
    """A JSON value nested ``depth`` levels deep."""
    if kind == "array":
        return b"[" * depth + b"1" + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def embedded(sample: Any, inner: bytes) -> bytes:
    """``sample`` as JSON with its first leaf value replaced by the raw JSON ``inner``."""
    marker = "__INNER__"

    def swap(node: Any) -> Any:
        if isinstance(node, list) and node:
            return [swap(node[0]), *node[1:]]
        if isinstance(node, dict) and node:
            key = next(iter(node))
            return {**node, key: swap(node[key])}
        return marker

    return json.dumps(swap(sample)).encode().replace(f'"{marker}"'.encode(), inner)


# -- bodies the server cannot read ----------------------------------------------------------


def unreadable_bodies(max_depth: int) -> Iterator[tuple[str, Callable[[Any], bytes]]]:
    """(what, body built from a route's sample) pairs that no JSON route may accept."""
    for depth in (max_depth + 1, 600, 100_000):
        for kind in ("array", "object"):
            yield f"{kind} {depth} deep", lambda s, d=depth, k=kind: embedded(s, nested(d, k))
    yield "100000 deep, bare", lambda _s: nested(100_000, "array")
    yield "invalid UTF-8", lambda s: embedded(s, b'"\xff\xfe\xfd"')
    yield "overlong UTF-8", lambda s: embedded(s, b'"\xc0\xaf"')
    yield "lone surrogate escape", lambda s: embedded(s, b'"\\ud800"')
    yield "NUL escape", lambda s: embedded(s, b'"a\\u0000b"')
    yield "NaN", lambda s: embedded(s, b"NaN")
    yield "huge exponent", lambda s: embedded(s, b"1e999")
    yield "huge integer", lambda s: embedded(s, b"9" * 400)
    yield "truncated", lambda s: json.dumps(s).encode()[:-1]
    yield "not JSON", lambda _s: b"\x00\x01\x02"
    yield "empty", lambda _s: b""


def test_unreadable_json_bodies_get_4xx(server: LiveServer, org: Org, services: Services) -> None:
    target = make_target(server, org)
    before = _row_counts(services)
    problems = []
    for endpoint in target.json_routes:
        sample = SAMPLES[endpoint.method, endpoint.path]
        for what, build in unreadable_bodies(server.app.state.settings.max_json_depth):
            response = target.send(endpoint, build(sample), "application/json")
            try:
                assert_error(response, 422, f"{endpoint} with {what}")
            except AssertionError as exc:
                problems.append(str(exc))
    assert problems == []
    assert _row_counts(services) == before, "a refused request wrote something"


IMPORT_BODIES = {
    "application/json": {
        "invalid UTF-8": b'[{"data": {"text": "\xff\xfe"}}]',
        "NUL escape": b'[{"data": {"text": "a\\u0000b"}}]',
        "100000 deep": b'[{"data": {"a": ' + nested(100_000, "array") + b"}}]",
        "100000 deep object": b'[{"data": ' + nested(100_000, "object") + b"}]",
        "600 deep meta": b'[{"data": {"a": 1}, "meta": {"m": ' + nested(600, "array") + b"}}]",
        "NaN": b'[{"data": {"a": NaN}}]',
        "huge exponent": b'[{"data": {"a": 1e999}}]',
        "truncated": b'[{"data": {"a": 1}}, {"data": ',
        "not an array": b'{"data": {"a": 1}}',
    },
    "application/x-ndjson": {
        "invalid UTF-8": b'{"data": {"text": "ok"}}\n{"data": {"text": "\xff"}}\n',
        "lone surrogate escape": b'{"data": {"text": "\\udfff"}}\n',
        "NUL escape": b'{"data": {"text": "a\\u0000b"}}\n',
        "100000 deep": b'{"data": {"a": ' + nested(100_000, "array") + b"}}\n",
        "600 deep": b'{"data": {"a": ' + nested(600, "object") + b"}}\n",
        "not an object": b"[1, 2]\n",
    },
    "text/csv": {
        "invalid UTF-8": b"text\nok\n\xff\xfe\n",
        "NUL byte": b"text\na\x00b\n",
        "ragged": b"text,lang\nhello\n",
    },
}


def test_unreadable_imports_get_4xx_and_store_nothing(
    server: LiveServer, org: Org, services: Services
) -> None:
    target = make_target(server, org)
    endpoint = Endpoint("POST", IMPORT)
    before = _row_counts(services)
    problems = []
    for content_type, bodies in IMPORT_BODIES.items():
        for what, body in bodies.items():
            response = target.send(endpoint, body, content_type)
            try:
                assert_error(response, 422, f"import {content_type} with {what}")
            except AssertionError as exc:
                problems.append(str(exc))
    assert problems == []
    assert _row_counts(services) == before, "a refused import wrote something"
    # A lone surrogate is legal JSON syntax that no UTF-8 text can hold: the streaming JSON
    # reader stores a replacement character, which is fine, as long as it is never a 500.
    surrogate = target.send(endpoint, b'[{"data": {"text": "\\ud800"}}]', "application/json")
    assert surrogate.status_code in (200, 422), surrogate.text
    exported = target.http.get(target.url(Endpoint("GET", "/api/v1/projects/{project_id}/export")))
    assert exported.status_code == 200


WRONG_TYPES = [
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "application/x-www-form-urlencoded",
    "application/xml",
    None,  # a body without a Content-Type
]


def test_bodies_that_are_not_json_get_415(server: LiveServer, org: Org, services: Services) -> None:
    target = make_target(server, org)
    before = _row_counts(services)
    problems = []
    for endpoint in target.json_routes:
        body = json.dumps(SAMPLES[endpoint.method, endpoint.path]).encode()
        for content_type in WRONG_TYPES:
            response = target.send(endpoint, body, content_type)
            try:
                assert_error(response, 415, f"{endpoint} sent as {content_type}")
                assert response.json()["error"]["code"] == "unsupported_media_type"
            except AssertionError as exc:
                problems.append(str(exc))
        # The control: the same body as JSON is accepted.
        accepted = target.send(endpoint, body, "application/json; charset=utf-8")
        if accepted.status_code >= 400:
            problems.append(f"{endpoint} refused its sample: {accepted.text[:200]}")
    for content_type in WRONG_TYPES:
        body = json.dumps(texts(1)).encode()
        response = target.send(Endpoint("POST", IMPORT), body, content_type)
        assert_error(response, 415, f"import sent as {content_type}")
    assert problems == []
    # The refused bodies wrote nothing (and the controls import no items).
    assert _row_counts(services)["items"] == before["items"]


def test_bodies_over_the_limit_get_413(make_server: Callable[..., LiveServer], org: Org) -> None:
    live = make_server(max_body_bytes=4096, max_import_bytes=64 * 1024)
    owner = live.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    big = {"name": "big", "schema": SENTIMENT, "instructions": "x" * 8000}
    declared = owner.http.post("/api/v1/projects", json=big)
    assert_error(declared, 413, "a body with a Content-Length over the limit")
    assert declared.json()["error"]["code"] == "too_large"

    def chunks() -> Iterator[bytes]:
        data = json.dumps(big).encode()
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    streamed = owner.http.post(
        "/api/v1/projects", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(streamed, 413, "a chunked body over the limit")
    # Item import has its own, larger limit.
    imported = owner.http.post(
        f"/api/v1/projects/{project.id}/items",
        content=json.dumps(texts(100)).encode(),  # about 6 kB: over the default limit only
        headers={"Content-Type": "application/json"},
    )
    assert imported.status_code == 200, imported.text
    too_many = owner.http.post(
        f"/api/v1/projects/{project.id}/items",
        content=json.dumps(texts(2000)).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert_error(too_many, 413, "an import over max_import_bytes")
    assert [p.name for p in owner.projects()] == ["p"]
    assert owner.stats(project.id).items.total == 100


# -- credentials ----------------------------------------------------------------------------


def test_every_api_route_needs_live_credentials(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    revoked = owner.create_token("to revoke")
    assert owner.http.delete(f"/api/v1/tokens/{revoked.id}").status_code == 204
    credentials: dict[str, dict[str, str]] = {
        "no credentials": {},
        "a garbage token": {"Authorization": "Bearer vrc_not-a-real-token"},
        "an empty bearer": {"Authorization": "Bearer"},
        "another scheme": {"Authorization": f"Basic {org.owner.token}"},
        "a revoked token": {"Authorization": f"Bearer {revoked.token}"},
        "a garbage session": {"Cookie": "veracity_session=not-a-session"},
    }
    problems = []
    with httpx.Client(base_url=server.url) as anonymous:
        for endpoint in api_endpoints(server.app):
            url = endpoint.url(
                project_id=1, assignment_id=1, token_id=1, user_id=1, job_id=1, review_id=1
            )
            for what, headers in credentials.items():
                response = anonymous.request(endpoint.method, url, headers=headers)
                try:
                    assert_error(response, 401, f"{endpoint} with {what}")
                    assert response.headers["www-authenticate"] == "Bearer"
                except (AssertionError, KeyError) as exc:
                    problems.append(f"{endpoint} with {what}: {exc!r}")
    assert problems == []
    assert owner.me().email == org.owner.email


def test_secrets_are_kept_only_as_hashes(server: LiveServer, org: Org, services: Services) -> None:
    owner = server.client(org.owner.token)
    made = owner.create_token("api-made")
    invited = owner.http.post("/api/v1/invitations", json={"email": "new@example.test"})
    assert invited.status_code == 201
    invitation = invited.json()["url"].rsplit("/", 1)[1]
    plaintexts = [m.token for m in org.members.values()] + [made.token, invitation]
    with services.db.read() as conn:
        rows = conn.execute(select(api_tokens.c.token_hash, api_tokens.c.prefix)).all()
        hashes = {r.token_hash for r in rows}
        assert {hashlib.sha256(t.encode()).hexdigest() for t in plaintexts[:-1]} <= hashes
        assert all(len(r.prefix) < 12 for r in rows)  # a hint to recognise a token, no more
        for table in metadata.sorted_tables:
            text_columns = [c for c in table.c if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*text_columns)) if text_columns else []:
                for cell in row:
                    found = [t for t in plaintexts if cell and t in str(cell)]
                    assert not found, f"a plaintext secret in {table.name}"
        password_hashes = conn.execute(select(users.c.password_hash)).scalars().all()
    assert len(password_hashes) == len(org.members)
    assert all(h.startswith("$argon2id$") for h in password_hashes)


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    def app_in(name: str, **settings: Any) -> Any:
        data_dir = tmp_path / name
        url = f"sqlite:///{data_dir}/veracity.db"
        return create_app(Settings(data_dir=data_dir, database_url=url, **settings))

    first = app_in("a", secret_key="")
    key_file = tmp_path / "a" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.state.secret_key) >= 43  # at least 256 bits, URL-safe base 64
    assert key_file.read_text().strip() == first.state.secret_key
    assert app_in("a", secret_key="").state.secret_key == first.state.secret_key
    assert app_in("b", secret_key="").state.secret_key != first.state.secret_key
    configured = app_in("c", secret_key="k" * 48)
    assert configured.state.secret_key == "k" * 48
    assert not (tmp_path / "c" / "secret_key").exists()


def test_serve_listens_on_localhost_unless_told_otherwise() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    host_line = next(line for line in result.output.splitlines() if "--host" in line)
    assert "default: 127.0.0.1" in host_line


def test_nobody_signs_up_without_an_invitation(server: LiveServer, services: Services) -> None:
    """Every route, anonymously, with what a sign-up form would send: no account appears."""
    services.accounts.create_org("Acme")
    sign_up = {"email": "mallory@example.test", "password": "mallory-password", "name": "M"}
    sent = 0
    with httpx.Client(base_url=server.url) as anonymous:
        for endpoint in endpoints(server.app):
            if endpoint.method == "GET":
                continue
            url = endpoint.url(
                project_id=1,
                assignment_id=1,
                token_id=1,
                user_id=1,
                job_id=1,
                review_id=1,
                token="x" * 43,
            )
            for body in ({"json": {**sign_up, "org": "Acme", "role": "owner"}}, {"data": sign_up}):
                response = anonymous.request(endpoint.method, url, **body)
                assert response.status_code < 500, f"{endpoint}: {response.text[:200]}"
                sent += 1
    assert sent > 10
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 0


def test_an_invitation_is_the_way_in(server: LiveServer, org: Org, services: Services) -> None:
    """The control for the test above: the invitation route does create the account."""
    invited = server.client(org.owner.token).http.post(
        "/api/v1/invitations", json={"email": "newcomer@example.test", "role": "annotator"}
    )
    url = invited.json()["url"]
    with httpx.Client() as browser:
        csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get(url).text)
        assert csrf is not None
        joined = browser.post(url, data={"csrf": csrf.group(1), "password": "a good password"})
    assert joined.status_code == 303
    emails = {m.email for m in services.accounts.members(_owner_caller(services, org))}
    assert "newcomer@example.test" in emails


# -- headers and the pages ------------------------------------------------------------------


def test_security_headers_on_every_kind_of_answer(make_server, org: Org) -> None:
    live = make_server(max_body_bytes=1024)
    owner = live.client(org.owner.token)
    answers = {
        "API 200": owner.http.get("/api/v1/me"),
        "API 401": httpx.get(live.url + "/api/v1/me"),
        "API 404": owner.http.get("/api/v1/projects/999"),
        "API 413": owner.http.post("/api/v1/tokens", json={"name": "x" * 2000}),
        "unknown path": owner.http.get("/api/v1/nothing-here"),
        "wrong method": owner.http.put("/api/v1/projects/1"),
        "bad path id": owner.http.get("/api/v1/projects/not-a-number"),
        "OpenAPI": owner.http.get("/openapi.json"),
        "sign-in page": httpx.get(live.url + "/login"),
        "a redirect": httpx.get(live.url + "/projects"),
        "a script": httpx.get(live.url + "/static/api.js"),
    }
    for what, response in answers.items():
        headers = response.headers
        policy = headers["content-security-policy"]
        csp = {d.strip().split(" ")[0]: d.strip() for d in policy.split(";")}
        assert csp["script-src"] == "script-src 'self'", what
        assert "unsafe-inline" not in policy, what
        assert "unsafe-eval" not in policy, what
        assert csp["frame-ancestors"] == "frame-ancestors 'none'", what
        assert csp["object-src"] == "object-src 'none'", what
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["x-frame-options"] == "DENY", what
        assert headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin"), what
    assert answers["API 413"].status_code == 413
    assert_error(answers["unknown path"], 404, "an unknown API path")
    assert_error(answers["wrong method"], 405, "a method the route does not take")
    # Two routes share this path; the answer names the methods of both.
    assert answers["wrong method"].headers["allow"] == "GET, PATCH"
    assert_error(answers["bad path id"], 422, "a path id that is not a number")
    assert answers["bad path id"].json()["error"]["field"] == "project_id"


def test_pages_load_nothing_from_other_sites(server: LiveServer) -> None:
    """No page asks a browser to call out to the internet (fonts, scripts, analytics)."""
    page = httpx.get(server.url + "/login").text
    references = re.findall(r'(?:src|href|action)="([^"]*)"', page)
    assert references
    assert [r for r in references if not r.startswith("/")] == []


NETWORK_MODULES = (
    "httpx",
    "requests",
    "aiohttp",
    "urllib.request",
    "http.client",
    "smtplib",
    "authlib.integrations",
)
# The one exception: single sign-on fetches the discovery document, keys and tokens of the
# identity provider an organization's owner configured (https, or loopback http only).
CALLS_OUT = ("services/oidc.py",)


def test_only_the_sdk_can_call_out() -> None:
    """The server opens no outgoing connections: no module but the SDK (and the OpenID
    Connect relying party, to the configured identity provider only) imports an HTTP client."""
    package = Path(veracity.__file__).parent
    offenders = []
    for module in package.rglob("*.py"):
        relative = module.relative_to(package).as_posix()
        if module.is_relative_to(package / "client") or relative in CALLS_OUT:
            continue
        for line in module.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and words[1].startswith(NETWORK_MODULES):
                offenders.append(f"{module.relative_to(package)}: {line.strip()}")
    assert offenders == []


# -- exports --------------------------------------------------------------------------------


def test_csv_export_neutralises_formulas_in_every_column(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", {"fields": [{"name": "note", "kind": "text"}]})
    starts = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]
    owner.import_items(
        project.id,
        [{"external_id": s + f" {i}", "data": {"text": s}} for i, s in enumerate(starts)],
    )
    worker = server.client(org.annotator.token)
    for _ in starts:
        lease = worker.next(project.id)
        assert lease is not None
        worker.submit(lease.assignment_id, {"note": lease.item.data["text"]})
    out = io.BytesIO()
    owner.export(project.id, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode(), newline="")))
    assert len(rows) == len(starts)
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    # Text answers are stored stripped, so "\t=1" comes back as "=1", neutralised all the same.
    assert sorted(r["note"] for r in rows) == sorted("'" + s.strip() for s in starts)
    assert sorted(r["external_id"] for r in rows) == sorted(
        "'" + s + f" {i}" for i, s in enumerate(starts)
    )


# -- helpers -------------------------------------------------------------------------------


def _row_counts(services: Services) -> dict[str, int]:
    with services.db.read() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
            if t.name not in ("audit_events",)
        }


def _owner_caller(services: Services, org: Org) -> Any:
    return services.auth.caller_from_token(org.owner.token)
