"""Signing in through an organization's identity provider: off to it, and back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from veracity.domain.errors import DomainError, NotFound
from veracity.services.oidc import ProviderUnavailable, TokenRejected
from veracity.services.single_sign_on import SIGN_IN_SECONDS, SignInFailed, SignInRefused
from veracity.web.pages import LOGIN_CSRF_COOKIE, render, safe_next, services
from veracity.web.routes.accounts import set_session_cookie

router = APIRouter(include_in_schema=False)

SSO_COOKIE = "veracity_sso"
Slug = Annotated[str, Path(max_length=64)]

# Which page each failure gets: a clear answer, never a 500.
_PAGES: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "Single sign-on not found"),
    (SignInRefused, 403, "Sign-in refused"),
    (TokenRejected, 401, "Sign-in failed"),
    (SignInFailed, 400, "Sign-in failed"),
    (ProviderUnavailable, 502, "Identity provider unavailable"),
]


def _failure(request: Request, exc: DomainError) -> HTMLResponse:
    for kind, status, title in _PAGES:
        if isinstance(exc, kind):
            response = render(request, "message.html", status, title=title, message=exc.message)
            response.delete_cookie(SSO_COOKIE, path="/sso/")
            return response
    raise exc


@router.get("/sso/{slug}/login", name="sso_login")
async def sso_login(request: Request, slug: Slug, next: str = "/") -> Response:
    """Send the browser to the organization's identity provider."""
    callback = str(request.url_for("sso_callback", slug=slug))
    try:
        started = await run_in_threadpool(
            services(request).sso.start, slug, callback, safe_next(next)
        )
    except DomainError as exc:
        return _failure(request, exc)
    response = RedirectResponse(started.url, status_code=303)
    # Lax, not strict: the provider sends the browser back with a top-level GET from its
    # own site, and the cookie must come along to prove this browser started the sign-in.
    response.set_cookie(
        SSO_COOKIE,
        started.cookie,
        max_age=SIGN_IN_SECONDS,
        httponly=True,
        secure=request.app.state.settings.cookie_secure,
        samesite="lax",
        path="/sso/",
    )
    return response


@router.get("/sso/{slug}/callback", name="sso_callback")
async def sso_callback(
    request: Request,
    slug: Slug,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    """Where the identity provider sends the browser back: check everything, then sign in."""
    if error:
        why = error_description or error
        return _failure(
            request, SignInFailed(f"the identity provider did not sign you in: {why[:300]}")
        )
    try:
        done = await run_in_threadpool(
            services(request).sso.finish,
            slug,
            request.cookies.get(SSO_COOKIE),
            state[:200],
            code[:2000],
        )
    except DomainError as exc:
        return _failure(request, exc)
    response = RedirectResponse(safe_next(done.next_path), status_code=303)
    set_session_cookie(response, request, done.session_token)
    response.delete_cookie(SSO_COOKIE, path="/sso/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response
