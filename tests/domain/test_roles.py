"""What each role may do."""

from __future__ import annotations

from veracity.domain.roles import Permission, Role, allows, may_grant


def test_annotators_work_but_never_export_or_change_projects() -> None:
    assert allows(Role.annotator, Permission.work)
    assert not allows(Role.annotator, Permission.export)
    assert not allows(Role.annotator, Permission.write_project)
    assert not allows(Role.annotator, Permission.write_gold)
    assert not allows(Role.annotator, Permission.read_results)


def test_owners_and_admins_run_projects() -> None:
    for role in (Role.owner, Role.admin):
        assert allows(role, Permission.write_project)
        assert allows(role, Permission.export)


def test_managers_grant_only_working_roles() -> None:
    assert may_grant(Role.manager, Role.annotator)
    assert may_grant(Role.manager, Role.reviewer)
    assert not may_grant(Role.manager, Role.admin)
    assert not may_grant(Role.admin, Role.owner)
    assert may_grant(Role.owner, Role.owner)
    assert not may_grant(Role.annotator, Role.annotator)
