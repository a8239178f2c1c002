"""The OpenID Connect relying party: discovery, the authorization request (code flow with
PKCE), the code exchange and ID token validation.

This is the one place where the server makes outgoing HTTP requests, and only to the
identity provider an organization's owner configured: its discovery document, the JWKS and
token endpoints that document names (each held to the same https-or-loopback rule), never a
URL taken from whoever is signing in. Redirects are not followed and answers are size-capped.

Built on Authlib's protocol pieces (grant URI, PKCE challenge, token request body) and joserfc
(JWS signature against the provider's keys, then the claims). Authlib's httpx integration is
not used: it is moving to another HTTP package and warns on import with httpx.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from veracity.domain.errors import DomainError, InvalidRecord
from veracity.domain.single_sign_on import check_provider_url

# Asymmetric algorithms only: an HS256 ID token would be signed with the client secret, and
# "none" is never acceptable.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
MAX_ANSWER_BYTES = 1024 * 1024
LEEWAY_SECONDS = 60
CACHE_SECONDS = 300.0


class ProviderUnavailable(DomainError):
    """The identity provider could not be reached or gave an answer we cannot use."""

    code = "identity_provider_unavailable"


class TokenRejected(DomainError):
    """The ID token failed validation (signature, issuer, audience, expiry or nonce)."""

    code = "id_token_rejected"


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """What discovery tells us about a provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    auth_method: str


class OidcClient:
    """Talks to identity providers; caches each one's discovery document and keys briefly."""

    def __init__(
        self,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._timeout = timeout_seconds
        self._transport = transport
        self._lock = threading.Lock()
        self._metadata: dict[str, tuple[float, ProviderMetadata]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}

    # -- discovery ----------------------------------------------------------------------

    def metadata(self, issuer: str) -> ProviderMetadata:
        """The provider's endpoints, from ``<issuer>/.well-known/openid-configuration``."""
        with self._lock:
            hit = self._metadata.get(issuer)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        url = check_provider_url(issuer).rstrip("/") + "/.well-known/openid-configuration"
        doc = self._get_json(url)
        if doc.get("issuer") != issuer:
            raise ProviderUnavailable(
                "the identity provider's discovery document names another issuer"
            )
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = doc.get(name)
            if not isinstance(value, str):
                raise ProviderUnavailable(f"the discovery document has no {name}")
            try:
                endpoints[name] = check_provider_url(value, name)
            except InvalidRecord as exc:
                raise ProviderUnavailable(f"the discovery document's {exc.message}") from None
        offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(a for a in SIGNING_ALGORITHMS if a in offered)
        if not algorithms:
            raise ProviderUnavailable("the identity provider offers no signing algorithm we accept")
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth_method = (
            "client_secret_post"
            if "client_secret_basic" not in methods and "client_secret_post" in methods
            else "client_secret_basic"
        )
        found = ProviderMetadata(
            issuer, algorithms=algorithms, auth_method=auth_method, **endpoints
        )
        with self._lock:
            self._metadata[issuer] = (time.monotonic(), found)
        return found

    def _keyset(self, meta: ProviderMetadata, *, fresh: bool) -> KeySet:
        with self._lock:
            hit = self._keys.get(meta.jwks_uri)
        if not fresh and hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        doc = self._get_json(meta.jwks_uri)
        try:
            keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable("the identity provider's keys (JWKS) are unreadable") from exc
        with self._lock:
            self._keys[meta.jwks_uri] = (time.monotonic(), keys)
        return keys

    # -- the flow -----------------------------------------------------------------------

    @staticmethod
    def authorization_url(
        meta: ProviderMetadata,
        client_id: str,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> str:
        """Where to send the browser: the code flow with a PKCE S256 challenge and a nonce."""
        url: str = prepare_grant_uri(
            meta.authorization_endpoint,
            client_id=client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope="openid email profile",
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )
        return url

    def exchange(
        self,
        meta: ProviderMetadata,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> str:
        """Trade the code (and the PKCE verifier) for tokens; return the ID token."""
        extra: dict[str, str] = {}
        auth: tuple[str, str] | None = (client_id, client_secret)
        if meta.auth_method == "client_secret_post":
            extra = {"client_id": client_id, "client_secret": client_secret}
            auth = None
        body: str = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            **extra,
        )
        status, content = self._request(
            "POST",
            meta.token_endpoint,
            content=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth=auth,
        )
        if status != 200:
            raise ProviderUnavailable(f"the identity provider refused the code (HTTP {status})")
        doc = _json_object(content)
        id_token = doc.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderUnavailable("the identity provider returned no ID token")
        return id_token

    def validate(
        self, meta: ProviderMetadata, id_token: str, client_id: str, nonce: str
    ) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce hold."""
        try:
            token = self._decode(meta, id_token, fresh=False)
        except (JoseError, ValueError):
            # The provider may have rotated its keys since we cached them: look once more.
            try:
                token = self._decode(meta, id_token, fresh=True)
            except (JoseError, ValueError) as exc:
                raise TokenRejected("the ID token's signature does not verify") from exc
        claims = token.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": meta.issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise TokenRejected(f"the ID token is not for this sign-in: {exc.description}") from exc
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
            raise TokenRejected("the ID token is meant for another party (azp)")
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= 255:
            raise TokenRejected("the ID token's subject is not usable")
        return claims

    def _decode(self, meta: ProviderMetadata, id_token: str, *, fresh: bool) -> jwt.Token:
        keys = self._keyset(meta, fresh=fresh)
        return jwt.decode(id_token, keys, algorithms=list(meta.algorithms))

    # -- HTTP -----------------------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        status, content = self._request("GET", url)
        if status != 200:
            raise ProviderUnavailable(f"the identity provider answered HTTP {status} at {url}")
        return _json_object(content)

    def _request(self, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
        try:
            with (
                httpx.Client(
                    timeout=self._timeout,
                    follow_redirects=False,
                    transport=self._transport,
                    headers={"Accept": "application/json"},
                ) as http,
                http.stream(method, url, **kwargs) as answer,
            ):
                size = 0
                chunks = []
                for chunk in answer.iter_bytes():
                    size += len(chunk)
                    if size > MAX_ANSWER_BYTES:
                        raise ProviderUnavailable("the identity provider's answer is too large")
                    chunks.append(chunk)
                return answer.status_code, b"".join(chunks)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                f"the identity provider could not be reached ({type(exc).__name__})"
            ) from None


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(content)
    except ValueError:
        raise ProviderUnavailable("the identity provider's answer is not JSON") from None
    if not isinstance(doc, dict):
        raise ProviderUnavailable("the identity provider's answer is not a JSON object")
    return doc
