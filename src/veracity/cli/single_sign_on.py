"""``veracity org sso``: an organization's identity provider, from the server's command line.

The operator acts as an owner of the organization they name; this is also the way back in
when the identity provider is down and password sign-in was turned off.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from veracity.cli.context import err, open_services
from veracity.domain.caller import Caller
from veracity.domain.errors import InvalidRecord
from veracity.services.single_sign_on import Provider, ProviderSettings

sso_app = typer.Typer(
    help="Single sign-on through an OpenID Connect provider.", no_args_is_help=True
)


def _show(provider: Provider) -> None:
    typer.echo(
        json.dumps(
            {
                "slug": provider.slug,
                "display_name": provider.display_name,
                "issuer": provider.issuer,
                "client_id": provider.client_id,
                "client_secret_set": True,
                "groups_claim": provider.groups_claim,
                "groups": [{"group": r.group, "role": r.role.value} for r in provider.groups],
                "default_role": provider.default_role,
                "allow_password": provider.allow_password,
                "login_path": f"/sso/{provider.slug}/login",
                "redirect_path": f"/sso/{provider.slug}/callback",
            },
            indent=2,
        )
    )


def _pairs(mappings: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for mapping in mappings:
        group, sep, role = mapping.rpartition("=")
        if not sep or not group:
            raise InvalidRecord(f"{mapping!r} is not GROUP=ROLE", field="map")
        pairs.append((group, role))
    return tuple(pairs)


@sso_app.command("set")
def sso_set(
    org: Annotated[str, typer.Argument(help="The organization's name.")],
    slug: Annotated[str, typer.Option(help="Sign-in name in /sso/<slug>/login.")],
    issuer: Annotated[
        str, typer.Option(help="Issuer URL: https, or http only on 127.0.0.1/localhost.")
    ],
    client_id: Annotated[str, typer.Option(help="The client id registered at the provider.")],
    name: Annotated[str, typer.Option(help='Shown as "Sign in with <name>".')] = "",
    client_secret_stdin: Annotated[
        bool,
        typer.Option(
            "--client-secret-stdin",
            help="Read the client secret from standard input (needed the first time).",
        ),
    ] = False,
    groups_claim: Annotated[
        str, typer.Option(help="ID token claim that lists the person's groups.")
    ] = "groups",
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="GROUP=ROLE; repeat for each group."),
    ] = None,
    default_role: Annotated[
        str, typer.Option(help="Role of people in no mapped group, or 'deny'.")
    ] = "deny",
    allow_password: Annotated[
        bool,
        typer.Option(
            "--allow-password/--no-password",
            help="Whether members may still sign in with a password.",
        ),
    ] = True,
) -> None:
    """Set (create or change) an organization's identity provider."""
    secret = sys.stdin.readline().rstrip("\r\n") if client_secret_stdin else None
    with open_services() as svc:
        caller = Caller.operator(svc.accounts.org_id(org))
        wanted = ProviderSettings(
            slug=slug,
            display_name=name or org,
            issuer=issuer,
            client_id=client_id,
            client_secret=secret,
            groups_claim=groups_claim,
            groups=_pairs(map_ or []),
            default_role=default_role,
            allow_password=allow_password,
        )
        provider = svc.sso.configure(caller, wanted)
    _show(provider)
    err.print(
        f"register the redirect URI <server URL>/sso/{provider.slug}/callback at the provider",
        highlight=False,
    )


@sso_app.command("show")
def sso_show(org: Annotated[str, typer.Argument(help="The organization's name.")]) -> None:
    """Print an organization's identity provider (never its client secret)."""
    with open_services() as svc:
        provider = svc.sso.provider(Caller.operator(svc.accounts.org_id(org)))
    _show(provider)


@sso_app.command("remove")
def sso_remove(org: Annotated[str, typer.Argument(help="The organization's name.")]) -> None:
    """Stop single sign-on for an organization; password sign-in works again."""
    with open_services() as svc:
        svc.sso.remove(Caller.operator(svc.accounts.org_id(org)))
    err.print(f"single sign-on removed from {org}", highlight=False)
