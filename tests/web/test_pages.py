"""The pages over real HTTP, without a browser: sign-in, sessions, CSRF, tenancy, invitations."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factories.accounts import PASSWORD, Member, Org
from tests.factories.projects import SENTIMENT, texts
from veracity.api.security_headers import CSP
from veracity.domain.errors import Throttled
from veracity.services import Services
from veracity.web.pages import safe_next

SESSION = "veracity_session"


@contextmanager
def browser_like(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client that keeps cookies and does not follow redirects, as a test sees them."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
        yield client


def hidden(page: str, name: str) -> str:
    """The value of a hidden form input."""
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden input {name!r}"
    return html.unescape(found.group(1))


def csrf_meta(page: str) -> str:
    """The session's CSRF token as a signed-in page carries it for its scripts."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert found, "no csrf-token meta"
    return found.group(1)


def post_login(
    client: httpx.Client, email: str, password: str, next_path: str = "/"
) -> httpx.Response:
    """Fill the sign-in form as a browser would (its CSRF cookie and hidden token)."""
    form = client.get("/login")
    assert form.status_code == 200
    data = {"email": email, "password": password, "csrf": hidden(form.text, "csrf")}
    return client.post("/login", data={**data, "next": next_path})


def signed_in(client: httpx.Client, member: Member) -> str:
    """Sign ``member`` in; returns the session's CSRF token."""
    response = post_login(client, member.email, PASSWORD)
    assert response.status_code == 303, response.text
    return csrf_meta(client.get("/projects").text)


def test_sign_in_sets_an_httponly_session_cookie_and_redirects(
    server: LiveServer, org: Org
) -> None:
    with browser_like(server) as client:
        for email, password in [(org.annotator.email, "not the password"), ("x@y.test", PASSWORD)]:
            response = post_login(client, email, password)
            assert response.status_code == 401
            assert "Wrong email or password." in response.text
            assert SESSION not in client.cookies
        assert client.get("/projects").status_code == 303
        form = client.get("/login", params={"next": "/projects?page=2"})
        assert hidden(form.text, "next") == "/projects?page=2"
        response = client.post(
            "/login",
            data={
                "email": org.annotator.email.upper(),  # emails compare case-insensitively
                "password": PASSWORD,
                "csrf": hidden(form.text, "csrf"),
                "next": hidden(form.text, "next"),
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/projects?page=2"
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION}=")
        )
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()
        assert "path=/" in cookie.lower()
        page = client.get("/projects")
        assert page.status_code == 200
        assert org.annotator.email in page.text


def test_repeated_failures_are_slowed_then_refused(
    make_server: Callable[..., LiveServer], org: Org
) -> None:
    live = make_server(sign_in_slow_after=2, sign_in_refuse_after=4)
    auth = live.app.state.services.auth
    email = org.annotator.email
    with browser_like(live) as client:
        assert post_login(client, email, "wrong password 1").status_code == 401
        # The delay the page holds its answer back by, as the service decides it.
        delays = [auth.sign_in(email, f"wrong password {n}").delay_seconds for n in (2, 3, 4)]
        assert delays[0] > 0
        assert delays == sorted(delays)
        assert delays[-1] > delays[0]
        refused = post_login(client, email, PASSWORD)
        assert refused.status_code == 429
        assert "Too many failed attempts" in refused.text
        assert int(refused.headers["retry-after"]) > 0
        assert SESSION not in client.cookies
    with pytest.raises(Throttled):
        auth.sign_in(email, PASSWORD)
    # Another account is not affected.
    with browser_like(live) as other:
        assert post_login(other, org.members["annotator2"].email, PASSWORD).status_code == 303


def test_sign_in_form_needs_its_csrf_token(server: LiveServer, org: Org) -> None:
    credentials = {"email": org.annotator.email, "password": PASSWORD}
    with browser_like(server) as client, browser_like(server) as stranger:
        client.get("/login")
        assert client.post("/login", data=credentials).status_code == 403
        forged = {**credentials, "csrf": "abc.def"}
        assert client.post("/login", data=forged).status_code == 403
        # A genuine token, but issued to another browser (it does not match this cookie).
        theirs = hidden(stranger.get("/login").text, "csrf")
        assert client.post("/login", data={**credentials, "csrf": theirs}).status_code == 403
        assert SESSION not in client.cookies
        # Two sign-in tabs of one browser do not expire each other's forms.
        first_tab = hidden(client.get("/login").text, "csrf")
        client.get("/login")
        assert client.post("/login", data={**credentials, "csrf": first_tab}).status_code == 303


