"""Label kinds. Importing this package registers the built-in kinds."""

from veracity.domain.schema_kinds import choice, multi_choice, rating, text
from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.registry import get, names, register

__all__ = [
    "Consensus",
    "FieldKind",
    "choice",
    "get",
    "multi_choice",
    "names",
    "rating",
    "register",
    "text",
]
