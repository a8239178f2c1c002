"""Every table, one module per aggregate, all on one ``metadata``."""

from veracity.storage.tables.accounts import (
    api_tokens,
    invitations,
    memberships,
    organizations,
    sign_in_failures,
    users,
    web_sessions,
)
from veracity.storage.tables.audit import audit_events
from veracity.storage.tables.base import metadata
from veracity.storage.tables.items import items
from veracity.storage.tables.jobs import jobs, truth_models
from veracity.storage.tables.labels import annotations, assignments, gold, resolutions
from veracity.storage.tables.projects import projects
from veracity.storage.tables.reviews import reviews
from veracity.storage.tables.single_sign_on import sso_group_rules, sso_identities, sso_providers
from veracity.storage.tables.workers import worker_blocks, worker_scores

__all__ = [
    "annotations",
    "api_tokens",
    "assignments",
    "audit_events",
    "gold",
    "invitations",
    "items",
    "jobs",
    "memberships",
    "metadata",
    "organizations",
    "projects",
    "resolutions",
    "reviews",
    "sign_in_failures",
    "sso_group_rules",
    "sso_identities",
    "sso_providers",
    "truth_models",
    "users",
    "web_sessions",
    "worker_blocks",
    "worker_scores",
]
