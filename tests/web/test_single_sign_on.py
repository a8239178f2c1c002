"""Single sign-on end to end: a real Veracity server and a real OpenID Connect provider, both
on 127.0.0.1, with a browser (httpx following redirects, and one Chromium test) in between.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import String, Text, func, select

from tests.conftest import LiveServer
from tests.factories.accounts import PASSWORD, Org
from tests.factories.identity_provider import IdentityProvider, IdpUser
from tests.factories.processes import run_cli
from veracity.api.deps import SESSION_COOKIE
from veracity.services import Services
from veracity.settings import Settings
from veracity.storage.tables import audit_events, metadata, sso_identities, users, web_sessions

if TYPE_CHECKING:
    from playwright.sync_api import Page

SSO = "/api/v1/organizations/current/sso"


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    """A running identity provider with its own RSA key."""
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


def configure(
    server: LiveServer, org: Org, idp: IdentityProvider, **changes: Any
) -> httpx.Response:
    """PUT the organization's provider as its owner; returns the answer."""
    body: dict[str, Any] = {
        "slug": org.name.lower(),
        "display_name": f"{org.name} IdP",
        "issuer": idp.issuer,
        "client_id": idp.client_id,
        "client_secret": idp.client_secret,
        "groups": [
            {"group": "labelers", "role": "annotator"},
            {"group": "leads", "role": "manager"},
            {"group": "checkers", "role": "reviewer"},
        ],
        "default_role": "deny",
        **changes,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return server.client(org.owner.token).http.put(SSO, json=body)


def sign_in(server: LiveServer, slug: str) -> httpx.Response:
    """Click "Sign in with ..." in a new browser and follow every redirect, as it would."""
    with httpx.Client(follow_redirects=True) as browser:
        return browser.get(f"{server.url}/sso/{slug}/login", params={"next": "/projects"})


def me(server: LiveServer, response: httpx.Response) -> dict[str, Any]:
    """Who the session cookie that ``response`` set belongs to."""
    cookie = response.history[-1].cookies.get(SESSION_COOKIE) if response.history else None
    assert cookie, f"no session cookie: {response.status_code} {response.text[:300]}"
    answer = httpx.get(f"{server.url}/api/v1/me", cookies={SESSION_COOKIE: cookie})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def audit(services: Services, org_id: int, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    with services.db.read() as conn:
        rows = conn.execute(
            select(audit_events.c.action, audit_events.c.detail)
            .where(audit_events.c.org_id == org_id, audit_events.c.action.startswith(prefix))
            .order_by(audit_events.c.id)
        ).all()
    return [(r.action, r.detail) for r in rows]


def sessions(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(web_sessions)).scalar_one())


def test_first_sign_in_provisions_and_groups_set_the_role_each_time(
    server: LiveServer, org: Org, idp: IdentityProvider, services: Services
) -> None:
    assert configure(server, org, idp).status_code == 200
    idp.user = IdpUser("sub-new", "Newbie@IdP.test", ["labelers", "unrelated"], name="New Bie")

    first = sign_in(server, "acme")
    assert first.status_code == 200, first.text
    assert first.url.path == "/projects"
    who = me(server, first)
    assert (who["email"], who["role"], who["org_id"]) == ("newbie@idp.test", "annotator", org.id)
    with services.db.read() as conn:
        user = conn.execute(select(users).where(users.c.email == "newbie@idp.test")).one()
        links = conn.execute(select(sso_identities.c.subject, sso_identities.c.user_id)).all()
    assert user.password_hash is None  # signs in through the provider only
    assert user.name == "New Bie"
    assert [(s, u) for s, u in links] == [("sub-new", user.id)]
    provisioned = audit(services, org.id, "sso.provision")
    # Only the groups that a rule names are written down.
    assert provisioned == [
        ("sso.provision", {"email": "newbie@idp.test", "role": "annotator", "groups": ["labelers"]})
    ]

    # The provider moves them to another group: the next sign-in changes their role.
    idp.user.groups = ["leads"]
    second = sign_in(server, "acme")
    assert me(server, second)["role"] == "manager"
    changes = audit(services, org.id, "sso.role_change")
    assert [d["old_role"] + "->" + d["role"] for _, d in changes] == ["annotator->manager"]
    # The most powerful role of several groups wins; the same role writes no new event.
    idp.user.groups = ["checkers", "leads"]
    assert me(server, sign_in(server, "acme"))["role"] == "manager"
    assert len(audit(services, org.id, "sso.role_change")) == 1
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(sso_identities)).scalar_one() == 1


