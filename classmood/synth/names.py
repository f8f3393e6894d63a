"""Participant names: the default class list, the labels a gallery draws, initials."""

from __future__ import annotations

from typing import Sequence

import numpy as np

DEFAULT_NAMES: tuple[str, ...] = (
    "Emma Johnson", "Liam Smith", "Sofia Garcia", "Noah Williams", "Aisha Khan",
    "Wei Chen", "Mateo Rossi", "Priya Patel", "Lucas Martin", "Hannah Schmidt",
    "Kenji Tanaka", "Fatima Ali", "Olivia Brown", "Ethan Davis", "Mia Wilson",
    "Jonas Becker", "Chloe Dubois", "Diego Hernandez", "Amara Okafor", "Yuna Kim",
    "Arjun Mehta", "Isabella Moreno", "Samuel Osei", "Leah Cohen", "Omar Haddad",
    "Grace Lee", "Daniel Novak", "Elena Petrova", "Jakub Kowalski", "Nora Lindqvist",
    "Tomas Silva", "Zara Ahmed", "Ryan O'Connor", "Anna Nguyen", "Felix Wagner",
    "Maya Singh", "Lucia Romero", "Kofi Mensah", "Sara Bianchi", "Ben Carter",
    "Ines Costa", "Hugo Laurent", "Emily Clark", "Adam Nowak", "Layla Hassan",
    "Jin Park", "Ava Thompson", "Leo Fischer", "Mei Lin", "Carlos Ruiz",
    "Julia Weber", "Nikhil Rao", "Eva Horvat", "Oscar Berg", "Lina Yilmaz",
    "Mark Evans", "Rosa Diaz", "Tariq Aziz", "Ella Murphy", "Ivan Popov",
)
"""Sixty distinct ASCII names; galleries draw a seeded choice of them by default."""


def tile_names(names: Sequence[str | None] | None, n: int, rng: np.random.Generator) -> list[str | None]:
    """The name label of each of ``n`` tiles.

    Args:
        names: one label per tile (a None entry: no label; extra entries are
            ignored), or None for a seeded choice of ``n`` distinct
            :data:`DEFAULT_NAMES`.
        n: number of tiles.
        rng: draws the default choice (untouched when ``names`` is given).

    Returns:
        ``n`` labels (str or None).

    Raises:
        ValueError: fewer than ``n`` names, or a name that is not ASCII (OpenCV
            draws ASCII only).
    """
    if names is None:
        return [DEFAULT_NAMES[i] for i in rng.permutation(len(DEFAULT_NAMES))[:n]]
    if len(names) < n:
        raise ValueError(f"names has {len(names)} entries for {n} tiles")
    out = list(names[:n])
    for nm in out:
        if nm is not None and not nm.isascii():
            raise ValueError(f"names must be ASCII (OpenCV text), got {nm!r}")
    return out


def initials(name: str | None, letters: int = 2) -> str:
    """The letters an avatar shows for ``name``: the first letters of its first and
    last words (``letters=2``) or of its first word only (``letters=1``), upper
    case; "?" when the name has no word starting with a letter or digit."""
    parts = [p for p in (name or "").replace("(", " ").split() if p[:1].isalnum()]
    if not parts:
        return "?"
    if letters == 1 or len(parts) == 1:
        return parts[0][0].upper()
    return (parts[0][0] + parts[-1][0]).upper()
