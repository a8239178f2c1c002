"""``veracity org``, ``veracity user`` and ``veracity token``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from veracity.cli.context import err, open_services
from veracity.domain.roles import Role

org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their memberships.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@org_app.command("create")
def org_create(name: Annotated[str, typer.Argument(help="The organization's name.")]) -> None:
    """Create an organization and print its id."""
    with open_services() as svc:
        org_id = svc.accounts.create_org(name)
    typer.echo(org_id)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The user's email (their sign-in name).")],
    org: Annotated[str, typer.Option(help="Name of the organization to join.")],
    role: Annotated[Role, typer.Option(help="Role in that organization.")] = Role.annotator,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password from standard input.")
    ] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create a user (or find them) and give them a role in an organization."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with open_services() as svc:
        user_id = svc.accounts.create_user(email, org, role.value, password, name)
    err.print(f"user {email} ({user_id}) is {role.value} of {org}", highlight=False)


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="Whose token.")],
    org: Annotated[
        str | None, typer.Option(help="Organization, if the user belongs to several.")
    ] = None,
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "",
) -> None:
    """Print a new API token on stdout, nothing else. It is not stored, only its hash."""
    with open_services() as svc:
        new = svc.accounts.create_token(email, org, name)
    typer.echo(new.token)
