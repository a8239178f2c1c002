"""The ``veracity`` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from veracity import __version__
from veracity.cli import (
    accounts,
    demo,
    jobs,
    migrate,
    resolve,
    serve,
    single_sign_on,
    transfer,
)

app = typer.Typer(
    help="Veracity: the open, self-hosted data engine for AI training data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(serve.serve)
app.command()(demo.demo)
app.command()(migrate.migrate)
app.command("import")(transfer.import_items)
app.command()(transfer.export)
app.command()(resolve.resolve)
accounts.org_app.add_typer(single_sign_on.sso_app, name="sso")
app.add_typer(accounts.org_app, name="org")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(jobs.jobs_app, name="jobs")
app.command()(jobs.worker)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)