def test_sign_out_needs_the_csrf_token(server: LiveServer, org: Org) -> None:
    with browser_like(server) as client:
        token = signed_in(client, org.annotator)
        session = client.cookies[SESSION]
        assert client.post("/logout").status_code == 403
        assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
        assert client.get("/projects").status_code == 200
        response = client.post("/logout", data={"csrf": token})
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert client.get("/projects").status_code == 303
    # The old cookie is dead on the server too, not only forgotten by the browser.
    with browser_like(server) as replay:
        replay.cookies.set(SESSION, session)
        assert replay.get("/projects").status_code == 303
        assert replay.post("/logout").status_code == 303


def test_api_writes_with_a_session_need_the_csrf_header(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("p", SENTIMENT)
    owner.import_items(project.id, texts(2))
    path = f"/api/v1/projects/{project.id}/queue/next"
    with browser_like(server) as client:
        token = signed_in(client, org.annotator)
        assert client.get("/api/v1/me").json()["email"] == org.annotator.email
        assert client.post(path).status_code == 403
        assert client.post(path, headers={"X-CSRF-Token": "wrong"}).status_code == 403
        assert owner.stats(project.id).leased == 0
        response = client.post(path, headers={"X-CSRF-Token": token})
        assert response.status_code == 200
        assert response.json()["item"]["data"]["text"].startswith("item number")


def lone_owner(services: Services, name: str) -> Member:
    """The owner of a second organization (one member: password hashing is slow on purpose)."""
    return Org(services.accounts.create_org(name), name).add(services, "owner", "owner")


def test_pages_show_only_the_callers_organization(
    server: LiveServer, org: Org, services: Services
) -> None:
    ours = server.client(org.owner.token).create_project("Ours", SENTIMENT)
    globex = lone_owner(services, "Globex")
    theirs = server.client(globex.token).create_project("Theirs", SENTIMENT)
    with browser_like(server) as client:
        signed_in(client, org.annotator)
        listing = client.get("/projects")
        assert f'href="/projects/{ours.id}"' in listing.text
        assert "Theirs" not in listing.text
        assert f'href="/projects/{theirs.id}"' not in listing.text
        assert client.get(f"/projects/{ours.id}").status_code == 200
        assert client.get(f"/projects/{ours.id}/annotate").status_code == 200
        missing = client.get("/projects/999999")
        for path in (f"/projects/{theirs.id}", f"/projects/{theirs.id}/annotate"):
            response = client.get(path)
            assert response.status_code == 404
            assert "Theirs" not in response.text
            # Indistinguishable from a project that does not exist.
            assert response.text == missing.text


def test_project_page_shows_progress(server: LiveServer, org: Org) -> None:
    owner = server.client(org.owner.token)
    project = owner.create_project("Progress", SENTIMENT)
    owner.import_items(project.id, texts(4))
    worker = server.client(org.annotator.token)
    lease = worker.next(project.id)
    assert lease is not None
    worker.submit(lease.assignment_id, {"sentiment": "pos"}, seconds=3)
    with browser_like(server) as client:
        signed_in(client, org.owner)
        page = client.get(f"/projects/{project.id}").text
        counts = dict(re.findall(r'<dd data-count="(\w+)">([^<]*)</dd>', page))
        assert counts["total"] == "4"
        assert counts["done"] == "1"
        assert counts["open"] == "3"
        assert counts["annotations"] == "1"
        assert '<svg class="chart"' in page
        assert 'class="seg-done"' in page
        assert "25%" in page
    with browser_like(server) as client:
        signed_in(client, org.annotator)
        page = client.get(f"/projects/{project.id}").text
        # An annotator sees what to do, not the project's figures.
        assert "data-count" not in page
        assert f'href="/projects/{project.id}/annotate"' in page


def test_sign_in_returns_to_the_page_asked_for_and_nowhere_else(
    server: LiveServer, org: Org
) -> None:
    with browser_like(server) as client:
        assert client.get("/").headers["location"] == "/projects"
        response = client.get("/projects")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/projects"
        target = "/projects/7/annotate"
        response = client.get(target)
        assert response.headers["location"] == f"/login?next={target}"
        form = client.get(response.headers["location"])
        assert hidden(form.text, "next") == target
        arrived = post_login(client, org.annotator.email, PASSWORD, target)
        assert arrived.headers["location"] == target
        # ... and nowhere off the site.
        assert hidden(client.get("/login", params={"next": "//evil.com"}).text, "next") == "/"
        for target in ("//evil.com", "https://evil.com/x", "/\t/evil.com"):
            response = post_login(client, org.annotator.email, PASSWORD, target)
            assert response.status_code == 303
            assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "https://evil.com/", "/\\evil.com", "/\t/evil.com", "javascript:alert(1)"],
)
def test_next_never_leaves_the_site(target: str) -> None:
    # The page's own rule; checked end to end in the next test.
    assert safe_next(target) == "/"


