"""Models that learn a project's labels from its own items: the plug-in interface and the
built-in models. Pure computation on values passed in (no I/O, nothing downloaded).

- :class:`LabelModel` is what every model offers: fit on labeled items, predict a
  probability per class for any item.
- :class:`TextClassifier` is the built-in model for text items: TF-IDF and a linear model.
- :func:`out_of_sample_probabilities` gives every labeled item a prediction from a model
  that never saw its label (k-fold), which is what confident learning needs.
"""

from veracity.domain.models.base import LabelModel, item_text
from veracity.domain.models.out_of_sample import out_of_sample_probabilities
from veracity.domain.models.text_classifier import TextClassifier

__all__ = ["LabelModel", "TextClassifier", "item_text", "out_of_sample_probabilities"]
