"""Nothing crosses between organizations, and annotators see only their own work.

The routes come from the live application: every API route must have an entry in ``ROUTES``
saying how to exercise it across organizations, so a new route without a tenancy case fails
``test_every_api_route_has_a_tenancy_case``.

Routes that name an object (a project, an assignment, a token) are called with another
organization's owner and annotator tokens on objects of ``org``: the answer is the same as
for an object that does not exist (404; or the 403 an annotator gets from that route for any
project), it carries none of the object's data, and nothing in ``org`` changes. Routes
without ids show each organization only its own data.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from tests.conftest import LiveServer
from tests.factories.accounts import PASSWORD, Org
from tests.factories.routes import Endpoint, api_endpoints
from veracity.app import create_app
from veracity.services import Services
from veracity.settings import Settings
from veracity.storage.tables import metadata, projects

SCHEMA = {"fields": [{"name": "note", "kind": "text"}]}
GOLD_ANSWER = "acme-gold-answer-7f3a"
NO_SUCH_ID = 2**53 - 1


@dataclass
class World:
    """``org``'s objects, and the strings that must never reach another organization."""

    server: LiveServer
    org: Org
    other_org: Org
    project_id: int
    assignment_id: int
    token_id: int
    token: str
    secrets: list[str]
    job_id: int = 0
    review_id: int = 0

    def http(self, token: str) -> httpx.Client:
        """A raw HTTP client (closed with the server) as ``token``'s owner."""
        return self.server.client(token).http

    def ids(self) -> dict[str, int]:
        """Path parameters naming ``org``'s objects."""
        return {
            "project_id": self.project_id,
            "assignment_id": self.assignment_id,
            "token_id": self.token_id,
            "user_id": self.org.annotator.user_id,
            "job_id": self.job_id,
            "review_id": self.review_id,
        }


def build_world(server: LiveServer, org: Org, other_org: Org) -> World:
    """A project with items, gold, a resolution and an open lease, and a spare token."""
    owner = server.client(org.owner.token)
    project = owner.create_project(
        "Acme confidential project", SCHEMA, {"overlap": 1}, "acme-instructions-secret"
    )
    records = [
        {"external_id": f"acme-ext-{i}", "data": {"text": f"acme-secret-text-{i}"}}
        for i in range(4)
    ]
    owner.import_items(project.id, records)
    owner.upload_gold(project.id, [{"external_id": "acme-ext-3", "value": {"note": GOLD_ANSWER}}])
    done = server.client(org.members["annotator2"].token)
    finished = done.next(project.id)
    assert finished is not None
    done.submit(finished.assignment_id, {"note": "acme-submitted-answer"})
    lease = server.client(org.annotator.token).next(project.id)
    assert lease is not None
    spare = owner.create_token("spare")
    # Globex has a project of its own, so that "only its own data" is not trivially empty.
    server.client(other_org.owner.token).create_project("Globex project", SCHEMA)
    secrets = [
        "Acme",
        "acme",
        "@acme.test",
        GOLD_ANSWER,
        spare.token,
        *(r["data"]["text"] for r in records),
    ]
    world = World(
        server, org, other_org, project.id, lease.assignment_id, spare.id, spare.token, secrets
    )
    world.job_id = _finished_job(owner.http, project.id)
    asked = owner.http.post(
        f"/api/v1/projects/{project.id}/reviews",
        json={"item_ids": [finished.item.id], "reason": "acme spot check"},
    )
    assert asked.status_code == 200, asked.text
    pending = owner.http.get(f"/api/v1/projects/{project.id}/reviews").json()["reviews"]
    world.review_id = int(pending[0]["review_id"])
    return world


