"""``veracity resolve``: truth inference on a CSV of crowd answers, no project or database."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from veracity.cli.context import err
from veracity.domain.export_formats import neutralise_cell
from veracity.domain.truth import Answers, Choice, Inference, Method, infer

ANSWER_COLUMNS = ("item", "worker", "label")
GOLD_COLUMNS = ("item", "label")


class MethodName(StrEnum):
    """``auto`` or one of the truth-inference methods."""

    auto = "auto"
    majority_vote = Method.majority_vote.value
    weighted_vote = Method.weighted_vote.value
    one_coin = Method.one_coin.value
    dawid_skene = Method.dawid_skene.value
    glad = Method.glad.value
    mace = Method.mace.value


class BadFile(Exception):
    """A CSV file that cannot be read as asked; the message names the line and column."""


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """``(line number, [values of columns])`` for each data row, streamed.

    The header must name every one of ``columns`` (in any order; other columns are
    ignored) and every cell of those columns must be non-empty.
    """
    name = path.name
    reader = None
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, strict=True)
            header = next(reader, None)
            if header is None:
                raise BadFile(f"{name} is empty; expected a header: {','.join(columns)}")
            names = [h.strip().lower() for h in header]
            missing = [c for c in columns if c not in names]
            if missing:
                raise BadFile(
                    f"{name} line 1: no column {missing[0]!r} in the header "
                    f"(expected {','.join(columns)})"
                )
            where = [names.index(c) for c in columns]
            width = len(names)
            for row in reader:
                if len(row) != width:
                    if not row:
                        continue
                    raise BadFile(
                        f"{name} line {reader.line_num}: expected {width} fields, found {len(row)}"
                    )
                values = [row[i].strip() for i in where]
                if not all(values):
                    column = columns[values.index("")]
                    raise BadFile(f"{name} line {reader.line_num}, column {column!r}: empty value")
                yield reader.line_num, values
    except UnicodeDecodeError as exc:
        raise BadFile(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 1
        raise BadFile(f"{name} line {line}: {exc}") from None
    except OSError as exc:
        raise BadFile(f"cannot read {path}: {exc.strerror}") from None


def _columns(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    """The values of ``columns``, one list per column, checked as :func:`_rows` checks them.

    A file without quotes (the usual export of answers) is split as text, which reads a
    million rows several times faster than the ``csv`` module; any file this fast path is
    not sure of (quotes, stray carriage returns, NULs, a short row, an empty cell) goes through
    :func:`_rows`, which reads it exactly and names the line of any fault.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise BadFile(f"cannot read {path}: {exc.strerror}") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    plain = '"' not in text and "\r" not in text and "\0" not in text
    lines = text.split("\n") if plain else []
    if lines and lines[-1] == "":
        lines.pop()
    if lines and "" not in lines:
        names = [h.strip().lower() for h in lines[0].split(",")]
        if all(c in names for c in columns):
            width, body = len(names), lines[1:]
            if all(line.count(",") == width - 1 for line in body):
                # One flat list of cells, each column a stride of it: no list per row.
                cells = ",".join(body).split(",") if body else []
                out = [[v.strip() for v in cells[names.index(c) :: width]] for c in columns]
                if all("" not in values for values in out):
                    return out
    rows = [values for _, values in _rows(path, columns)]
    return [list(values) for values in zip(*rows, strict=True)] or [[] for _ in columns]


def _read_gold(path: Path) -> dict[str, str]:
    gold: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, (item, label) in _rows(path, GOLD_COLUMNS):
        if item in gold and gold[item] != label:
            raise BadFile(
                f"{path.name} line {line}, column 'item': {item!r} already has gold label "
                f"{gold[item]!r} (line {first_line[item]})"
            )
        gold[item] = label
        first_line.setdefault(item, line)
    return gold


def _say(text: str) -> None:
    err.print(text, highlight=False, soft_wrap=True)


def _summary(inference: Inference, answers: Answers, choice: MethodName, seconds: float) -> None:
    if choice is MethodName.auto:
        yardstick = (
            "held-out gold accuracy"
            if inference.criterion == "gold"
            else "held-out annotation log-likelihood"
        )
        scores = ", ".join(f"{m.value} {v:.4f}" for m, v in inference.criteria.items())
        _say(f"method: {inference.method.value} (auto, by {yardstick}: {scores})")
    else:
        _say(f"method: {inference.method.value}")
    annotated = answers.item_counts > 0
    confidence = inference.confidence[annotated]
    sure = int((confidence >= 0.9).sum())
    share = sure / len(confidence) if len(confidence) else 0.0
    _say(
        f"resolved {int(annotated.sum()):,} items from {answers.n_annotations:,} annotations "
        f"by {answers.n_workers:,} workers into {answers.n_classes} classes in {seconds:.2f} s"
    )
    _say(
        f"confidence: mean {confidence.mean():.3f}; {sure:,} items ({share:.1%}) at 0.9 or "
        f"more (temperature {inference.model.temperature:.3g})"
    )
    if len(answers.gold_items):
        _say(f"gold: {len(answers.gold_items):,} items used as known truth")


def resolve(
    answers_csv: Annotated[
        Path,
        typer.Argument(
            metavar="ANSWERS.csv",
            help="Crowd answers: a CSV with the columns item,worker,label.",
            dir_okay=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="LABELS.csv",
            help="Where to write item,label,confidence (one row per item).",
            dir_okay=False,
        ),
    ],
    method: Annotated[
        MethodName, typer.Option(help="Truth-inference method; auto chooses from the data.")
    ] = MethodName.auto,
    gold: Annotated[
        Path | None,
        typer.Option(
            metavar="GOLD.csv",
            help="Known labels (columns item,label), used as truth and to calibrate.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Resolve a file of crowd answers into one label per item, with a calibrated confidence.

    No project or database is needed. Gold items keep their known label (confidence 1).
    Which method auto chose, and a summary, go to standard error.
    """
    started = time.perf_counter()
    try:
        gold_labels = _read_gold(gold) if gold is not None else {}
        items, workers, labels = _columns(answers_csv, ANSWER_COLUMNS)
        answers = Answers.encode_columns(items, workers, labels, gold=gold_labels)
    except BadFile as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    if answers.n_annotations == 0:
        err.print(f"[red]error:[/red] {answers_csv.name} has no answers", highlight=False)
        raise typer.Exit(1)
    choice: Choice = "auto" if method is MethodName.auto else Method(method.value)
    inference = infer(answers, choice)
    _write_labels(output, answers, inference)
    _summary(inference, answers, method, time.perf_counter() - started)


def _write_labels(path: Path, answers: Answers, inference: Inference) -> None:
    classes = [neutralise_cell(c) for c in answers.class_names]
    items = answers.item_names
    annotated = answers.item_counts > 0
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["item", "label", "confidence"])
            writer.writerows(
                (neutralise_cell(items[i]), classes[inference.labels[i]], f"{c:.6f}")
                for i, c in enumerate(inference.confidence.tolist())
                if annotated[i]
            )
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {path}: {exc.strerror}", highlight=False)
        raise typer.Exit(1) from None