def test_people_in_no_mapped_group_are_refused_unless_there_is_a_default(
    server: LiveServer, org: Org, idp: IdentityProvider, services: Services
) -> None:
    assert configure(server, org, idp).status_code == 200
    idp.user = IdpUser("sub-out", "outsider@idp.test", ["visitors"])
    refused = sign_in(server, "acme")
    assert refused.status_code == 403
    assert "Sign-in refused" in refused.text
    assert "ask its owner to add your group" in refused.text
    assert sessions(services) == 0
    with services.db.read() as conn:
        assert (
            conn.execute(select(users).where(users.c.email == "outsider@idp.test")).first() is None
        )

    assert configure(server, org, idp, default_role="reviewer").status_code == 200
    assert me(server, sign_in(server, "acme"))["role"] == "reviewer"


def test_existing_members_are_linked_by_verified_email_only(
    server: LiveServer, org: Org, other_org: Org, idp: IdentityProvider, services: Services
) -> None:
    assert configure(server, org, idp).status_code == 200
    # Acme's annotator, known by their verified email, is linked and follows their groups.
    idp.user = IdpUser("sub-ann", org.annotator.email, ["checkers"])
    who = me(server, sign_in(server, "acme"))
    assert (who["user_id"], who["role"]) == (org.annotator.user_id, "reviewer")

    # Globex's owner is not Acme's member: Acme's provider cannot take that account over.
    idp.user = IdpUser("sub-globex", other_org.owner.email, ["leads"])
    taken = sign_in(server, "acme")
    assert taken.status_code == 403
    assert "not a member of this organization" in taken.text
    # An unverified email creates nothing.
    idp.user = IdpUser("sub-unverified", "someone@idp.test", ["leads"], email_verified=False)
    unverified = sign_in(server, "acme")
    assert unverified.status_code == 403
    assert "verified email" in unverified.text
    with services.db.read() as conn:
        emails = set(conn.execute(select(users.c.email)).scalars())
    assert "someone@idp.test" not in emails
    assert services.auth.sign_in(other_org.owner.email, PASSWORD).session_token is not None


def test_forged_or_replayed_answers_are_refused(
    server: LiveServer, org: Org, idp: IdentityProvider, services: Services
) -> None:
    assert configure(server, org, idp).status_code == 200
    idp.user = IdpUser("sub-x", "x@idp.test", ["labelers"])

    def callback_url(browser: httpx.Client) -> str:
        """Start a sign-in and stop where the provider sends the browser back."""
        started = browser.get(f"{server.url}/sso/acme/login")
        assert started.status_code == 303
        at_idp = browser.get(started.headers["location"])
        assert at_idp.status_code == 302, at_idp.text
        return at_idp.headers["location"]

    # A state that is not the one this browser was given.
    with httpx.Client() as browser:
        url = callback_url(browser)
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        forged = browser.get(url.split("?")[0], params={**query, "state": "forged"})
        assert forged.status_code == 400
        assert "state does not match" in forged.text
    # Another browser (without the sign-in cookie) cannot finish someone's sign-in.
    with httpx.Client() as mine, httpx.Client() as theirs:
        url = callback_url(mine)
        stolen = theirs.get(url)
        assert stolen.status_code == 400
        assert "did not start the sign-in" in stolen.text
        # The rightful browser finishes; the code is then spent and cannot be replayed.
        finished = mine.get(url)
        assert finished.status_code == 303, finished.text
        replayed = mine.get(url)
        assert replayed.status_code in (400, 502)
    sessions_before = sessions(services)

    # ID tokens that must not be believed.
    other_key = RSAKey.generate_key(2048, parameters={"kid": "idp-key-1", "use": "sig"})
    for knob, value, why in (
        ("nonce", "a-nonce-from-another-sign-in", "nonce"),
        ("sign_with", other_key, "signature"),
        ("audience", "another-client", "aud"),
    ):
        setattr(idp, knob, value)
        refused = sign_in(server, "acme")
        assert refused.status_code == 401, (knob, refused.text[:300])
        assert "Sign-in failed" in refused.text
        assert why in refused.text, (knob, refused.text[:500])
        setattr(idp, knob, None)
    assert sessions(services) == sessions_before
    assert me(server, sign_in(server, "acme"))["email"] == "x@idp.test"


