"""``classmood train``: listed in ``classmood --help``; its command line is the
trainer's own (:mod:`classmood.models.train`), handed over whole."""

from __future__ import annotations

import argparse
from typing import Sequence


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``train`` command to ``sub`` (listed only: :func:`run` parses its options)."""
    return sub.add_parser(
        "train", add_help=False,
        help="train the expression model (needs: pip install -e '.[train]')",
        description="Train on FER2013 Training, select on PublicTest; see classmood train --help.",
    )


def run(argv: Sequence[str]) -> int:
    """Run the trainer on ``argv`` (what follows ``train``; argparse's REMAINDER would
    swallow its ``--help``); returns its exit status."""
    from ..models.train import main as train_main

    return train_main(list(argv))
