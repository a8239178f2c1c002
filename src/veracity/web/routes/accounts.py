"""Sign in, sign out, and accepting an invitation."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from veracity.api.deps import SESSION_COOKIE
from veracity.domain.errors import InvalidRecord, NotFound, Throttled
from veracity.web.pages import (
    LOGIN_CSRF_COOKIE,
    SignInRequired,
    form_token_ok,
    new_form_token,
    render,
    safe_next,
    services,
    session_form_ok,
    sign_in_redirect,
    web_session,
)

router = APIRouter(include_in_schema=False)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Hand the browser its session; every way of signing in ends here."""
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def _form_page(
    request: Request, template: str, status_code: int = 200, **context: object
) -> HTMLResponse:
    cookie, form_value = new_form_token(
        request.app.state.secret_key, request.cookies.get(LOGIN_CSRF_COOKIE)
    )
    response = render(request, template, status_code, csrf=form_value, **context)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        path="/",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", org: str = "") -> HTMLResponse:
    """The sign-in form; with ``org``, also that organization's "Sign in with ..." button."""
    sso, error, status = None, None, 200
    if org:
        try:
            sso = services(request).sso.login_option(org.strip().lower()[:64])
        except NotFound:
            error, status = f"No organization signs in as {org[:64]!r}.", 404
    return _form_page(
        request, "login.html", status, next=safe_next(next), error=error, sso=sso, org=org[:64]
    )


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; slow down and then refuse repeated failures."""
    target = safe_next(next)
    if not form_token_ok(
        request.app.state.secret_key, request.cookies.get(LOGIN_CSRF_COOKIE), csrf
    ):
        return _form_page(
            request, "login.html", 403, next=target, error="The form expired. Please try again."
        )
    try:
        outcome = await run_in_threadpool(services(request).auth.sign_in, email, password)
    except Throttled as exc:
        minutes = max(1, round(exc.retry_after / 60))
        refused = _form_page(
            request,
            "login.html",
            429,
            next=target,
            error=f"Too many failed attempts. Try again in about {minutes} minutes.",
        )
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if outcome.single_sign_on_only:
        return _form_page(
            request,
            "login.html",
            403,
            next=target,
            error="Your organization signs people in through its identity provider: "
            "enter its sign-in name below.",
        )
    if outcome.session_token is None:
        # Held back without holding a worker thread, to slow password guessing.
        await asyncio.sleep(outcome.delay_seconds)
        return _form_page(request, "login.html", 401, next=target, error="Wrong email or password.")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, outcome.session_token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """End the session."""
    try:
        session = web_session(request)
    except SignInRequired:
        return RedirectResponse("/login", status_code=303)
    if not session_form_ok(session, csrf):
        return Response("missing or wrong CSRF token", status_code=403)
    services(request).auth.sign_out(request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/invite/{token}", response_class=HTMLResponse, name="invitation_page")
def invitation_page(request: Request, token: str) -> HTMLResponse:
    """The form where an invited person chooses a password."""
    try:
        email, org_name = services(request).accounts.invitation(token)
    except NotFound:
        return render(
            request,
            "message.html",
            404,
            title="Invitation not valid",
            message="This invitation link is used, expired or wrong.",
        )
    return _form_page(
        request, "invite.html", email=email, org_name=org_name, token=token, error=None
    )


@router.post("/invite/{token}")
def accept_invitation(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=1024)],
    name: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create the account (or join with an existing one), then sign in."""
    svc = services(request)
    try:
        email, org_name = svc.accounts.invitation(token)
    except NotFound:
        return render(
            request,
            "message.html",
            404,
            title="Invitation not valid",
            message="This invitation link is used, expired or wrong.",
        )
    if not form_token_ok(
        request.app.state.secret_key, request.cookies.get(LOGIN_CSRF_COOKIE), csrf
    ):
        return _form_page(
            request,
            "invite.html",
            403,
            email=email,
            org_name=org_name,
            token=token,
            error="The form expired. Please try again.",
        )
    try:
        svc.accounts.accept_invitation(token, password, name)
    except InvalidRecord as exc:
        return _form_page(
            request,
            "invite.html",
            422,
            email=email,
            org_name=org_name,
            token=token,
            error=exc.message,
        )
    outcome = svc.auth.sign_in(email, password)
    if outcome.session_token is None:
        return sign_in_redirect("/")
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, outcome.session_token)
    return response
