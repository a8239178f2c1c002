"""Roles in an organization and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role in one organization, from most to least powerful."""

    owner = "owner"
    admin = "admin"
    manager = "manager"
    reviewer = "reviewer"
    annotator = "annotator"


class Permission(StrEnum):
    """Things a caller may be allowed to do inside their organization."""

    manage_members = "manage_members"
    manage_sign_in = "manage_sign_in"
    write_project = "write_project"
    read_project = "read_project"
    write_items = "write_items"
    write_gold = "write_gold"
    read_results = "read_results"
    export = "export"
    read_stats = "read_stats"
    review = "review"
    run_jobs = "run_jobs"
    work = "work"


_EVERYONE = frozenset(Role)
_LEADS = frozenset({Role.owner, Role.admin})

_GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.manage_members: frozenset({Role.owner, Role.admin, Role.manager}),
    Permission.manage_sign_in: _LEADS,
    Permission.write_project: _LEADS,
    Permission.read_project: _EVERYONE,
    Permission.write_items: _LEADS,
    Permission.write_gold: _LEADS,
    Permission.read_results: frozenset({Role.owner, Role.admin, Role.manager}),
    Permission.export: _LEADS,
    Permission.read_stats: frozenset({Role.owner, Role.admin, Role.manager, Role.reviewer}),
    Permission.review: frozenset({Role.owner, Role.admin, Role.manager, Role.reviewer}),
    Permission.run_jobs: frozenset({Role.owner, Role.admin, Role.manager}),
    Permission.work: _EVERYONE,
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` carries ``permission``."""
    return role in _GRANTS[permission]


def may_grant(granter: Role, role: Role) -> bool:
    """Whether a member with role ``granter`` may give someone ``role``.

    Owners grant anything; admins anything but owner; managers only the working roles.
    """
    if granter is Role.owner:
        return True
    if granter is Role.admin:
        return role is not Role.owner
    if granter is Role.manager:
        return role in (Role.reviewer, Role.annotator)
    return False
