"""A synthetic class over time, with exact ground truth per frame: the same people in
the same rooms, tiles that reorder, a student who steps away, one who leaves the
meeting and comes back, a camera switched off. Built from real portraits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from classmood.synth import compose_gallery, webcam_view

NAMES = ["Ana Lopez", "Bob Kim", "Cyril Roy", "Diana Park", "Edgar Soto", "Fatima Ali", "Gustav Berg", "Hugo Silva", "Ivy Chen"]


@dataclass(frozen=True)
class Truth:
    t: float
    order: tuple[int, ...]      # person index in each tile, reading order
    presence: tuple[str, ...]   # per tile: present / away / camera_off


def script(t: float) -> tuple[list[int], dict[int, str]]:
    """Who is shown where at time t, and the state of everyone shown."""
    order = list(range(9))
    if t >= 5.0:  # Zoom reorders: speakers move up
        order = [4, 0, 7, 1, 2, 8, 3, 5, 6]
    if 12.0 <= t < 15.0:  # Ed (4) leaves the meeting: his tile goes, the grid shrinks
        order = [p for p in order if p != 4]
    if t >= 15.0:  # ...and rejoins at the end
        order = [p for p in order if p != 4] + [4]
    state = {p: "present" for p in order}
    state[8] = "camera_off"  # Ivy never turns her camera on
    if 8.0 <= t < 12.0:
        state[2] = "away"  # Cy steps away from the desk
    if t >= 17.0:
        state[1] = "camera_off"  # Bo switches his camera off
    return order, state


def frames(portraits, step: float = 0.5, end: float = 20.0, size=(1280, 720)):
    """Yield (t, image, Truth)."""
    views = [webcam_view(p, seed=10 + i) for i, p in enumerate(portraits[:9])]
    empty = [webcam_view(p, seed=10 + i, present=False) for i, p in enumerate(portraits[:9])]
    for k in range(int(round(end / step))):
        t = k * step
        order, state = script(t)
        pics = [None if state[p] == "camera_off" else (empty[p] if state[p] == "away" else views[p]) for p in order]
        g = compose_gallery(pics, size, names=[NAMES[p] for p in order], seed=k)
        yield t, g.image, Truth(t, tuple(order), tuple(state[p] for p in order))


def portraits(faces_dir):
    from classmood.synth import load_portraits

    ps = load_portraits(faces_dir / "nimstim", limit=12, seed=3)
    return ps[:9] if len(ps) >= 9 else np.resize(np.array(ps, dtype=object), 9).tolist()
