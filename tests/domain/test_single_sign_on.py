"""Which identity providers may be configured, and which role a person's groups give them."""

from __future__ import annotations

import pytest

from veracity.domain.errors import InvalidRecord
from veracity.domain.roles import Role
from veracity.domain.single_sign_on import (
    GroupRule,
    check_provider_url,
    check_slug,
    groups_of,
    parse_default_role,
    parse_rules,
    role_for,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://login.example.com",
        "https://example.com/realms/acme",
        "http://127.0.0.1:8080",
        "http://127.5.5.5",
        "http://localhost:9000/oidc",
        "http://[::1]:8080",
    ],
)
def test_https_or_loopback_issuers_are_accepted(url: str) -> None:
    assert check_provider_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://idp.example.com", "must use https"),
        ("http://10.0.0.5", "must use https"),
        ("http://169.254.169.254", "must use https"),
        ("http://localhost.evil.example", "must use https"),
        ("ftp://idp.example.com", "https://"),
        ("file:///etc/passwd", "https://"),
        ("https://", "https://"),
        ("https://user:pw@idp.example.com", "credentials"),
        ("https://idp.example.com/?x=1", "query"),
        ("https://idp.example.com/\n", "URL"),
        ("https://" + "a" * 500 + ".com", "URL"),
    ],
)
def test_other_issuers_are_refused_naming_the_field(url: str, why: str) -> None:
    with pytest.raises(InvalidRecord) as refused:
        check_provider_url(url)
    assert refused.value.field == "issuer"
    assert why in refused.value.reason


def test_slugs() -> None:
    assert check_slug("acme-labs2") == "acme-labs2"
    for bad in ("", "-acme", "acme-", "Acme", "a b", "a" * 65, "acme/x"):
        with pytest.raises(InvalidRecord):
            check_slug(bad)


def test_the_most_powerful_mapped_role_wins_and_the_default_covers_the_rest() -> None:
    rules = parse_rules([("staff", "annotator"), ("leads", "manager"), ("qa", "reviewer")])
    assert role_for(["qa", "staff"], rules, None) is Role.reviewer
    assert role_for(["staff", "leads", "qa"], rules, None) is Role.manager
    assert role_for(["visitors"], rules, None) is None
    assert role_for([], rules, Role.annotator) is Role.annotator
    assert role_for(["staff"], rules, Role.admin) is Role.annotator  # a mapped group wins
    assert parse_default_role("deny") is None
    assert parse_default_role("reviewer") is Role.reviewer


def test_rules_are_checked_naming_the_rule() -> None:
    with pytest.raises(InvalidRecord) as unknown:
        parse_rules([("a", "annotator"), ("b", "king")])
    assert unknown.value.field == "groups[1].role"
    with pytest.raises(InvalidRecord) as twice:
        parse_rules([("a", "annotator"), ("a", "owner")])
    assert twice.value.field == "groups[1]"
    with pytest.raises(InvalidRecord):
        parse_rules([("", "annotator")])
    assert parse_rules([("a", "owner")]) == [GroupRule("a", Role.owner)]


def test_groups_claim_shapes() -> None:
    assert groups_of(["a", "b", 3, None]) == ["a", "b"]
    assert groups_of("a") == ["a"]
    assert groups_of(None) == []
    assert groups_of({"a": 1}) == []
