"""The report's two plots, drawn with matplotlib's Agg canvas (no pyplot, no display,
no global backend switch) and returned as PNG bytes.

* the class timeline: expression shares stacked per interval, the class valence change
  from its baselines beneath them (0: the class as it usually looks; the absolute
  valence for a session stored before baselines), and beneath that how many were
  present, away or had the camera off;
* the participant heatmap: a row per participant, an interval per column, coloured by
  the dominant expression while present, the away colour while away, hatched in the
  camera-off colour while the camera was off, white while not in the meeting.

Colours are ClassMood's one palette (:data:`classmood.labels.COLOURS`, the overlay's);
times on the axes are recording positions (:func:`classmood.timefmt.clock`).
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO

import numpy as np

from ..labels import COLOURS, LABELS, SHOWN_LABELS, USUAL, VALENCE_CHANGE_WORDS
from ..timefmt import clock
from .data import ReportData

PRESENT = COLOURS["present"]
AWAY = COLOURS["away"]
CAMERA_OFF = COLOURS["camera_off"]
POSITIVE = COLOURS["happy"]
"""The class valence (change) above 0."""
NEGATIVE = COLOURS["angry"]
"""The class valence (change) below 0."""
HATCH = "#c5cad1"
"""The hatching over camera-off cells (light, on the dark camera-off colour)."""
ABSENT = "#ffffff"
MOMENT = "#e8505b"
"""The shading of the moments to look at again."""
DPI = 100
WIDTH_IN = 11.0
FONTS = ["DejaVu Sans", "Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic", "AppleGothic",
         "Noto Sans CJK JP", "Noto Sans CJK SC"]

# heatmap cell codes: 0..7 LABELS, then:
C_PRESENT, C_AWAY, C_OFF, C_ABSENT = len(LABELS), len(LABELS) + 1, len(LABELS) + 2, len(LABELS) + 3
# then C_ABSENT + 1 + j for SHOWN_LABELS[j] (a session whose usual labels were stored)


def _figure(w: float, h: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


@lru_cache(maxsize=1)
def _fonts() -> tuple[tuple[str, ...], tuple[frozenset, ...]]:
    """The installed families of FONTS (for labels) and their character maps."""
    from matplotlib import font_manager, ft2font

    fams, maps, seen = [], [], set()
    for fam in FONTS:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=fam), fallback_to_default=False)
            if path in seen:
                continue
            maps.append(frozenset(ft2font.FT2Font(path).get_charmap()))
        except Exception:  # noqa: BLE001 - not installed, or unreadable
            continue
        seen.add(path)
        fams.append(fam)
    return tuple(fams) or ("DejaVu Sans",), tuple(maps)


def drawable(text: str) -> bool:
    """True when the installed fonts can draw every character of ``text``."""
    maps = _fonts()[1]
    return all(ch.isspace() or any(ord(ch) in m for m in maps) for ch in text)


def _time_axis(ax, start: float, end: float) -> None:
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    span = max(end - start, 1e-6)
    step = next((s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200) if span / s <= 12),
                max(7200.0, span / 12))
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: clock(x)))
    ax.set_xlim(start, end if end > start else start + 1)


def _ext(v: np.ndarray) -> np.ndarray:
    """Per-interval values extended by one for ``fill_between(edges, ..., step='post')``."""
    return np.r_[v, v[-1:]] if len(v) else v


def _moment_spans(axes, d: ReportData, label: bool) -> None:
    for n, m in enumerate(d.moments, 1):
        for ax in axes:
            ax.axvspan(m["start_s"], m["end_s"], color=MOMENT, alpha=0.13, lw=0, zorder=0)
        if label:
            axes[0].annotate(str(n), xy=((m["start_s"] + m["end_s"]) / 2, 1.0), xycoords=("data", "axes fraction"),
                             xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8,
                             color=MOMENT, fontweight="bold")


def _empty(fig, text: str):
    ax = fig.add_subplot(111)
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#555555", transform=ax.transAxes)
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((0.01, 0.01), 0.98, 0.98, transform=ax.transAxes, fill=False, ec="#cccccc", lw=1))
    return _png(fig)


def _nothing(n_intervals: int) -> str:
    return "No participant was seen in this session" if n_intervals else "No frames were recorded in this session"


def timeline(d: ReportData) -> bytes:
    """The class timeline as PNG bytes."""
    po = d.presence_only
    edges = d.edges
    n = len(edges) - 1
    rows = [1.2, 1.2] if po else [2.6, 1.3, 1.3]
    fig = _figure(WIDTH_IN, 1.2 + 1.5 * sum(rows) / 1.3)
    if n == 0 or not d.ids:
        return _empty(fig, _nothing(n))
    h = fig.get_figheight()
    gs = fig.add_gridspec(len(rows), 1, height_ratios=rows, hspace=0.12, left=0.07, right=0.83, top=1 - 0.5 / h,
                          bottom=0.6 / h)
    axes = [fig.add_subplot(gs[0])]
    for j in range(1, len(rows)):
        axes.append(fig.add_subplot(gs[j], sharex=axes[0]))
    lengths = np.diff(edges)
    i = 0
    if not po:
        ax = axes[i]
        i += 1
        mix, names = d.mix
        secs = mix.sum(0)  # [n, names]
        tot = secs.sum(1)
        shares = np.where(tot[:, None] > 0, secs / np.where(tot > 0, tot, 1.0)[:, None], 0.0) * 100
        lo = np.zeros(n)
        for j, c in enumerate(names):
            hi = lo + shares[:, j]
            if shares[:, j].any():
                ax.fill_between(edges, _ext(lo), _ext(hi), step="post", color=COLOURS[c], lw=0,
                                label="as usual" if c == USUAL else c)
            lo = hi
        ax.set_ylim(0, 100)
        ax.set_ylabel("expressions\n" + ("vs usual " if names is not LABELS else "") + "(% of faces)", fontsize=9)
        if tot.any():
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, reverse=True)
        else:
            ax.text(0.5, 0.5, "no face in view: no expressions", ha="center", va="center", fontsize=11,
                    color="#555555", transform=ax.transAxes)
        ax.set_title("Class timeline", loc="left", fontsize=12, fontweight="bold", pad=14)
        ax = axes[i]
        i += 1
        v = np.clip(d.class_headline, -1.0, 1.0)  # a change from the baselines can reach +-2
        ax.axhline(0, color="#999999", lw=0.8)
        ve = _ext(np.nan_to_num(v, nan=0.0))
        ax.fill_between(edges, 0, np.maximum(ve, 0), step="post", color=POSITIVE, alpha=0.35, lw=0)
        ax.fill_between(edges, 0, np.minimum(ve, 0), step="post", color=NEGATIVE, alpha=0.35, lw=0)
        ax.step(edges, _ext(v), where="post", color="#222222", lw=1.3,
                label=f"class {VALENCE_CHANGE_WORDS}" if d.baselines else "class valence")
        ax.set_ylim(-1, 1)
        ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        ax.set_ylabel("valence\nvs usual" if d.baselines else "valence", fontsize=9)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax = axes[i]
    read = lengths if d.read_s is None else d.read_s  # a recording's unreadable time counts for no one
    counts = d.present.sum(0) / np.where(read > 0, read, 1.0)[:, None]  # mean number per state
    lo = np.zeros(n)
    for j, (lab, col, hatch) in enumerate((("present", PRESENT, None), ("away", AWAY, None),
                                           ("camera off", CAMERA_OFF, "////"))):
        hi = lo + counts[:, j]
        ax.fill_between(edges, _ext(lo), _ext(hi), step="post", facecolor=col, edgecolor=HATCH if hatch else col,
                        hatch=hatch, lw=0, label=lab)
        lo = hi
    ax.set_ylim(0, max(1.0, float(lo.max()) * 1.05))
    ax.set_ylabel("participants", fontsize=9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, reverse=True)
    if po:
        axes[0].set_title("Class timeline: presence", loc="left", fontsize=12, fontweight="bold", pad=14)
        ax2 = axes[1]
        share = np.where(counts.sum(1) > 0, counts[:, 0] / np.where(counts.sum(1) > 0, counts.sum(1), 1), np.nan)
        ax2.step(edges, _ext(share * 100), where="post", color=PRESENT, lw=1.5, label="present (%)")
        ax2.set_ylim(0, 105)
        ax2.set_ylabel("% present", fontsize=9)
        ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        axes = [axes[0], axes[1]]
    for a in axes:
        a.tick_params(labelsize=8)
        a.grid(axis="x", color="#dddddd", lw=0.6)
        a.set_axisbelow(True)
    for a in axes[:-1]:
        a.tick_params(labelbottom=False)
    _time_axis(axes[-1], float(edges[0]), float(edges[-1]))
    axes[-1].set_xlabel("time from the session start (interval "
                        f"{d.interval_s:g} s)", fontsize=9)
    _moment_spans(axes, d, label=True)
    return _png(fig)


def cell_codes(d: ReportData) -> np.ndarray:
    """The heatmap's cells [participants, intervals], by what took most of the interval:
    present (a LABELS index, or ``C_ABSENT + 1 +`` a SHOWN_LABELS index where the mix is
    against the participants' usual labels, or C_PRESENT in presence-only sessions or without a label),
    away (C_AWAY), camera off (C_OFF) or not in the meeting (C_ABSENT); ties go in that order."""
    secs = d.present  # [p, n, 3]
    tot = secs.sum(-1)
    absent = np.maximum(np.diff(d.edges)[None, :] - tot, 0.0)
    state = np.concatenate([secs, absent[..., None]], axis=-1).argmax(-1)
    mix, names = d.mix
    lab_tot = mix.sum(-1)
    shift = 0 if names is LABELS else C_ABSENT + 1  # the mix vs usual: its codes after the others
    dom = np.where(lab_tot > 0, mix.argmax(-1) + shift, C_PRESENT)
    if d.presence_only:
        dom = np.full_like(dom, C_PRESENT)
    codes = np.where(state == 0, dom, np.where(state == 1, C_AWAY, np.where(state == 2, C_OFF, C_ABSENT)))
    return np.where(tot > 0, codes, C_ABSENT)


def heatmap(d: ReportData) -> bytes:
    """The participant heatmap as PNG bytes."""
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch, Rectangle

    edges = d.edges
    n, p = len(edges) - 1, len(d.ids)
    row_in = 0.22 if p <= 40 else max(0.08, 9.0 / p)
    fig = _figure(WIDTH_IN, 1.4 + row_in * max(p, 3))
    if n == 0 or p == 0:
        return _empty(fig, _nothing(n))
    codes = cell_codes(d)
    colors = [COLOURS[c] for c in LABELS] + [PRESENT, AWAY, CAMERA_OFF, ABSENT] + [COLOURS[c] for c in SHOWN_LABELS]
    top = 1.0 - 0.45 / fig.get_figheight()
    bottom = 0.75 / fig.get_figheight()
    ax = fig.add_axes((0.17, bottom, 0.66, top - bottom))
    ax.pcolormesh(edges, np.arange(p + 1), codes, cmap=ListedColormap(colors), vmin=-0.5,
                  vmax=len(colors) - 0.5, shading="flat", edgecolors="none")
    rects = []
    for i in range(p):
        off = codes[i] == C_OFF
        k = 0
        while k < n:
            if off[k]:
                j = k
                while j + 1 < n and off[j + 1]:
                    j += 1
                rects.append(Rectangle((edges[k], i), edges[j + 1] - edges[k], 1))
                k = j + 1
            else:
                k += 1
    if rects:
        ax.add_collection(PatchCollection(rects, facecolor="none", edgecolor=HATCH, hatch="////", lw=0))
    ax.set_ylim(p, 0)
    ax.set_yticks(np.arange(p) + 0.5)
    labels = [f"{pid}  {name}" if name and drawable(name) else pid for pid, name in zip(d.ids, d.names)]
    ax.set_yticklabels(labels, fontsize=8 if p <= 40 else max(4, int(320 / p)), family=list(_fonts()[0]))
    ax.tick_params(axis="x", labelsize=8)
    _time_axis(ax, float(edges[0]), float(edges[-1]))
    ax.set_xlabel(f"time from the session start (interval {d.interval_s:g} s)", fontsize=9)
    ax.set_title("Participants (most in need of attention first)", loc="left", fontsize=12, fontweight="bold")
    used = set(np.unique(codes).tolist())
    handles = []
    if not d.presence_only:
        handles += [Patch(facecolor=COLOURS[c], label=c) for j, c in enumerate(LABELS) if j in used]
        handles += [Patch(facecolor=COLOURS[c], label="as usual" if c == USUAL else c)
                    for j, c in enumerate(SHOWN_LABELS) if C_ABSENT + 1 + j in used]
    if C_PRESENT in used:
        handles.append(Patch(facecolor=PRESENT, label="present" if d.presence_only else "present, no label"))
    handles += [Patch(facecolor=AWAY, label="away"),
                Patch(facecolor=CAMERA_OFF, edgecolor=HATCH, hatch="////", label="camera off"),
                Patch(facecolor=ABSENT, edgecolor="#bbbbbb", label="not in the meeting")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    for m in d.moments:
        ax.axvline(m["start_s"], color=MOMENT, lw=0.8, ls="--", alpha=0.7)
    return _png(fig)


def render_all(d: ReportData) -> dict[str, bytes]:
    """Every plot of the report: ``{"timeline": png, "heatmap": png}``."""
    return {"timeline": timeline(d), "heatmap": heatmap(d)}
