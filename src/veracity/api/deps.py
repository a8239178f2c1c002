"""What routers receive: the services and the authenticated caller."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from veracity.domain.caller import Caller
from veracity.domain.errors import Forbidden, NotAuthenticated
from veracity.services import Services

SESSION_COOKIE = "veracity_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request) -> Services:
    """The services built by ``create_app``."""
    services: Services = request.app.state.services
    return services


async def _services(request: Request) -> Services:
    # The dependency is async on purpose: a sync one would cost a worker-thread hop.
    return get_services(request)


async def current_caller(request: Request) -> Caller:
    """The caller from a bearer token, or from a web session plus its CSRF header.

    A browser session may call the API too (the annotate page does); for anything but a
    read it must echo the session's CSRF token in ``X-CSRF-Token``. Credentials checked in
    the last few seconds are answered from memory, without a trip to a worker thread.
    """
    auth = get_services(request).auth
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("use 'Authorization: Bearer <token>'")
        caller = auth.cached_caller(token)
        if caller is None:
            caller = await run_in_threadpool(auth.caller_from_token, token)
        return caller
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        session = auth.cached_session(cookie)
        if session is None:
            session = await run_in_threadpool(auth.session, cookie)
        if request.method not in _SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
                raise Forbidden("missing or wrong CSRF token")
        return session.caller
    raise NotAuthenticated("missing credentials: send 'Authorization: Bearer <token>'")


Svc = Annotated[Services, Depends(_services)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