def _finished_job(http: httpx.Client, project_id: int) -> int:
    """A refit job of the project, waited for: nothing of Acme may change after this."""
    started = http.post(f"/api/v1/projects/{project_id}/jobs", json={"kind": "resolve"})
    assert started.status_code == 202, started.text
    job_id = int(started.json()["id"])
    deadline = time.monotonic() + 60
    while http.get(f"/api/v1/jobs/{job_id}").json()["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)  # polling the job's state, as a person watching it would
    return job_id


# -- how to exercise each route -------------------------------------------------------------


@dataclass(frozen=True)
class ById:
    """A route naming an object of ``org``: the call another organization makes."""

    body: Any = None
    content_type: str = "application/json"
    query: dict[str, str] | None = None

    def call(self, http: httpx.Client, endpoint: Endpoint, ids: dict[str, int]) -> httpx.Response:
        """Call ``endpoint`` on the objects ``ids`` name."""
        content = None if self.body is None else json.dumps(self.body).encode()
        headers = {"Content-Type": self.content_type} if content is not None else {}
        return http.request(
            endpoint.method,
            endpoint.url(**ids),
            content=content,
            headers=headers,
            params=self.query,
        )


@dataclass(frozen=True)
class OwnOnly:
    """A route without ids: ``check(world)`` proves each organization sees only its own."""

    check: Callable[[World], None]


def _projects_list(w: World) -> None:
    for member in (w.other_org.owner, w.other_org.annotator):
        body = _ok(w.http(member.token).get("/api/v1/projects"))
        assert [p["name"] for p in body["projects"]] == ["Globex project"]
        _assert_no_secrets(w, "GET /api/v1/projects", body)


def _project_create(w: World) -> None:
    # The same name as Acme's project: names are unique per organization, so a 409 here would
    # tell Globex that Acme has a project called that.
    http = w.http(w.other_org.owner.token)
    created = http.post(
        "/api/v1/projects", json={"name": "Acme confidential project", "schema": SCHEMA}
    )
    assert created.status_code == 201, created.text
    acme = _ok(w.http(w.org.owner.token).get("/api/v1/projects"))
    assert [p["id"] for p in acme["projects"]] == [w.project_id]


def _me(w: World) -> None:
    for member in (w.other_org.owner, w.other_org.annotator):
        body = _ok(w.http(member.token).get("/api/v1/me"))
        assert (body["org_id"], body["email"]) == (w.other_org.id, member.email)


def _members(w: World) -> None:
    body = _ok(w.http(w.other_org.owner.token).get("/api/v1/members"))
    assert {m["email"] for m in body["members"]} == {m.email for m in w.other_org.members.values()}
    _assert_no_secrets(w, "GET /api/v1/members", body)


def _token_create(w: World) -> None:
    for member in (w.other_org.owner, w.other_org.annotator):
        response = w.http(member.token).post("/api/v1/tokens", json={"name": "mine"})
        assert response.status_code == 201, response.text
        new = response.json()["token"]
        me = _ok(w.http(new).get("/api/v1/me"))
        assert (me["org_id"], me["email"]) == (w.other_org.id, member.email)


def _invitation_create(w: World) -> None:
    """Globex may invite Acme's owner by email, but that joins Globex and takes nothing over."""
    http = w.http(w.other_org.owner.token)
    response = http.post(
        "/api/v1/invitations", json={"email": w.org.owner.email, "role": "annotator"}
    )
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    page = httpx.get(url)
    assert "Join Globex" in page.text
    assert "Acme" not in page.text
    with httpx.Client(base_url=w.server.url) as browser:
        form = browser.get(url)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None, form.text
        taken = browser.post(url, data={"csrf": csrf.group(1), "password": "globex-chosen-pw"})
    # Globex holds the link, not Acme's owner's password: no takeover.
    assert taken.status_code == 422, taken.text
    services: Services = w.server.app.state.services
    assert services.auth.sign_in(w.org.owner.email, "globex-chosen-pw").session_token is None
    assert services.auth.sign_in(w.org.owner.email, PASSWORD).session_token is not None


SSO = "/api/v1/organizations/current/sso"
ACME_SSO_SECRET = "acme-sso-client-secret-91c2"


def _sso_body(slug: str, secret: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": f"{slug} sign-in",
        "issuer": f"https://idp.{slug}.example",
        "client_id": f"{slug}-client",
        "client_secret": secret,
        "groups": [{"group": f"{slug}-staff", "role": "annotator"}],
    }


def _acme_sso(w: World) -> None:
    """Acme's identity provider, so that there is something for Globex not to see."""
    put = w.http(w.org.owner.token).put(SSO, json=_sso_body("acme", ACME_SSO_SECRET))
    assert put.status_code == 200, put.text
    if ACME_SSO_SECRET not in w.secrets:
        w.secrets.append(ACME_SSO_SECRET)


def _sso_get(w: World) -> None:
    _acme_sso(w)
    for member, status in ((w.other_org.owner, 404), (w.other_org.annotator, 403)):
        answer = w.http(member.token).get(SSO)
        assert answer.status_code == status, answer.text
        _assert_no_secrets(w, "GET " + SSO, answer.json())


def _sso_put(w: World) -> None:
    """Globex sets its own provider: Acme's is untouched, and Acme's slug is not Globex's."""
    _acme_sso(w)
    http = w.http(w.other_org.owner.token)
    grab = http.put(SSO, json=_sso_body("acme", "globex-secret-value"))
    assert grab.status_code == 422, grab.text
    own = http.put(SSO, json=_sso_body("globex", "globex-secret-value"))
    assert own.status_code == 200, own.text
    _assert_no_secrets(w, "PUT " + SSO, own.json())
    annotator = w.http(w.other_org.annotator.token).put(SSO, json=_sso_body("globex", "x"))
    assert annotator.status_code == 403
    acme = _ok(w.http(w.org.owner.token).get(SSO))
    assert (acme["slug"], acme["issuer"]) == ("acme", "https://idp.acme.example")


def _sso_delete(w: World) -> None:
    """Globex removing "its" provider never removes Acme's."""
    _acme_sso(w)
    http = w.http(w.other_org.owner.token)
    http.delete(SSO)
    assert http.delete(SSO).status_code == 404
    assert _ok(w.http(w.org.owner.token).get(SSO))["slug"] == "acme"


PROJECT = "/api/v1/projects/{project_id}"
ASSIGNMENT = "/api/v1/assignments/{assignment_id}"

ROUTES: dict[tuple[str, str], ById | OwnOnly] = {
    ("GET", "/api/v1/projects"): OwnOnly(_projects_list),
    ("POST", "/api/v1/projects"): OwnOnly(_project_create),
    ("GET", PROJECT): ById(),
    ("PATCH", PROJECT): ById({"name": "hijacked", "instructions": "hijacked"}),
    ("GET", PROJECT + "/stats"): ById(),
    ("POST", PROJECT + "/items"): ById([{"external_id": "x", "data": {"text": "intruder"}}]),
    ("POST", PROJECT + "/gold"): ById([{"external_id": "acme-ext-0", "value": {"note": "x"}}]),
    ("POST", PROJECT + "/queue/next"): ById(),
    ("GET", PROJECT + "/queue/mine"): ById(),
    ("GET", PROJECT + "/resolutions"): ById(),
    ("GET", PROJECT + "/export"): ById(query={"format": "csv"}),
    ("POST", ASSIGNMENT + "/submit"): ById({"value": {"note": "intruder"}, "seconds": 1}),
    ("POST", ASSIGNMENT + "/skip"): ById(),
    ("GET", "/api/v1/me"): OwnOnly(_me),
    ("POST", "/api/v1/tokens"): OwnOnly(_token_create),
    ("DELETE", "/api/v1/tokens/{token_id}"): ById(),
    ("GET", "/api/v1/members"): OwnOnly(_members),
    ("POST", "/api/v1/invitations"): OwnOnly(_invitation_create),
    ("POST", PROJECT + "/annotations"): ById(
        [{"external_id": "acme-ext-0", "worker": "intruder", "value": {"note": "x"}}]
    ),
    ("GET", PROJECT + "/workers"): ById(),
    ("GET", PROJECT + "/quality"): ById(),
    ("GET", PROJECT + "/workers/me"): ById(),
    ("POST", PROJECT + "/workers/{user_id}/unblock"): ById(),
    ("POST", PROJECT + "/jobs"): ById({"kind": "resolve"}),
    ("GET", PROJECT + "/jobs"): ById(),
    ("GET", "/api/v1/jobs/{job_id}"): ById(),
    ("GET", PROJECT + "/truth"): ById(),
    ("POST", PROJECT + "/reviews/next"): ById(),
    ("POST", "/api/v1/reviews/{review_id}"): ById({"decision": "fix", "value": {"note": "x"}}),
    ("GET", PROJECT + "/reviews"): ById(),
    ("POST", PROJECT + "/reviews"): ById({"item_ids": [1], "reason": "intruder"}),
    ("GET", PROJECT + "/reviews/mine"): ById(),
    ("GET", SSO): OwnOnly(_sso_get),
    ("PUT", SSO): OwnOnly(_sso_put),
    ("DELETE", SSO): OwnOnly(_sso_delete),
}


def test_every_api_route_has_a_tenancy_case(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/v.db"))
    live = {(e.method, e.path) for e in api_endpoints(app)}
    assert live - ROUTES.keys() == set(), "API routes without a tenancy case in ROUTES"
    assert ROUTES.keys() - live == set(), "tenancy cases for routes the app does not have"


def test_nothing_crosses_between_organizations(
    server: LiveServer, org: Org, other_org: Org, services: Services
) -> None:
    world = build_world(server, org, other_org)
    before = org_state(services, org.id)
    problems: list[str] = []
    for endpoint in api_endpoints(server.app):
        case = ROUTES[endpoint.method, endpoint.path]
        if isinstance(case, ById):
            problems += _foreign_calls(world, endpoint, case)
    assert problems == []
    assert org_state(services, org.id) == before, "another organization changed Acme's data"
    assert _ok(world.http(world.token).get("/api/v1/me"))["org_id"] == org.id
    # Last, as they change things (a Globex project, an Acme sign-in).
    for endpoint in api_endpoints(server.app):
        case = ROUTES[endpoint.method, endpoint.path]
        if isinstance(case, OwnOnly):
            try:
                case.check(world)
            except AssertionError as exc:
                problems.append(f"{endpoint}: {exc}")
    assert problems == []


def _foreign_calls(world: World, endpoint: Endpoint, case: ById) -> list[str]:
    """Call ``endpoint`` on Acme's objects as Globex's owner and annotator."""
    problems = []
    for member in (world.other_org.owner, world.other_org.annotator):
        http = world.http(member.token)
        foreign = case.call(http, endpoint, world.ids())
        missing = case.call(http, endpoint, dict.fromkeys(world.ids(), NO_SUCH_ID))
        where = f"{endpoint} as {world.other_org.name} {member.role}"
        # An annotator may get the 403 their role gets from this route for any project: it
        # says nothing about whether the object exists.
        allowed = {404} if member.role == "owner" else {403, 404}
        if foreign.status_code not in allowed:
            problems.append(f"{where}: {foreign.status_code} {foreign.text[:200]}")
        elif foreign.status_code != missing.status_code:
            problems.append(
                f"{where}: {foreign.status_code} but {missing.status_code} for a missing id"
            )
        elif foreign.json()["error"]["code"] != missing.json()["error"]["code"]:
            problems.append(f"{where}: a different error than for a missing id")
        leaked = [s for s in world.secrets if s in foreign.text]
        if leaked:
            problems.append(f"{where}: the answer contains {leaked}")
    return problems


def test_annotators_see_their_leases_only_and_change_nothing(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SCHEMA, {"overlap": 2, "gold_rate": 1.0})
    owner.import_items(
        project.id, [{"external_id": f"e{i}", "data": {"text": f"t{i}"}} for i in range(3)]
    )
    owner.upload_gold(project.id, [{"external_id": "e0", "value": {"note": GOLD_ANSWER}}])
    first = server.client(org.annotator.token)
    second = server.client(org.members["annotator2"].token)
    second_http = second.http
    seen: list[str] = []
    leases = []
    while (lease := first.next(project.id)) is not None:
        leases.append(lease)
        seen.append(json.dumps(lease.model_dump(mode="json")))
    assert len(leases) == 3  # every item, the gold one included, unmarked
    seen.append(first.http.get(f"/api/v1/projects/{project.id}/queue/mine").text)
    seen.append(first.http.get(f"/api/v1/projects/{project.id}").text)
    assert not [s for s in seen if GOLD_ANSWER in s]
    theirs = second.next(project.id)
    assert theirs is not None
    assert [x.assignment_id for x in second.open_leases(project.id)] == [theirs.assignment_id]
    target = leases[0].assignment_id
    submit = second_http.post(f"/api/v1/assignments/{target}/submit", json={"value": {"note": "x"}})
    skip = second_http.post(f"/api/v1/assignments/{target}/skip")
    assert (submit.status_code, skip.status_code) == (404, 404)
    assert [x.assignment_id for x in first.open_leases(project.id)] == [
        x.assignment_id for x in leases
    ]

    # An annotator reads the project it works on, and nothing about the project's results.
    http = first.http
    assert http.get(f"/api/v1/projects/{project.id}").status_code == 200
    base = f"/api/v1/projects/{project.id}"
    attempts = {
        "gold": http.post(base + "/gold", json=[{"external_id": "e1", "value": {"note": "x"}}]),
        "export": http.get(base + "/export"),
        "export csv": http.get(base + "/export", params={"format": "csv"}),
        "resolutions": http.get(base + "/resolutions"),
        "stats": http.get(base + "/stats"),
        "import": http.post(base + "/items", json=[{"data": {"text": "mine"}}]),
        "create": http.post("/api/v1/projects", json={"name": "mine", "schema": SCHEMA}),
        "patch": http.patch(base, json={"name": "renamed"}),
        "members": http.get("/api/v1/members"),
        "invite": http.post("/api/v1/invitations", json={"email": "friend@x.test"}),
    }
    answers = {name: r.status_code for name, r in attempts.items()}
    assert answers == dict.fromkeys(attempts, 403)
    assert all(r.json()["error"]["code"] == "forbidden" for r in attempts.values())
    assert owner.project(project.id).name == "p"
    assert owner.stats(project.id).items.total == 3


# -- helpers -------------------------------------------------------------------------------


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _assert_no_secrets(world: World, where: str, body: Any) -> None:
    text = json.dumps(body)
    assert [s for s in world.secrets if s in text] == [], where


def org_state(services: Services, org_id: int) -> list[tuple[str, list[str]]]:
    """Every row that belongs to the organization, table by table, in a comparable form."""
    state = []
    with services.db.read() as conn:
        project_ids = select(projects.c.id).where(projects.c.org_id == org_id)
        for table in metadata.sorted_tables:
            if "org_id" in table.c:
                query = select(table).where(table.c.org_id == org_id)
            elif "project_id" in table.c:
                query = select(table).where(table.c.project_id.in_(project_ids))
            else:
                continue
            rows = sorted(repr(tuple(row)) for row in conn.execute(query))
            state.append((table.name, rows))
    return state
