"""The organization's identity provider (single sign-on), for its owners and admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.schemas.single_sign_on import SsoIn, SsoOut
from veracity.services.single_sign_on import Provider, ProviderSettings

router = APIRouter(prefix="/api/v1/organizations/current", tags=["accounts"], route_class=JsonRoute)


def _out(provider: Provider, request: Request) -> dict[str, Any]:
    return {
        "slug": provider.slug,
        "display_name": provider.display_name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret_set": True,
        "groups_claim": provider.groups_claim,
        "groups": [{"group": r.group, "role": r.role.value} for r in provider.groups],
        "default_role": provider.default_role,
        "allow_password": provider.allow_password,
        "login_url": str(request.url_for("sso_login", slug=provider.slug)),
        "redirect_uri": str(request.url_for("sso_callback", slug=provider.slug)),
    }


@router.get("/sso", response_model=SsoOut, responses=errors(403, 404))
def get_sso(request: Request, caller: CurrentCaller, svc: Svc) -> Any:
    """The organization's identity provider; the client secret is never returned."""
    return _out(svc.sso.provider(caller), request)


@router.put("/sso", response_model=SsoOut, responses=errors(403))
def put_sso(body: SsoIn, request: Request, caller: CurrentCaller, svc: Svc) -> Any:
    """Set the organization's identity provider (owners and admins). Register
    ``redirect_uri`` from the answer at the provider."""
    wanted = ProviderSettings(
        slug=body.slug,
        display_name=body.display_name,
        issuer=body.issuer,
        client_id=body.client_id,
        client_secret=body.client_secret,
        groups_claim=body.groups_claim,
        groups=tuple((g.group, g.role) for g in body.groups),
        default_role=body.default_role,
        allow_password=body.allow_password,
    )
    return _out(svc.sso.configure(caller, wanted), request)


@router.delete("/sso", status_code=204, responses=errors(403, 404))
def delete_sso(caller: CurrentCaller, svc: Svc) -> None:
    """Stop single sign-on for the organization; password sign-in works again."""
    svc.sso.remove(caller)
