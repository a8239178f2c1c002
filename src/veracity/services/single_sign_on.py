"""Single sign-on: an organization's OpenID Connect provider, and signing people in with it.

An owner or admin configures the provider (issuer, client, which claim lists groups, group ->
role rules, the role of people in no mapped group or "deny", whether passwords still work).
Signing in is the authorization code flow with PKCE; ``state``, ``nonce`` and the PKCE
verifier travel in a sealed, short-lived cookie bound to the browser that started. On the
way back the person is found by their subject at the provider, or by a verified email of a
member, or created (just-in-time); their role follows their groups at every sign-in; and
they get the same session cookie a password sign-in gives.
"""

from __future__ import annotations

import functools
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import DomainError, Forbidden, InvalidRecord, NotFound
from veracity.domain.roles import Permission, Role, may_grant
from veracity.domain.single_sign_on import (
    DENY,
    GroupRule,
    check_groups_claim,
    check_provider_url,
    check_slug,
    groups_of,
    parse_default_role,
    parse_rules,
    role_for,
)
from veracity.services import audit
from veracity.services.accounts import normalise_email
from veracity.services.authentication import AuthenticationService
from veracity.services.oidc import OidcClient
from veracity.services.sealing import Seal, Unsealable
from veracity.settings import Settings
from veracity.storage.db import Database
from veracity.storage.queries import accounts as accounts_q
from veracity.storage.queries import single_sign_on as q
from veracity.storage.types import AnyRow, utcnow

# How long a person may take at their identity provider before the sign-in must restart.
SIGN_IN_SECONDS = 600


class SignInFailed(DomainError):
    """The sign-in could not be completed (expired, tampered with, or a bad answer)."""

    code = "sign_in_failed"


class SignInRefused(DomainError):
    """The identity provider vouched for the person, but they may not sign in here."""

    code = "sign_in_refused"


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """What an owner sets. ``client_secret`` None keeps the stored one (on a change)."""

    slug: str
    display_name: str
    issuer: str
    client_id: str
    client_secret: str | None
    groups_claim: str = "groups"
    groups: tuple[tuple[str, str], ...] = ()
    default_role: str = DENY
    allow_password: bool = True


@dataclass(frozen=True, slots=True)
class Provider:
    """An organization's identity provider as shown back: never its client secret."""

    slug: str
    display_name: str
    issuer: str
    client_id: str
    groups_claim: str
    groups: list[GroupRule]
    default_role: str
    allow_password: bool


@dataclass(frozen=True, slots=True)
class LoginOption:
    """What the sign-in page shows for an organization's provider."""

    slug: str
    display_name: str
    allow_password: bool


@dataclass(frozen=True, slots=True)
class LoginStart:
    """Where to send the browser, and the sealed cookie that must come back with it."""

    url: str
    cookie: str


@dataclass(frozen=True, slots=True)
class LoginDone:
    """A finished sign-in: the session cookie's value and where to go next."""

    session_token: str
    next_path: str
    user_id: int
    role: Role


