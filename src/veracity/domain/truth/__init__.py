"""Truth inference: one final value per item from all of its annotations.

- :func:`majority_vote` combines one item's values field by field, each kind its own way.
- :func:`infer` resolves a whole data set of categorical answers (:class:`Answers`),
  weighting each worker by what the data and gold say of them: majority vote, weighted
  vote, one-coin and full Dawid-Skene, GLAD, MACE, or ``auto`` to choose per data set.
  Its :class:`FittedModel` resolves new items incrementally and serialises to JSON.
- :func:`fit_fields` and :func:`resolve_item` apply that to a label schema, field by field.

docs/truth-inference.md describes the methods, the ``auto`` rule and the calibration.
"""

from veracity.domain.truth.answers import Answers
from veracity.domain.truth.fields import fit_fields, resolve_item
from veracity.domain.truth.fitted import FittedModel, ItemPosterior
from veracity.domain.truth.inference import AUTO_CANDIDATES, Choice, Inference, infer
from veracity.domain.truth.resolution import Method, Resolved, Source, majority_vote

__all__ = [
    "AUTO_CANDIDATES",
    "Answers",
    "Choice",
    "FittedModel",
    "Inference",
    "ItemPosterior",
    "Method",
    "Resolved",
    "Source",
    "fit_fields",
    "infer",
    "majority_vote",
    "resolve_item",
]
