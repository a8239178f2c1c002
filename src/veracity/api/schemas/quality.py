"""A project's quality report on the wire."""

from __future__ import annotations

from pydantic import BaseModel


class StatisticOut(BaseModel):
    """A figure with the items and annotations behind it, or None and why."""

    value: float | None
    items: int
    annotations: int
    reason: str | None


class MatrixOut(BaseModel):
    """Counts by label: ``counts[i][j]`` pairs ``labels[i]`` (row) with ``labels[j]``."""

    labels: list[str]
    counts: list[list[int]]


class WorkerQualityOut(BaseModel):
    """One worker against the reference labels."""

    worker: str
    compared: int
    correct: int
    accuracy: float
    confusion: MatrixOut | None


class PairOut(BaseModel):
    """Cohen's kappa of two workers over the items both answered."""

    worker_a: str
    worker_b: str
    kappa: StatisticOut
    observed: float


class AgreementOut(BaseModel):
    """Agreement on one question (a field, or one option of a multi-choice field)."""

    level: str
    alpha: StatisticOut
    fleiss_kappa: StatisticOut
    observed: StatisticOut
    co_occurrence: MatrixOut | None
    against_reference: MatrixOut | None
    workers: list[WorkerQualityOut]
    cohen: list[PairOut]


class FieldQualityOut(AgreementOut):
    """Agreement on one field of the schema."""

    name: str
    kind: str
    compared: str
    options: dict[str, AgreementOut]


class QualityOut(BaseModel):
    """The quality report of a project."""

    project_id: int
    annotations: int
    items_with_reference: int
    fields: list[FieldQualityOut]
