"""The caller, their tokens, the organization's members and invitations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import MAX_ID
from veracity.api.schemas.accounts import (
    InvitationIn,
    InvitationOut,
    MemberList,
    MeOut,
    TokenIn,
    TokenOut,
)

router = APIRouter(prefix="/api/v1", tags=["accounts"], route_class=JsonRoute)


@router.get("/me", response_model=MeOut, responses=errors())
def me(caller: CurrentCaller) -> Any:
    """Who the credentials belong to, in which organization, with which role."""
    return {
        "user_id": caller.user_id,
        "email": caller.email,
        "org_id": caller.org_id,
        "role": caller.role.value,
    }


@router.post("/tokens", status_code=201, response_model=TokenOut, responses=errors(403))
def create_token(body: TokenIn, caller: CurrentCaller, svc: Svc) -> Any:
    """A new API token for the caller. It is shown once; only its hash is kept."""
    new = svc.accounts.create_own_token(caller, body.name)
    return {"id": new.id, "token": new.token}


@router.delete("/tokens/{token_id}", status_code=204, responses=errors(403, 404))
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=MAX_ID)], caller: CurrentCaller, svc: Svc
) -> None:
    """Revoke one of the caller's tokens."""
    svc.accounts.revoke_own_token(caller, token_id)


@router.get("/members", response_model=MemberList, responses=errors(403))
def members(caller: CurrentCaller, svc: Svc) -> Any:
    """The members of the caller's organization."""
    return {
        "members": [
            {"user_id": m.user_id, "email": m.email, "name": m.name, "role": m.role.value}
            for m in svc.accounts.members(caller)
        ]
    }


@router.post("/invitations", status_code=201, response_model=InvitationOut, responses=errors(403))
def invite(body: InvitationIn, request: Request, caller: CurrentCaller, svc: Svc) -> Any:
    """Invite someone into the caller's organization; send them the returned link."""
    new = svc.accounts.invite(caller, body.email, body.role)
    url = str(request.url_for("invitation_page", token=new.token))
    return {"id": new.id, "email": new.email, "role": new.role.value, "url": url}
