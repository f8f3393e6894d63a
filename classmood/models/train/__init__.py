"""Train ClassMood's expression model on FER2013 (PyTorch; ``pip install -e '.[train]'``).

From Python: ``train(Config(...), data=..., out=...)``; from the command line:
``classmood train`` (options: ``--help``; :mod:`classmood.cli.train`). One job a module:

- :mod:`.api`: :func:`train`, the entry point (checks the settings, finds the data, trains);
- :mod:`.config`: a run's settings (:class:`~.config.Config`), their checks and what a
  resume may change;
- :mod:`.data`: finding and reading the FER2013 splits;
- :mod:`.tensors`: faces as normalised tensors, copies onto the device;
- :mod:`.augment`: affine warp and crop, jitter, random erasing, mixup/cutmix;
- :mod:`.degrade`: webcam degradations (dark and noisy, blur, JPEG, a mask) and the
  product's per-face standardisation, on the whole face before the augmentation;
- :mod:`.ferplus`: the FERPlus annotators' votes (soft targets, the not-a-face rule);
- :mod:`.distill`: the teachers (served models or checkpoints), their cached soft labels,
  the distillation loss;
- :mod:`.inference`: flip-averaged logits of a network or an ensemble;
- :mod:`.validation`: PublicTest accuracy after each epoch;
- :mod:`.schedule`: the one-cycle schedule and fitting it into a time budget;
- :mod:`.hardware`: bf16 and memory layout where they are fast;
- :mod:`.warm_start`: starting from existing weights;
- :mod:`.checkpoint`: the run's folder (run.json, the log, best.pt, last.pt);
- :mod:`.loop`: the training loop.
- :mod:`.wise`: WiSE-FT, a checkpoint between a model and its fine-tune (no training;
  ``python -m classmood.models.train.wise``).

Errors are :class:`~classmood.errors.InputError` / :class:`~classmood.errors.ModelError`
naming the setting at fault in ``option`` (e.g. ``"epochs"``, ``"teacher"``). The network
itself is :mod:`classmood.models.network`; weight files are read by
:mod:`classmood.models.weights`. Only :mod:`.api`, :mod:`.config` and :mod:`.data` import
without PyTorch.
"""

from .api import train
from .config import RESUME_OVERRIDES, SELECT, Config, check

__all__ = ["RESUME_OVERRIDES", "SELECT", "Config", "check", "train"]