def test_client_secret_is_write_only_and_settings_are_checked(
    server: LiveServer, org: Org, other_org: Org, idp: IdentityProvider, services: Services
) -> None:
    put = configure(server, org, idp)
    assert put.status_code == 200, put.text
    got = server.client(org.owner.token).http.get(SSO)
    for answer in (put, got):
        assert idp.client_secret not in answer.text
        body = answer.json()
        assert "client_secret" not in body
        assert body["client_secret_set"] is True
        assert body["redirect_uri"] == f"{server.url}/sso/acme/callback"
    # Changing other settings keeps the stored secret; sign-in still works.
    assert (
        configure(server, org, idp, client_secret=None, display_name="Acme SSO").status_code == 200
    )
    idp.user = IdpUser("sub-s", "s@idp.test", ["labelers"])
    assert me(server, sign_in(server, "acme"))["role"] == "annotator"
    # Nowhere in the database (the column holds it encrypted) nor in the audit log.
    with services.db.read() as conn:
        for table in metadata.sorted_tables:
            text_columns = [c for c in table.c if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*text_columns)) if text_columns else []:
                assert not [c for c in row if c and idp.client_secret in str(c)], table.name
        details = conn.execute(select(audit_events.c.detail)).scalars().all()
    assert idp.client_secret not in json.dumps(details)
    configured = [d for a, d in audit(services, org.id, "sso.configure")]
    assert [d["client_secret_changed"] for d in configured] == [True, False]

    http = server.client(org.owner.token).http
    bad = {
        "issuer": ("http://idp.example.com", "issuer"),
        "slug": ("Not A Slug", "slug"),
        "default_role": ("king", "default_role"),
    }
    for field, (value, named) in bad.items():
        answer = configure(server, org, idp, **{field: value})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == named
    unknown_role = configure(server, org, idp, groups=[{"group": "g", "role": "king"}])
    assert unknown_role.json()["error"]["field"] == "groups[0].role"
    # Another organization cannot sign in under a slug that is taken.
    taken = configure(server, other_org, idp, slug="acme")
    assert (taken.status_code, taken.json()["error"]["field"]) == (422, "slug")
    # Only owners and admins configure; an admin cannot make sign-in grant "owner".
    for key in ("manager", "annotator"):
        assert server.client(org.members[key].token).http.get(SSO).status_code == 403
    as_admin = server.client(org.members["admin"].token).http.put(
        SSO,
        json={
            "slug": "acme",
            "display_name": "x",
            "issuer": idp.issuer,
            "client_id": "c",
            "groups": [{"group": "g", "role": "owner"}],
        },
    )
    assert as_admin.status_code == 403, as_admin.text
    assert http.get(SSO).json()["display_name"] == "Acme SSO"
    assert http.delete(SSO).status_code == 204
    assert http.get(SSO).status_code == 404
    assert sign_in(server, "acme").status_code == 404


def test_password_sign_in_can_be_turned_off(
    server: LiveServer, org: Org, idp: IdentityProvider, services: Services
) -> None:
    assert configure(server, org, idp, allow_password=False).status_code == 200
    outcome = services.auth.sign_in(org.annotator.email, PASSWORD)
    assert (outcome.session_token, outcome.single_sign_on_only) == (None, True)
    page = httpx.get(f"{server.url}/login", params={"org": "acme"})
    assert "Sign in with Acme IdP" in page.text
    assert 'name="password"' not in page.text
    assert httpx.get(f"{server.url}/login", params={"org": "nobody"}).status_code == 404
    # API tokens are not sign-ins: they keep working.
    assert server.client(org.annotator.token).me().email == org.annotator.email
    assert configure(server, org, idp, allow_password=True).status_code == 200
    assert services.auth.sign_in(org.annotator.email, PASSWORD).session_token is not None


def test_the_cli_configures_without_printing_the_secret(
    settings: Settings, org: Org, idp: IdentityProvider, services: Services
) -> None:
    done = run_cli(
        settings,
        "org",
        "sso",
        "set",
        org.name,
        "--slug",
        "acme",
        "--issuer",
        idp.issuer,
        "--client-id",
        idp.client_id,
        "--client-secret-stdin",
        "--map",
        "labelers=annotator",
        "--map",
        "leads=manager",
        stdin=idp.client_secret + "\n",
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["groups"] == [
        {"group": "labelers", "role": "annotator"},
        {"group": "leads", "role": "manager"},
    ]
    assert idp.client_secret not in done.stdout + done.stderr
    bad = run_cli(
        settings, "org", "sso", "set", org.name, "--slug", "acme", "--issuer",
        "http://idp.example.com", "--client-id", "c",
    )  # fmt: skip
    assert bad.returncode == 1
    assert "must use https" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert services.sso.login_option("acme").display_name == org.name


@pytest.mark.browser
def test_a_person_signs_in_with_their_organizations_provider(
    page: Page,
    server: LiveServer,
    org: Org,
    idp: IdentityProvider,
    sign_in_page: Callable[[Page, LiveServer], None],
) -> None:
    assert configure(server, org, idp).status_code == 200
    idp.user = IdpUser("sub-browser", "browser@idp.test", ["leads"])
    sign_in_page(page, server)
    page.get_by_role("link", name="Sign in with Acme IdP").click()
    page.wait_for_url(f"{server.url}/projects")
    assert "browser@idp.test · manager" in page.locator("header").inner_text()


@pytest.fixture
def sign_in_page() -> Callable[[Page, LiveServer], None]:
    """Open the sign-in page and choose the organization by its sign-in name."""

    def go(page: Page, server: LiveServer) -> None:
        page.goto(f"{server.url}/login?next=/projects")
        page.get_by_label("Organization sign-in name").fill("acme")
        page.get_by_role("button", name="Continue with single sign-on").click()
        page.wait_for_url(f"{server.url}/login?**")

    return go
