"""What every page handler shares: templates, the signed-in caller, and form CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from veracity import __version__
from veracity.api.deps import SESSION_COOKIE
from veracity.domain.errors import NotAuthenticated
from veracity.services import Services
from veracity.services.authentication import WebSession

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["version"] = __version__

LOGIN_CSRF_COOKIE = "veracity_login_csrf"
_NONCE = re.compile(r"[A-Za-z0-9_-]{32}")


class SignInRequired(Exception):
    """Raised by page handlers when nobody is signed in; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def services(request: Request) -> Services:
    """The application's services."""
    svc: Services = request.app.state.services
    return svc


def web_session(request: Request) -> WebSession:
    """The signed-in browser, or ``SignInRequired``."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            return services(request).auth.session(cookie)
        except NotAuthenticated:
            pass
    query = request.url.query
    raise SignInRequired(f"{request.url.path}?{query}" if query else request.url.path)


def sign_in_redirect(next_path: str) -> RedirectResponse:
    """Send the browser to the sign-in page, coming back to ``next_path`` afterwards."""
    return RedirectResponse(f"/login?next={quote(next_path)}", status_code=303)


def safe_next(next_path: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirects).

    Browsers drop tabs and line breaks inside URLs and read a backslash as a slash, so a
    path like slash-tab-slash-evil.com would leave the site: control characters, spaces and
    backslashes are refused along with a leading ``//``.
    """
    if (
        not next_path
        or not next_path.startswith("/")
        or next_path.startswith("//")
        or any(c <= " " or c in "\\\x7f" for c in next_path)
    ):
        return "/"
    return next_path


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the request in its context."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def new_form_token(secret: str, cookie: str | None = None) -> tuple[str, str]:
    """A (cookie value, form value) pair for forms used before a session exists.

    An existing well-formed cookie is kept, so that two sign-in tabs do not expire each
    other's forms.
    """
    nonce = cookie if cookie and _NONCE.fullmatch(cookie) else secrets.token_urlsafe(24)
    mac = hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()
    return nonce, f"{nonce}.{mac}"


def form_token_ok(secret: str, cookie: str | None, sent: str | None) -> bool:
    """Whether a pre-session form token is ours and matches its cookie."""
    if not cookie or not sent or "." not in sent:
        return False
    nonce, mac = sent.rsplit(".", 1)
    expected = hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, expected) and hmac.compare_digest(nonce, cookie)


def session_form_ok(session: WebSession, sent: str | None) -> bool:
    """Whether a signed-in form carries the session's CSRF token."""
    return bool(sent) and hmac.compare_digest(str(sent).encode(), session.csrf_token.encode())
