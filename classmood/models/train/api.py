"""Training from Python: check a run's settings, find the data, train (or continue) the run.

``classmood train`` (:mod:`classmood.cli.train`) is this with a command line around it::

    from classmood.models.train import Config, train

    best = train(Config(width=16, epochs=22), data="../shared/data/fer2013", out="runs/w16")

Importing this module needs no PyTorch; calling :func:`train` does.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import ClassMoodError
from .config import Config, check
from .data import find_data


def train(config: Config | None = None, *, data: str | Path | None = None, out: str | Path = "runs/fer",
          resume: bool = False, stop_after: int | None = None, overrides: dict | None = None) -> dict:
    """Train the expression model on FER2013 Training, keeping the best PublicTest epoch.

    Seeded (the same settings give the same log), resumable, one JSON line per epoch in
    ``out/train_log.jsonl`` and on stdout; ``out`` gets ``run.json``, ``best.pt`` (with its
    PublicTest logits) and ``last.pt`` (see :mod:`.checkpoint`).

    Args:
        config: the run's settings (default: :class:`~.config.Config`'s). A resumed run
            takes the checkpoint's instead, except ``overrides``.
        data: the folder holding ``fer2013_train.npz`` and ``fer2013_publictest.npz``, or
            None to look in ``$CLASSMOOD_FER2013`` and then ``../shared/data/fer2013``.
        out: the run's folder (created if missing).
        resume: continue the run stopped in ``out`` (from ``out/last.pt``).
        stop_after: end this piece after this epoch (1-based; the schedule still spans
            ``config.epochs``; resume to go on), or None to run to the end.
        overrides: when resuming, new values for the settings a resumed run may change
            (:data:`~.config.RESUME_OVERRIDES`: ``threads``, ``epochs``, ``full_epochs``,
            ``time_budget``); a new ``epochs`` re-plans the schedule from where the run is.

    Returns:
        The best epoch's figures: ``accuracy`` (flip-averaged) and ``accuracy_served``
        (0..1), ``macro_f1``, ``epoch`` and ``select``.

    Raises:
        InputError: settings that cannot train (see :func:`~.config.check`; ``option``
            names the setting), no FER2013 folder (``option="data"``), nothing to resume
            (``option="resume"``), ``epochs`` not more than the resumed run did
            (``option="epochs"``), a missing ``init`` file (``option="init"``), or a
            teacher cache in ``out`` of other teachers or faces.
        ModelError: a missing teacher file (``option="teacher"``).
        ClassMoodError: PyTorch is not installed.
    """
    cfg = Config() if config is None else config
    check(cfg)
    folder = find_data(None if data is None else str(data))
    try:
        from .loop import train as run  # (needs PyTorch)
    except ImportError as exc:
        if exc.name != "torch" and not str(exc.name or "").startswith("torch."):
            raise
        raise ClassMoodError("PyTorch is not installed; install the train extra: pip install -e '.[train]'") from None
    return run(cfg, folder, Path(out), resume, stop_after, overrides=overrides)