def test_pages_carry_a_strict_csp_and_no_inline_code(server: LiveServer, org: Org) -> None:
    project = server.client(org.owner.token).create_project("p", SENTIMENT)
    with browser_like(server) as client:
        signed_in(client, org.owner)
        for path in (
            "/login",
            "/projects",
            f"/projects/{project.id}",
            f"/projects/{project.id}/annotate",
            "/projects/999999",
        ):
            response = client.get(path)
            assert response.headers["content-security-policy"] == CSP
            assert "unsafe-inline" not in CSP
            assert "script-src 'self'" in CSP
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "same-origin"
            page = response.text
            # The CSP would block these anyway; the pages must not need them.
            assert " style=" not in page
            assert not re.search(r"\son[a-z]+=", page)
            for tag in re.findall(r"<script\b[^>]*>", page):
                assert 'src="/static/' in tag or 'type="application/json"' in tag
        static = client.get("/static/annotate.js")
        assert static.status_code == 200
        assert static.headers["content-security-policy"] == CSP


def _invite(server: LiveServer, inviter: Member, email: str, role: str) -> str:
    created = server.client(inviter.token).http.post(
        "/api/v1/invitations", json={"email": email, "role": role}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["url"])


def test_invitation_sets_a_password_and_signs_in(server: LiveServer, org: Org) -> None:
    email = "new.person@acme.test"
    url = urlsplit(_invite(server, org.owner, email, "reviewer")).path
    assert url.startswith("/invite/")
    with browser_like(server) as client:
        form = client.get(url)
        assert form.status_code == 200
        assert email in form.text
        csrf = hidden(form.text, "csrf")
        assert client.post(url, data={"password": "long enough pw"}).status_code == 403
        short = client.post(url, data={"password": "short", "csrf": csrf})
        assert short.status_code == 422
        assert "at least 10 characters" in short.text
        joined = client.post(
            url, data={"password": "a new long password", "name": "New Person", "csrf": csrf}
        )
        assert joined.status_code == 303
        assert joined.headers["location"] == "/"
        me = client.get("/api/v1/me").json()
        assert (me["email"], me["role"], me["org_id"]) == (email, "reviewer", org.id)
        # Used once: the link is dead now.
        assert client.get(url).status_code == 404
        retry = {"password": "another password", "csrf": csrf}
        assert client.post(url, data=retry).status_code == 404
    members = server.client(org.owner.token).http.get("/api/v1/members").json()["members"]
    joined_as = [(m["role"], m["name"]) for m in members if m["email"] == email]
    assert joined_as == [("reviewer", "New Person")]
    with browser_like(server) as again:
        assert post_login(again, email, "a new long password").status_code == 303


def test_an_invitation_cannot_take_over_an_existing_account(
    server: LiveServer, org: Org, services: Services
) -> None:
    # Globex's owner invites Acme's annotator and opens the link themselves.
    globex = lone_owner(services, "Globex")
    url = urlsplit(_invite(server, globex, org.annotator.email, "annotator")).path
    with browser_like(server) as client:
        csrf = hidden(client.get(url).text, "csrf")
        refused = client.post(url, data={"password": "attacker's password", "csrf": csrf})
        assert refused.status_code == 422
        assert SESSION not in client.cookies
    with browser_like(server) as client:
        assert post_login(client, org.annotator.email, "attacker's password").status_code == 401
        assert post_login(client, org.annotator.email, PASSWORD).status_code == 303
    # The person themselves joins with the password they already have.
    with browser_like(server) as client:
        csrf = hidden(client.get(url).text, "csrf")
        assert client.post(url, data={"password": PASSWORD, "csrf": csrf}).status_code == 303


def test_nobody_signs_up_without_an_invitation(server: LiveServer) -> None:
    with browser_like(server) as client:
        for path in ("/signup", "/register", "/join", "/api/v1/users", "/api/v1/signup"):
            assert client.get(path).status_code in (404, 405)
            assert client.post(path, data={"email": "a@b.test"}).status_code in (401, 404, 405)
        bogus = client.get("/invite/not-a-real-token")
        assert bogus.status_code == 404
        assert "Invitation not valid" in bogus.text
        guess = client.post("/invite/not-a-real-token", data={"password": "x" * 12})
        assert guess.status_code == 404
    paths = server.client().http.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if re.search(r"sign.?up|register", p)]