class SingleSignOnService:
    """Configuring identity providers and signing people in through them."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        auth: AuthenticationService,
        oidc: OidcClient | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.auth = auth
        self.oidc = oidc or OidcClient()

    @functools.cached_property
    def _secret_seal(self) -> Seal:
        # Derived on first use: the key file is read (or made) only where SSO is used.
        return Seal(self.settings.ensure_secret_key(), "sso client secret")

    @functools.cached_property
    def _flow_seal(self) -> Seal:
        return Seal(self.settings.ensure_secret_key(), "sso sign-in in progress")

    # -- configuration ------------------------------------------------------------------

    def provider(self, caller: Caller) -> Provider:
        """The caller's organization's identity provider."""
        caller.require(Permission.manage_sign_in)
        with self.db.read() as conn:
            row = q.provider_of_org(conn, caller.org_id)
            if row is None:
                raise NotFound("identity provider", "of this organization")
            return _provider(row, q.rules(conn, caller.org_id, row.id))

    def configure(self, caller: Caller, wanted: ProviderSettings) -> Provider:
        """Set the caller's organization's identity provider (create or change)."""
        caller.require(Permission.manage_sign_in)
        slug = check_slug(wanted.slug)
        issuer = check_provider_url(wanted.issuer)
        display_name = wanted.display_name.strip()
        if not 0 < len(display_name) <= 100:
            raise InvalidRecord("must be 1 to 100 characters", field="display_name")
        client_id = wanted.client_id.strip()
        if not 0 < len(client_id) <= 500:
            raise InvalidRecord("must be 1 to 500 characters", field="client_id")
        if wanted.client_secret is not None and not 0 < len(wanted.client_secret) <= 2000:
            raise InvalidRecord("must be 1 to 2000 characters", field="client_secret")
        claim = check_groups_claim(wanted.groups_claim)
        rules = parse_rules(wanted.groups)
        default = parse_default_role(wanted.default_role)
        # Nobody configures a way to give a role they could not grant themselves.
        for role in [r.role for r in rules] + ([default] if default else []):
            if not may_grant(caller.role, role):
                raise Forbidden(f"the {caller.role} role may not let sign-in grant {role}")
        values: dict[str, Any] = {
            "slug": slug,
            "display_name": display_name,
            "issuer": issuer,
            "client_id": client_id,
            "groups_claim": claim,
            "default_role": default.value if default else None,
            "allow_password": wanted.allow_password,
        }
        if wanted.client_secret is not None:
            values["client_secret"] = self._secret_seal.seal(wanted.client_secret)
        now = utcnow()
        with self.db.write() as conn:
            if q.slug_taken(conn, slug, caller.org_id):
                raise InvalidRecord("is used by another organization", field="slug")
            row = q.provider_of_org(conn, caller.org_id)
            if row is None:
                if wanted.client_secret is None:
                    raise InvalidRecord("is required for a new provider", field="client_secret")
                provider_id = q.insert_provider(conn, caller.org_id, values, now)
            else:
                provider_id = int(row.id)
                q.update_provider(conn, caller.org_id, provider_id, values, now)
                if row.issuer != issuer:
                    # A subject is only unique within its issuer: at another provider the same
                    # subject may be someone else, so old links must not sign anyone in.
                    q.forget_identities(conn, caller.org_id, provider_id)
            q.replace_rules(conn, caller.org_id, provider_id, [(r.group, r.role) for r in rules])
            audit.record(
                conn,
                caller,
                "sso.configure",
                "sso_provider",
                provider_id,
                slug=slug,
                issuer=issuer,
                client_id=client_id,
                client_secret_changed=wanted.client_secret is not None,
                groups_claim=claim,
                groups={r.group: r.role.value for r in rules},
                default_role=values["default_role"] or DENY,
                allow_password=wanted.allow_password,
            )
            saved = q.provider_of_org(conn, caller.org_id)
            assert saved is not None
            return _provider(saved, q.rules(conn, caller.org_id, provider_id))

    def remove(self, caller: Caller) -> None:
        """Stop signing people in through the organization's provider (passwords work again)."""
        caller.require(Permission.manage_sign_in)
        with self.db.write() as conn:
            row = q.provider_of_org(conn, caller.org_id)
            if row is None or not q.delete_provider(conn, caller.org_id):
                raise NotFound("identity provider", "of this organization")
            audit.record(conn, caller, "sso.remove", "sso_provider", row.id, slug=row.slug)

    # -- signing in ---------------------------------------------------------------------

    def login_option(self, slug: str) -> LoginOption:
        """The provider signing people in under ``slug`` (public: the sign-in page shows it)."""
        with self.db.read() as conn:
            row = q.provider_by_slug(conn, slug)
        if row is None:
            raise NotFound("single sign-on", repr(slug))
        return LoginOption(row.slug, row.display_name, bool(row.allow_password))

    def start(self, slug: str, redirect_uri: str, next_path: str) -> LoginStart:
        """Begin a sign-in: the provider's authorization URL and the cookie to set."""
        with self.db.read() as conn:
            row = q.provider_by_slug(conn, slug)
        if row is None:
            raise NotFound("single sign-on", repr(slug))
        meta = self.oidc.metadata(row.issuer)
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        flow = {
            "slug": slug,
            "issuer": row.issuer,
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
            "next": next_path,
        }
        url = self.oidc.authorization_url(meta, row.client_id, redirect_uri, state, nonce, verifier)
        return LoginStart(url, self._flow_seal.seal(json.dumps(flow)))

    def finish(self, slug: str, cookie: str | None, state: str, code: str) -> LoginDone:
        """Complete a sign-in from the provider's redirect: check it, then open a session."""
        flow = self._open_flow(slug, cookie, state)
        if not code:
            raise SignInFailed("the identity provider sent no authorization code")
        with self.db.read() as conn:
            row = q.provider_by_slug(conn, slug)
        if row is None or row.issuer != flow["issuer"]:
            raise SignInFailed("single sign-on changed during the sign-in; start again")
        try:
            client_secret = self._secret_seal.open(row.client_secret)
        except Unsealable:
            raise SignInFailed(
                "the client secret cannot be read with this server's VERACITY_SECRET_KEY; "
                "an owner must set it again"
            ) from None
        meta = self.oidc.metadata(row.issuer)
        id_token = self.oidc.exchange(
            meta, row.client_id, client_secret, code, flow["redirect_uri"], flow["verifier"]
        )
        claims = self.oidc.validate(meta, id_token, row.client_id, flow["nonce"])
        user_id, role, token = self._admit(row, claims)
        return LoginDone(token, flow["next"], user_id, role)

    def _open_flow(self, slug: str, cookie: str | None, state: str) -> dict[str, str]:
        if not cookie:
            raise SignInFailed("this browser did not start the sign-in (no sign-in cookie)")
        try:
            flow: dict[str, str] = json.loads(
                self._flow_seal.open(cookie, max_age_seconds=SIGN_IN_SECONDS)
            )
        except (Unsealable, ValueError):
            raise SignInFailed("the sign-in expired or was tampered with; start again") from None
        if flow.get("slug") != slug or not hmac.compare_digest(
            flow.get("state", "").encode(), state.encode()
        ):
            raise SignInFailed("the sign-in's state does not match; start again")
        return flow

    def _admit(self, row: AnyRow, claims: dict[str, Any]) -> tuple[int, Role, str]:
        """Find, link or create the person, set their role from their groups, and open
        their session, all in one transaction."""
        org_id, provider_id = int(row.org_id), int(row.id)
        subject = str(claims["sub"])
        groups = groups_of(claims.get(row.groups_claim))
        now = utcnow()
        with self.db.write() as conn:
            rules = [GroupRule(r.group_name, Role(r.role)) for r in q.rules(conn, org_id, row.id)]
            default = Role(row.default_role) if row.default_role else None
            role = role_for(groups, rules, default)
            if role is None:
                raise SignInRefused(
                    "none of your groups at the identity provider gives access to this "
                    "organization; ask its owner to add your group"
                )
            link = q.identity(conn, org_id, provider_id, subject)
            if link is not None:
                user_id = int(link.user_id)
                q.touch_identity(conn, link.id, now)
            else:
                user_id = self._link(conn, org_id, provider_id, subject, claims)
            user = q.user_by_id(conn, user_id)
            if user is None or user.disabled:
                raise SignInRefused("this account is disabled")
            caller = Caller(user_id, org_id, role, user.email)
            membership = accounts_q.membership(conn, org_id, user_id)
            if membership is None:
                accounts_q.upsert_membership(conn, org_id, user_id, role.value, now)
                audit.record(
                    conn,
                    caller,
                    "sso.provision",
                    "user",
                    user_id,
                    email=user.email,
                    role=role.value,
                    groups=_mapped(groups, rules),
                )
            elif membership.role != role.value:
                accounts_q.upsert_membership(conn, org_id, user_id, role.value, now)
                audit.record(
                    conn,
                    caller,
                    "sso.role_change",
                    "user",
                    user_id,
                    email=user.email,
                    old_role=membership.role,
                    role=role.value,
                    groups=_mapped(groups, rules),
                )
            token = self.auth.open_session(conn, user_id, org_id)
        # A changed role must reach this process's cached credentials at once.
        self.auth.recent.clear()
        return user_id, role, token

    def _link(
        self,
        conn: Connection,
        org_id: int,
        provider_id: int,
        subject: str,
        claims: dict[str, Any],
    ) -> int:
        """The user for a first sign-in: a member with the same verified email, or new."""
        raw_email = claims.get("email")
        if not isinstance(raw_email, str) or claims.get("email_verified") is not True:
            raise SignInRefused(
                "the identity provider did not give a verified email for your account"
            )
        try:
            email = normalise_email(raw_email)
        except InvalidRecord:
            raise SignInRefused("the identity provider gave an unusable email") from None
        user = accounts_q.user_by_email(conn, email)
        now = utcnow()
        if user is None:
            name = claims.get("name")
            display = name.strip()[:200] if isinstance(name, str) else ""
            # No password: this account signs in through the provider (or is invited later).
            user_id = accounts_q.insert_user(conn, email, display, None, now)
        elif accounts_q.membership(conn, org_id, int(user.id)) is not None:
            user_id = int(user.id)
        else:
            # An account of another organization: an identity provider configured by this
            # organization does not get to take it over by claiming its email.
            raise SignInRefused(
                "this email belongs to an account that is not a member of this "
                "organization; ask its owner to invite it first"
            )
        q.insert_identity(conn, org_id, provider_id, subject, user_id, now)
        return user_id


def _mapped(groups: list[str], rules: list[GroupRule]) -> list[str]:
    """The person's groups that a rule names (their other groups are not ours to log)."""
    named = {r.group for r in rules}
    return sorted(g for g in set(groups) if g in named)


def _provider(row: AnyRow, rules: list[AnyRow]) -> Provider:
    return Provider(
        slug=row.slug,
        display_name=row.display_name,
        issuer=row.issuer,
        client_id=row.client_id,
        groups_claim=row.groups_claim,
        groups=[GroupRule(r.group_name, Role(r.role)) for r in rules],
        default_role=row.default_role or DENY,
        allow_password=bool(row.allow_password),
    )
