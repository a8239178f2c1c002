"""Label kinds. Importing this package registers the built-in kinds."""

from veracity.domain.schema_kinds import (  # generative-AI kinds (issue #3)
    choice,
    multi_choice,
    pairwise,
    ranking,
    rating,
    reasoning,
    response,
    rubric,
    step_review,
    text,
)
from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.registry import get, names, register

__all__ = [
    "Consensus",
    "FieldKind",
    "choice",
    "get",
    "multi_choice",
    "names",
    "pairwise",
    "ranking",
    "rating",
    "reasoning",
    "register",
    "response",
    "rubric",
    "step_review",
    "text",
]
