"""The former name of :mod:`classmood.models.expression` (kept so older imports keep working;
``EmotionClassifier`` is the former name of ``ExpressionClassifier``)."""

from .expression import *  # noqa: F401,F403
from .expression import ASSETS, DEFAULT_MODEL, EmotionClassifier, ExpressionClassifier, ModelInfo, default_model_path, softmax  # noqa: F401
