"""Callers, tokens, members and invitations on the wire."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MeOut(BaseModel):
    """Who the caller is."""

    user_id: int | None
    email: str
    org_id: int
    role: str


class TokenIn(BaseModel):
    """A name to recognise a new token by."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=200)


class TokenOut(BaseModel):
    """A new API token, shown this once."""

    id: int
    token: str


class MemberOut(BaseModel):
    """A member of the organization."""

    user_id: int
    email: str
    name: str
    role: str


class MemberList(BaseModel):
    """The organization's members."""

    members: list[MemberOut]


class InvitationIn(BaseModel):
    """Whom to invite, and as what."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    role: str = "annotator"


class InvitationOut(BaseModel):
    """An invitation; send ``url`` to the person (it is shown this once)."""

    id: int
    email: str
    role: str
    url: str
