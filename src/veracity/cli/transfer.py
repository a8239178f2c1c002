"""``veracity import`` and ``veracity export``, with progress bars."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from veracity.cli.context import err, open_services
from veracity.domain import export_formats
from veracity.services.item_readers import SUFFIXES, ItemFormat, read_records


def import_items(
    project: Annotated[int, typer.Argument(help="The project's id.")],
    file: Annotated[
        Path,
        typer.Argument(help="A .json, .jsonl/.ndjson or .csv file.", exists=True, dir_okay=False),
    ],
    format: Annotated[
        ItemFormat | None, typer.Option(help="File format; by default from the suffix.")
    ] = None,
) -> None:
    """Import items into a project: all or nothing, idempotent by external_id."""
    fmt = format or SUFFIXES.get(file.suffix.lower())
    if fmt is None:
        err.print("[red]error:[/red] cannot tell the format from the suffix; pass --format")
        raise typer.Exit(2)
    with open_services() as svc:
        caller = svc.projects.operator_caller(project)
        columns = [
            TextColumn("importing"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        ]
        with (
            file.open("rb") as raw,
            Progress(*columns, console=err, transient=False) as progress,
        ):
            size = file.stat().st_size
            reader = progress.wrap_file(raw, total=size, description="import")
            result = svc.items.import_records(caller, project, read_records(reader, fmt))
    err.print(
        f"created {result.created}, unchanged {result.unchanged}, updated {result.updated}",
        highlight=False,
    )


def export(
    project: Annotated[int, typer.Argument(help="The project's id.")],
    format: Annotated[
        str, typer.Option(help=f"One of: {', '.join(export_formats.names())}.")
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write; standard output if omitted."),
    ] = None,
) -> None:
    """Export every item with its annotations and resolution."""
    with open_services() as svc:
        caller = svc.projects.operator_caller(project)
        columns = [
            TextColumn("exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("export", total=None)
            result = svc.exports.export(
                caller, project, format, on_progress=lambda n: progress.advance(task, n)
            )
            progress.update(task, total=result.total_items)
            sink = output.open("wb") if output is not None else sys.stdout.buffer
            try:
                for chunk in result.chunks:
                    sink.write(chunk)
            finally:
                if output is not None:
                    sink.close()
                else:
                    sink.flush()
