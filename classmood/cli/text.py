"""What the agent commands print for a person (``--json`` prints the results' own
dictionaries instead): one analysed frame as a table, a session's summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..labels import USUAL, VALENCE_CHANGE_WORDS
from ..labels import signed as signed_value
from ..timefmt import clock

if TYPE_CHECKING:  # annotations only: types loads numpy, and classmood --help must not
    from ..types import FrameResult


def frame_table(label: str, result: FrameResult) -> str:
    """One analysed frame as a table: a row per tile (state, faces, face score, box,
    participant, expression and its confidence, name; a state marked ``*`` is a tile under a
    window lying over the gallery, named in a line under the rows), and under it a row for
    each other person sharing its camera; the class line (counts and the class valence change from
    its baselines), its alerts and the stage timings.

    Args:
        label: what the frame is (a file name, ``"frame 3"``), the table's first word.
        result: the frame's result.

    Returns:
        The lines of the table, joined by newlines (no trailing newline).
    """
    g = result.gallery
    lines = [f"{label}: {g.width}x{g.height}, {len(g.tiles)} tiles"]
    if g.tiles:
        lines.append(f"  {'id':>3}  {'state':<10} {'faces':>5} {'score':>5}  {'box (x,y w x h)':<22} "
                     f"{'who':<5} {'expression':<11} {'conf':>4}  name")
        for t in g.tiles:
            x, y, w, h = t.tile.bbox
            people = [p for p in result.participants if p.tile_index == t.tile.index]
            for k, p in enumerate(people or [None]):
                face = _face_of(t, p)
                score = f"{face.score:.2f}" if face is not None else "-"
                who = "-" if p is None else p.id
                expr = "-" if p is None else p.unreadable or p.label or (
                    "-" if result.presence_only or p.presence.value != "present" else "...")
                conf = (f"{p.confidence:.2f}" if p is not None and p.label and not p.unreadable
                        and not result.presence_only else "-")
                if k == 0:  # the tile's row
                    state = t.state.value + ("*" if t.covered else "")
                    head = f"  {t.tile.index:>3}  {state:<10} {len(t.faces):>5} {score:>5}  {f'{x},{y} {w}x{h}':<22}"
                    name = t.name or "-"
                else:  # another person sharing the tile's camera
                    head = f"  {'':>3}  {'+ same tile':<10} {'':>5} {score:>5}  {'':<22}"
                    name = "-"
                lines.append(f"{head} {who:<5} {expr:<11} {conf:>4}  {name}")
        n = sum(t.covered for t in g.tiles)
        for x, y, w, h in g.covered:
            lines.append(f"  * under a window lying over the gallery at {x},{y} {w}x{h} (a dialog, another app): "
                         f"{n} tile{'s' if n != 1 else ''} partly hidden; a student there is held as last seen "
                         "uncovered, and one never seen uncovered is not counted yet")
        m = result.mood
        lines.append(f"  class: {m.present} present, {m.away} away, {m.camera_off} camera off; "
                     f"{class_valence(m.valence_change, m.valence)}")
        for al in m.alerts:
            lines.append(f"  alert: {al.message}")
    else:
        lines.append("  no participant tiles found (is a gallery view on screen?)")
    timing = ", ".join(f"{k} {v:.1f}" for k, v in result.timings_ms.items() if not k.startswith("n_"))
    lines.append(f"  timings (ms): {timing}")
    return "\n".join(lines)


def status_line(t: float, result: FrameResult) -> str:
    """The one-line status ``classmood run`` rewrites on a terminal after each analysed
    frame: the session time ``t`` (seconds), the counts, the class valence change from
    its baselines (the headline) and how many alerts are up, e.g. ``  12.5 s  9
    participants: 7 present, 1 away, 1 camera off  valence vs usual -0.05  alerts 0``."""
    m = result.mood
    return (f"{t:7.1f} s  {m.participants} participants: {m.present} present, {m.away} away, "
            f"{m.camera_off} camera off  {class_valence(m.valence_change, m.valence)}  alerts {len(m.alerts)}")


def class_valence(change: float | None, valence: float | None) -> str:
    """The class figure as the text outputs show it: the valence change from the
    students' usual (``valence vs usual -0.05``), or, before anyone's usual is known (a
    single screenshot, a student's first 2 minutes of face time: ``PipelineConfig.mood.baseline_min_s``), the absolute valence marked so (``valence -0.08
    (usual not known yet)``)."""
    if change is not None:
        return f"{VALENCE_CHANGE_WORDS} {signed(change)}"
    if valence is None:
        return "valence - (no face read)"
    return f"valence {signed(valence)} (usual not known yet)"


def signed(x: float | None) -> str:
    """A valence or valence change as the text outputs write it: ``+0.12``, ``-0.05``;
    ``-`` when unknown."""
    return "-" if x is None else signed_value(x)


def _face_of(tile, participant):
    """The tile's face that is the participant's (by its box), else the tile's first."""
    if participant is not None and participant.face_bbox is not None:
        for f in tile.faces:
            if tuple(f.bbox) == tuple(participant.face_bbox):
                return f
    return tile.faces[0] if tile.faces else None


