"""A tiny OpenID Connect provider, served over real HTTP on 127.0.0.1 for the tests.

It does what a real provider does for the authorization code flow with PKCE: discovery, a
JWKS, an authorize endpoint (which "signs in" the configured test user at once and redirects
back with a code), and a token endpoint that checks the client's credentials, the code, the
redirect URI and the PKCE verifier before returning an RS256-signed ID token.

Knobs let a test make it misbehave the way an attacker or a broken provider would: sign with
another key, name another audience, echo a different nonce.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.factories.processes import free_port


@dataclass
class IdpUser:
    """The person the provider signs in next."""

    sub: str
    email: str
    groups: list[str] = field(default_factory=list)
    name: str = ""
    email_verified: bool = True


@dataclass
class _Code:
    user: IdpUser
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str


class IdentityProvider:
    """An OpenID Connect provider for one client; start() serves it on 127.0.0.1."""

    def __init__(self, client_id: str = "veracity-test", client_secret: str | None = None) -> None:
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-key-1", "use": "sig"})
        self.user: IdpUser | None = None
        # Misbehaviour, for the tests that must see it refused.
        self.sign_with: RSAKey | None = None
        self.audience: str | None = None
        self.nonce: str | None = None
        self.token_requests = 0
        self._codes: dict[str, _Code] = {}
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
            ]
        )
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> IdentityProvider:
        """Serve until stop()."""
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test identity provider did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(timeout=20)

    # -- endpoints --------------------------------------------------------------------

    async def _discovery(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _jwks(self, _request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        problems = [
            name
            for name, ok in (
                ("client_id", q.get("client_id") == self.client_id),
                ("response_type", q.get("response_type") == "code"),
                ("scope", "openid" in q.get("scope", "").split()),
                ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(q.get("code_challenge"))),
                ("nonce", bool(q.get("nonce"))),
                ("state", bool(q.get("state"))),
                ("redirect_uri", bool(q.get("redirect_uri"))),
                ("user", self.user is not None),
            )
            if not ok
        ]
        if problems:
            return JSONResponse({"error": "invalid_request", "missing": problems}, 400)
        assert self.user is not None
        code = secrets.token_urlsafe(16)
        self._codes[code] = _Code(
            self.user, q["client_id"], q["redirect_uri"], q["nonce"], q["code_challenge"]
        )
        back = {"code": code, "state": q["state"]}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode(back)}", status_code=302)

    async def _token(self, request: Request) -> Response:
        self.token_requests += 1
        form = await request.form()
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, 401)
        code = self._codes.pop(str(form.get("code", "")), None)  # a code is used once
        if code is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, 400)
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != code.challenge or form.get("redirect_uri") != code.redirect_uri:
            return JSONResponse({"error": "invalid_grant", "why": "pkce or redirect_uri"}, 400)
        return JSONResponse(
            {"access_token": "not-used", "token_type": "Bearer", "id_token": self._id_token(code)}
        )

    def _id_token(self, code: _Code) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": code.user.sub,
            "aud": self.audience or code.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce or code.nonce,
            "email": code.user.email,
            "email_verified": code.user.email_verified,
            "name": code.user.name,
            "groups": code.user.groups,
        }
        key = self.sign_with or self.key
        header = {"alg": "RS256", "kid": key.kid or "idp-key-1"}
        return jwt.encode(header, claims, key)
