"""An organization's identity provider on the wire. The client secret goes in, never out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GroupRoleIn(BaseModel):
    """People in ``group`` at the identity provider get ``role``."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1, max_length=500)
    role: str = Field(max_length=16)


class GroupRoleOut(BaseModel):
    """One group rule."""

    group: str
    role: str


class SsoIn(BaseModel):
    """The identity provider to sign the organization's people in with (OpenID Connect)."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=64, description="The organization's name in `/sso/<slug>/login`.")
    display_name: str = Field(
        max_length=100, description='Shown on the sign-in page as "Sign in with <name>".'
    )
    issuer: str = Field(
        max_length=500,
        description="The provider's issuer URL: https, or http only on 127.0.0.1/localhost.",
    )
    client_id: str = Field(max_length=500)
    client_secret: str | None = Field(
        None,
        max_length=2000,
        description="Write-only: stored encrypted, never returned. Required the first time; "
        "leave out to keep the stored one.",
    )
    groups_claim: str = Field(
        "groups", max_length=100, description="The ID token claim that lists the person's groups."
    )
    groups: list[GroupRoleIn] = Field(
        default_factory=list,
        max_length=500,
        description="Group -> role rules; a person gets the most powerful role of their groups.",
    )
    default_role: str = Field(
        "deny",
        max_length=16,
        description="Role of people in no mapped group, or `deny` to refuse them.",
    )
    allow_password: bool = Field(
        True, description="Whether the organization's members may still sign in with a password."
    )


class SsoOut(BaseModel):
    """The organization's identity provider (without its client secret)."""

    slug: str
    display_name: str
    issuer: str
    client_id: str
    client_secret_set: bool
    groups_claim: str
    groups: list[GroupRoleOut]
    default_role: str
    allow_password: bool
    login_url: str
    redirect_uri: str