def summary_text(what: str, summary: dict[str, Any]) -> str:
    """A session's summary: frames and length, a line per participant (time present,
    away and with the camera off, the three most frequent expressions, against their usual
    label once it is known: ``as usual 80%, happy 15%``, and why they were uncertain:
    ``(uncertain: too dark 100%)``), the alerts and notes raised (``alert 2:10-3:40: P13
    looks angry for 1 min``), and the class's mean valence change from its baselines (0:
    as the class usually looks; presence-only: that expressions were not read).

    Args:
        what: the source's description, the first words.
        summary: :meth:`classmood.agent.summary.SessionSummary.to_dict`.

    Returns:
        The lines, joined by newlines (no trailing newline).
    """
    n, people = summary["frames"], len(summary["participants"])
    length = f"{summary['duration_s']:.1f} s"
    if summary.get("read_s") is not None and summary["read_s"] < summary["duration_s"] - 0.05:
        length = f"{summary['read_s']:.1f} of {summary['duration_s']:.1f} s read"
    lines = [f"{what}: {n} frame{'' if n == 1 else 's'} analysed, {length}, "
             f"{people} participant{'' if people == 1 else 's'}"]
    for p in summary["participants"]:
        mix = p.get("expressions_vs_usual") or p["expressions"]  # against their usual label once known
        top = ", ".join(f"{'as usual' if k == USUAL else k} {v:.0%}"
                        for k, v in sorted(mix.items(), key=lambda kv: -kv[1])[:3])
        why = p.get("uncertain_reasons") or {}
        if why:  # why their face could not be read, or the model was unsure
            top += " (uncertain: " + ", ".join(f"{r} {v:.0%}" for r, v in list(why.items())[:2]) + ")"
        lines.append(f"  {p['id']:<5} {p['name'] or '':<16} present {p['present_s']:6.1f} s  away {p['away_s']:5.1f} s  "
                     f"camera off {p['camera_off_s']:5.1f} s  {top}")
    if not summary["participants"] and summary["frames"]:
        lines.append("  no participant tiles found in any analysed frame: is the meeting's gallery, "
                     "speaker or filmstrip view in the picture?")
    alerts = summary.get("alerts") or []
    for a in alerts:
        note = "note" if a["kind"] == "negative_usual" else "alert"
        lines.append(f"  {note} {clock(a['start_s'])}-{clock(a['end_s'])}: {a['message']}")
    if not alerts and summary["frames"] and summary["participants"]:
        lines.append("  no alert was raised")
    change, valence = summary["mood"]["mean_valence_change"], summary["mood"]["mean_valence"]
    if summary.get("presence_only"):
        lines.append("  class valence: - (presence only: expressions were not read)")
    elif change is None and valence is not None:
        lines.append(f"  class valence: {signed(valence)} (no student was in view long enough for their usual "
                     "expression to be learnt: 2 minutes)")
    elif change is None:
        lines.append("  class valence: - (no face could be read)")
    else:
        lines.append(f"  class {VALENCE_CHANGE_WORDS}: {signed(change)} (0: as the class usually looks)")
    return "\n".join(lines)
