"""Turning an item's annotations into its resolution, inside the caller's transaction.

A project with a fitted truth model (see :mod:`veracity.services.truth_fit`) resolves each
categorical field through the model's posterior: workers the fit knows are weighted by their
parameters, others by the population's prior, at the cost of a small sum; no refit happens
on a submission. Without a model, every field takes its kind's majority vote.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from veracity.domain.truth import FittedModel, Resolved, majority_vote
from veracity.domain.truth import resolve_item as resolve_with_models
from veracity.storage.queries import resolutions as resolutions_q
from veracity.storage.queries import truth_models as q
from veracity.storage.types import AnyRow, utcnow

if TYPE_CHECKING:
    from veracity.services.projects import Project

# (worker, value): a worker is ``user:<id>`` for work done here, ``outside:<id>`` for
# annotations imported with an outside worker's id.
Answer = tuple[str, dict[str, Any]]


def user_worker(user_id: int) -> str:
    """The worker name a fitted model knows a Veracity user by."""
    return f"user:{user_id}"


def worker_of(user_id: int | None, external_worker: str | None) -> str:
    """The worker name of a stored annotation."""
    if user_id is not None:
        return user_worker(user_id)
    return f"outside:{external_worker}"


def answers_of(rows: Sequence[AnyRow]) -> list[Answer]:
    """(worker, value) pairs from annotation rows with ``user_id``, ``external_worker``,
    ``value``."""
    return [(worker_of(r.user_id, r.external_worker), r.value) for r in rows]


@dataclass(frozen=True, slots=True)
class CurrentModel:
    """A project's fitted models (one per categorical field) and what the fit saw."""

    version: int
    models: Mapping[str, FittedModel]
    annotations_seen: int
    last_annotation_id: int


class TruthModels:
    """Each project's current fitted models, parsed once per process per model version.

    Submitting must not parse JSON each time. A cached entry is trusted for ``ttl_seconds``;
    after that one indexed read of the newest version says whether it is still current (the
    models are only read again when it is not). A refit in this process takes effect here at
    once (:meth:`forget`), in other processes within ``ttl_seconds``.
    """

    def __init__(self, ttl_seconds: float = 5.0, size: int = 256) -> None:
        self.ttl = ttl_seconds
        self._size = size
        self._entries: dict[int, tuple[float, CurrentModel | None]] = {}

    def current(self, conn: Connection, project_id: int) -> CurrentModel | None:
        """The project's current models, or None before its first fit."""
        now = time.monotonic()
        hit = self._entries.get(project_id)
        if hit is not None and now - hit[0] <= self.ttl:
            return hit[1]
        version = q.current_version(conn, project_id)
        cached = hit[1] if hit is not None else None
        if version is None:
            loaded = None
        elif cached is not None and cached.version == version:
            loaded = cached
        else:
            loaded = self._load(conn, version)
        if len(self._entries) >= self._size and project_id not in self._entries:
            self._entries.clear()
        self._entries[project_id] = (now, loaded)
        return loaded

    @staticmethod
    def _load(conn: Connection, version: int) -> CurrentModel | None:
        row = q.model(conn, version)
        if row is None:  # replaced between the two reads: the next call finds the new one
            return None
        return CurrentModel(
            version=int(row.id),
            models={name: FittedModel.from_json(data) for name, data in row.models.items()},
            annotations_seen=int(row.annotations_seen),
            last_annotation_id=int(row.last_annotation_id),
        )

    def forget(self, project_id: int) -> None:
        """Drop the cached models of a project that was just refitted."""
        self._entries.pop(project_id, None)


def resolve_answers(
    project: Project, answers: Sequence[Answer], models: Mapping[str, FittedModel] | None
) -> Resolved:
    """One item's resolution from its (worker, value) answers: through the fitted models
    when there are any, else by majority vote."""
    if not models:
        return majority_vote(project.schema, [value for _, value in answers])
    pairs: Sequence[tuple[Hashable, Mapping[str, Any]]] = answers
    return resolve_with_models(project.schema, pairs, models)


def resolve_item(
    conn: Connection,
    project: Project,
    item_id: int,
    answers: list[Answer] | None = None,
    truth: TruthModels | None = None,
) -> Resolved | None:
    """(Re)compute one item's resolution from its current annotations; return it (None when
    the item has no annotations).

    Pass ``answers`` when the caller already knows them all (a single annotation just
    stored) to save reading them back; pass ``truth`` to resolve through the project's
    fitted model (without it: majority vote).
    """
    current = truth.current(conn, project.id) if truth is not None else None
    return resolve_with(conn, project, item_id, current.models if current else None, answers)


def resolve_with(
    conn: Connection,
    project: Project,
    item_id: int,
    models: Mapping[str, FittedModel] | None,
    answers: list[Answer] | None = None,
) -> Resolved | None:
    """Resolve one item through ``models`` (majority vote without them) and store the
    resolution; None when the item has no annotations."""
    if answers is None:
        answers = answers_of(q.item_answers(conn, item_id))
    if not answers:
        return None
    resolved = resolve_answers(project, answers, models)
    resolutions_q.save_resolution(
        conn,
        item_id=item_id,
        project_id=project.id,
        value=resolved.value,
        confidence=resolved.confidence,
        method=resolved.method.value,
        source=resolved.source.value,
        n_annotations=len(answers),
        now=utcnow(),
    )
    return resolved
