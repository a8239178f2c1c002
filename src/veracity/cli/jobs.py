"""``veracity jobs``: run a background job here with a progress bar, or list a project's
jobs; ``veracity worker``: consume jobs from the Redis queue."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from veracity.cli.context import err, open_services
from veracity.jobs import JobQueue
from veracity.settings import Settings

jobs_app = typer.Typer(help="Background jobs: run one here, or list a project's.")


class Kind(StrEnum):
    """The kinds of job."""

    resolve = "resolve"


ProjectOption = Annotated[int, typer.Option("--project", "-p", help="The project's id.")]


@jobs_app.command("run")
def run(
    kind: Annotated[
        Kind, typer.Argument(help="`resolve`: refit the truth model and re-resolve every item.")
    ],
    project: ProjectOption,
) -> None:
    """Run a job on a project in this process, with a progress bar (not on the queue)."""
    with open_services() as svc:
        caller = svc.projects.operator_caller(project)
        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        with Progress(*columns, console=err) as progress:
            task = progress.add_task(kind.value, total=None)

            def show(done: int, total: int, step: str) -> None:
                progress.update(task, completed=done, total=total, description=step)

            job = svc.jobs.run_here(caller, project, kind.value, listener=show)
    if job.state != "done":
        err.print(f"[red]error:[/red] job {job.id} {job.state}: {job.error}", highlight=False)
        raise typer.Exit(1)
    result = job.result or {}
    methods = ", ".join(f"{k}: {v}" for k, v in result.get("methods", {}).items()) or "none"
    err.print(
        f"job {job.id} done: {result.get('annotations_seen', 0)} annotations, "
        f"{result.get('items_resolved', 0)} items resolved again; methods {methods}",
        highlight=False,
    )


@jobs_app.command("list")
def list_jobs(project: ProjectOption) -> None:
    """The project's most recent jobs, newest first: id, kind, state, progress, error."""
    with open_services() as svc:
        caller = svc.projects.operator_caller(project)
        for job in svc.jobs.project_jobs(caller, project):
            total = "?" if job.total is None else str(job.total)
            line = f"{job.id}\t{job.kind}\t{job.state}\t{job.done}/{total}"
            typer.echo(f"{line}\t{job.error}" if job.error else line)


def worker(
    threads: Annotated[int, typer.Option(help="Jobs run at once by this worker.")] = 1,
) -> None:
    """Run queued jobs from the Redis queue (VERACITY_REDIS_URL) until stopped."""
    settings = Settings()
    if not settings.redis_url:
        err.print(
            "[red]error:[/red] VERACITY_REDIS_URL is not set; without it every server "
            "process runs jobs itself and no worker is needed",
            highlight=False,
        )
        raise typer.Exit(2)
    with open_services(settings) as svc:
        JobQueue(settings, svc).run_worker(threads)
