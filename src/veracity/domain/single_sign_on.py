"""Single sign-on rules: which identity providers may be trusted, and which role a person's
groups at the provider give them. Pure; the OpenID Connect exchange lives in the services."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from veracity.domain.errors import InvalidRecord
from veracity.domain.roles import Role

DENY = "deny"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
MAX_RULES = 500
MAX_GROUPS_PER_LOGIN = 1000
_CLAIM = re.compile(r"[A-Za-z0-9_:./-]{1,100}")
_LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True, slots=True)
class GroupRule:
    """People in ``group`` at the identity provider get ``role``.

    A rule is a row of its own so that teams can be added to it later (a group that also
    puts people in a team) without changing what existing rules mean.
    """

    group: str
    role: Role


def check_slug(slug: str) -> str:
    """The organization's sign-in name in URLs (``/sso/<slug>/login``)."""
    if not SLUG.fullmatch(slug):
        raise InvalidRecord(
            "must be 1 to 64 lower-case letters, digits and inner hyphens", field="slug"
        )
    return slug


def check_provider_url(url: str, field: str = "issuer") -> str:
    """An identity provider's URL: https, or plain http only on this machine's loopback.

    The server fetches from this URL (the discovery document, the keys, the token endpoint),
    so an owner must not be able to point it at plain-text hosts on the network; loopback
    http is allowed for identity providers run for tests or on the same machine.
    """
    if len(url) > 500 or any(c <= " " or c == "\x7f" for c in url):
        raise InvalidRecord("must be a URL of at most 500 characters", field=field)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidRecord("must be an https:// URL", field=field)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidRecord("must not carry credentials, a query or a fragment", field=field)
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidRecord(
            "must use https (plain http is allowed only for 127.0.0.1 and localhost)",
            field=field,
        )
    return url


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_groups_claim(claim: str) -> str:
    """The name of the ID token claim that lists a person's groups."""
    if not _CLAIM.fullmatch(claim):
        raise InvalidRecord("must be a claim name like 'groups' or 'roles'", field="groups_claim")
    return claim


def parse_rules(pairs: Iterable[tuple[str, str]]) -> list[GroupRule]:
    """(group, role) pairs as rules, checked: known roles, no empty, overlong or repeated
    group names."""
    rules: list[GroupRule] = []
    seen: set[str] = set()
    for index, (group, role) in enumerate(pairs):
        where = f"groups[{index}]"
        if not group or len(group) > 500:
            raise InvalidRecord("a group name must be 1 to 500 characters", field=where)
        if group in seen:
            raise InvalidRecord(f"group {group!r} is mapped twice", field=where)
        seen.add(group)
        rules.append(GroupRule(group, parse_role(role, f"{where}.role")))
    if len(rules) > MAX_RULES:
        raise InvalidRecord(f"at most {MAX_RULES} groups can be mapped", field="groups")
    return rules


def parse_role(role: str, field: str) -> Role:
    """A role by name, or an error listing the roles."""
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidRecord(f"must be one of: {known}", field=field) from None


def parse_default_role(value: str) -> Role | None:
    """The role for people in no mapped group; None (``deny``) refuses them."""
    if value == DENY:
        return None
    return parse_role(value, "default_role")


def groups_of(claim: object) -> list[str]:
    """The group names in an ID token claim: a list of strings, or one string."""
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [g for g in claim[:MAX_GROUPS_PER_LOGIN] if isinstance(g, str)]
    return []


_RANK = {role: rank for rank, role in enumerate(Role)}


def role_for(
    groups: Iterable[str], rules: Sequence[GroupRule], default: Role | None
) -> Role | None:
    """The most powerful role any of ``groups`` maps to; ``default`` when none maps.

    None means the person may not sign in.
    """
    members = set(groups)
    roles = [rule.role for rule in rules if rule.group in members]
    if not roles:
        return default
    return min(roles, key=_RANK.__getitem__)
