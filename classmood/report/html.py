"""The report as one self-contained HTML file: inline CSS, the two plots as base64 PNG
``data:`` URIs, sparklines and share bars as inline SVG; no scripts, no fonts or
anything else fetched from the network. Every section has an ``id``: ``summary``,
``timeline``, ``heatmap``, ``moments``, ``participants``, ``alerts``, ``caveats``
(plus ``cut-short``, ``unread``, ``presence-only`` and ``baseline`` notes where they
apply: ``baseline`` says in plain words what valence against each student's usual
expression means). Colours are
ClassMood's one palette (:data:`classmood.labels.COLOURS`); times are written by
:mod:`classmood.timefmt`."""

from __future__ import annotations

import base64
import datetime as dt
import math
from html import escape

import numpy as np

from .. import __version__
from ..labels import COLOURS, LABELS, SHOWN_LABELS, USUAL, VALENCE_CHANGE_WORDS, signed
from ..timefmt import clock, duration, wall_clock
from .data import BASELINE_S, MOMENT_DROP, NEGATIVE_AT, NEGATIVE_DROP, NEGATIVE_RISE, Participant, ReportData

SECTIONS = ("summary", "timeline", "heatmap", "moments", "participants", "alerts", "caveats")
PLOT_IDS = {"timeline": "timeline-plot", "heatmap": "heatmap-plot"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans KR","Malgun Gothic",sans-serif;
 color:#222;margin:24px auto;max-width:1150px;padding:0 16px;line-height:1.4}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.note{background:#fff6e0;border-left:4px solid #e0a800;padding:8px 12px;margin:10px 0}
.note.po{background:#e9f5ea;border-left-color:#4caf50}
img.plot{max-width:100%;height:auto;display:block;border:1px solid #eee}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{padding:4px 6px;border-bottom:1px solid #eee;
 text-align:left;vertical-align:middle}th{background:#f5f5f5}td.n{text-align:right;white-space:nowrap}
.muted{color:#777}.nw{white-space:nowrap}.key span{display:inline-block;margin-right:10px;font-size:.85em}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border:1px solid #bbb}
ul.caveats li{margin-bottom:6px}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr,img,.note{break-inside:avoid}}
"""


def _svg_spark(values: list, lo: float, hi: float, w: int = 120, h: int = 22, zero: bool = True) -> str:
    vals = [math.nan if v is None else float(v) for v in values]
    if len(vals) > w:  # average down to at most one point per pixel
        chunks = [vals[int(i * len(vals) / w):int((i + 1) * len(vals) / w)] for i in range(w)]
        vals = [(sum(f) / len(f)) if (f := [x for x in c if not math.isnan(x)]) else math.nan for c in chunks]
    n = len(vals)
    if not n or all(math.isnan(v) for v in vals):
        return '<span class="muted">-</span>'

    def y(v: float) -> float:
        return round(h - 2 - (min(max(v, lo), hi) - lo) / (hi - lo) * (h - 4), 1)

    def x(i: int) -> float:
        return round(1 + (i + 0.5) * (w - 2) / n, 1)

    parts, cur = [], []
    for i, v in enumerate(vals):
        if math.isnan(v):
            if cur:
                parts.append(cur)
            cur = []
        else:
            cur.append(f"{x(i)},{y(v)}")
    if cur:
        parts.append(cur)
    lines = "".join(f'<polyline points="{" ".join(p)}" fill="none" stroke="#333" stroke-width="1.2"/>'
                    if len(p) > 1 else
                    f'<circle cx="{p[0].split(",")[0]}" cy="{p[0].split(",")[1]}" r="1.2" fill="#333"/>'
                    for p in parts)
    base = f'<line x1="0" x2="{w}" y1="{y(0.0)}" y2="{y(0.0)}" stroke="#bbb" stroke-width="0.6"/>' if zero else ""
    return (f'<svg class="spark" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg">{base}{lines}</svg>')


def _svg_shares(shares: dict | None, w: int = 120, h: int = 10, names: tuple[str, ...] = LABELS) -> str:
    if not shares:
        return '<span class="muted">-</span>'
    x, rects = 0.0, []
    for c in names:
        s = shares.get(c, 0.0)
        if s > 0:
            rects.append(f'<rect x="{x:.1f}" y="0" width="{s * w:.1f}" height="{h}" fill="{COLOURS[c]}">'
                         f'<title>{escape(c)} {s:.0%}</title></rect>')
            x += s * w
    top = ", ".join(f"{escape(_mix_word(c))} {s:.0%}" for c, s in sorted(shares.items(), key=lambda kv: -kv[1])[:3])
    return (f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">'
            f'{"".join(rects)}</svg><br><span class="muted">{top}</span>')


def _mix_word(c: str) -> str:
    """A name of the mix as the page writes it (``usual`` -> ``as usual``)."""
    return "as usual" if c == USUAL else c


def _expressions_cell(p: Participant, usual_known: bool) -> str:
    """A participant's expression mix: against their usual label when known (``as usual``
    and the changes from it, their usual named beneath), else the model's labels."""
    if usual_known and p["expressions_vs_usual"]:
        return (_svg_shares(p["expressions_vs_usual"], names=SHOWN_LABELS)
                + f'<br><span class="muted nw">usual: {escape(str(p["usual_expression"]))}</span>')
    return _svg_shares(p["expressions"])


def _uncertain_cell(p: Participant) -> str:
    """How much of a participant's face time was ``uncertain``, and mostly why (``25%``
    over ``too dark 80%``)."""
    share, reasons = p["uncertain_share"], p["uncertain_reasons"]
    if share is None:
        return '<span class="muted">-</span>'
    if not reasons:
        return f"{share:.0%}"
    main, part = next(iter(reasons.items()))
    return f'{share:.0%}<br><span class="muted nw">{escape(main)} {part:.0%}</span>'


def _img(key: str, png: bytes, alt: str) -> str:
    return (f'<img class="plot" id="{PLOT_IDS[key]}" alt="{escape(alt)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">')


def _secs(s: float | None, total: float | None = None) -> str:
    if s is None:
        return "-"
    out = duration(s)
    if total:
        out += f' <span class="muted">({s / total:.0%})</span>'
    return out


def _at(started_at: float | None, s: float) -> str:
    """`` (HH:MM:SS)``, the wall-clock time ``s`` seconds into a live session; nothing
    for a recording (``started_at`` None: when its class took place is not known)."""
    return "" if started_at is None else f" ({wall_clock(started_at, s)})"


def _stretch(st: dict | None, started_at: float | None) -> str:
    if not st:
        return '<span class="muted">none</span>'
    return (f'{duration(st["duration_s"])} <span class="muted">from {st["clock"]}'
            f'{_at(started_at, st["start_s"])}</span>')


def baseline_note(d: ReportData) -> str:
    """The plain-words note on what the valence figures are measured against (the
    ``baseline`` note; empty for a presence-only session)."""
    if d.presence_only:
        return ""
    if not d.baselines:
        return ('<p class="note" id="baseline"><b>Valence:</b> no student was in view long enough for their usual '
                f"expression to be known ({BASELINE_S / 60:g} minutes of face time; or the session was recorded "
                "before ClassMood read valence against it), so the valence figures here are absolute (-1 negative to +1 positive, from the "
                "expression mix). Resting faces differ, and expression models read many resting faces as sad or "
                "angry: compare a student with themselves over time, not with others.</p>")
    provisional = "" if np.isfinite(d.valence_change).any() else (
        f" In this session no student was in view for {BASELINE_S / 60:g} minutes, so no one's usual was fully "
        "learnt: the class figure compares each student with the median of what the session showed of them, "
        "and nobody was flagged against it.")
    return ('<p class="note" id="baseline"><b>Valence vs usual:</b> valence is shown against each student\'s own '
            f"usual (resting) expression, learnt over their first {BASELINE_S / 60:g} minutes in view: 0 means the "
            "class looks as it usually does, below 0 more negative than usual, above 0 more positive. Resting faces "
            "differ, and expression models read many resting faces as sad or angry. The absolute valence is kept "
            "in report.csv and report.json." + provisional
            + (" Expressions are read the same way: a student's usual expression (the one the model read on them "
               "at rest, while their usual was learnt; those first minutes are read against it too) is shown as "
               "<i>as usual</i>, whatever the model calls it, and only a change from it by its name; the model's own "
               "labels are kept in report.csv and report.json."
               if d.usual_known else "") + "</p>")


def _as_usual_note(p: dict) -> str:
    """The note under a participant's longest negative stretch when they read strongly
    negative as their usual look (``negative_as_usual_s``), else ""."""
    s = p.get("negative_as_usual_s") or 0.0
    if not s > 0:
        return ""
    return (f'<br><span class="muted nw">strongly negative as usual: {escape(duration(s))}</span>')


def _valence_cell(p: Participant, baselines: bool) -> str:
    """A participant's mean valence vs usual over the window, with the absolute valence
    beneath it (only the absolute for a session stored before baselines)."""
    mv, mc = p["mean_valence"], p["mean_valence_change"]
    if not baselines:
        return "-" if mv is None else signed(mv)
    if mc is None:
        return "-"
    return f'{signed(mc)}<br><span class="muted nw">{signed(mv)} absolute</span>' if mv is not None else signed(mc)


def render(d: ReportData, figures: dict[str, bytes]) -> str:
    """The report page.

    Args:
        d: the report's figures.
        figures: the plots as PNG bytes, ``{"timeline": png, "heatmap": png}``
            (:func:`classmood.report.plots.render_all`).

    Returns:
        The whole HTML document, ending with a newline.
    """
    info = d.info
    po = d.presence_only
    started = dt.datetime.fromtimestamp(info.started_at).astimezone()
    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>")
    w('<html lang="en"><head><meta charset="utf-8">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    w("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
      "style-src 'unsafe-inline'\">")
    w(f"<title>ClassMood report: session {info.id}, {started:%Y-%m-%d %H:%M}</title>")
    w(f"<style>{CSS}</style></head><body>")

    # ---- summary
    w('<section id="summary">')
    w(f"<h1>Class report: session {info.id}</h1>")
    wall = None if info.recording else info.started_at  # a recording's time of day is not known
    end_txt = "no end time" if info.ended_at is None else wall_clock(info.ended_at, 0.0)
    people = f"{len(d.ids)} participant{'s' if len(d.ids) != 1 else ''}"
    seen = "in this window" if (d.start_s > 0 or d.end_s < d.duration_s) else "seen"
    if info.recording:
        w(f'<p class="meta">A recording of {duration(d.duration_s)}, {escape(info.source)}, analysed '
          f"{started:%A %d %B %Y} at {started:%H:%M %Z} ({info.frames} analysed frames, one every {round(d.step_s, 2):g} s); "
          f"{people} {seen}. Times are positions in the recording.</p>")
    else:
        w(f'<p class="meta">{started:%A %d %B %Y}, started {started:%H:%M:%S %Z}, ended {end_txt}; '
          f"recorded {duration(d.duration_s)} ({info.frames} analysed frames, one every {round(d.step_s, 2):g} s) "
          f"from {escape(info.source)}; {people} {seen}.</p>")
    if d.start_s > 0 or d.end_s < d.duration_s:
        span = "" if wall is None else f" ({wall_clock(wall, d.start_s)} to {wall_clock(wall, d.end_s)})"
        w(f'<p class="meta">This report covers {clock(d.start_s)} to {clock(d.end_s)}{span} only.</p>')
    if info.ended_at is None:
        w('<p class="note" id="cut-short"><b>Cut short:</b> this session has no end time: the recording stopped '
          "without ending the session (the app was closed or crashed), or it is still running. The report "
          f"goes to the last stored frame ({clock(max(d.duration_s - d.step_s, 0.0))}).</p>")
    if d.unread:
        holes = "; ".join(
            (f"after {clock(u['start_s'])} to the end of the file"
             + ("" if u["end_s"] is None else f" ({u['end_s'] - u['start_s']:.1f} s)")) if u["to_end"]
            else f"{u['end_s'] - u['start_s']:.1f} s from {clock(u['start_s'])}" for u in d.unread)
        if info.recording_end_s is None:  # live: the watched window was not visible
            w('<p class="note" id="unread"><b>Not seen:</b> the meeting window could not be seen (minimised, '
              f"closed, off the screen or covered by another window): {escape(holes)}. Nothing was analysed there.</p>")
        else:
            w('<p class="note" id="unread"><b>Not read:</b> parts of the recording could not be read (damaged or '
              f"missing frames): {escape(holes)}. Nothing was analysed there.</p>")
    if po:
        w('<p class="note po" id="presence-only"><b>Presence-only session:</b> no expressions were recognised, '
          "so this report has no expression sections; it shows presence, cameras and away time only.</p>")
    if not po:
        w(baseline_note(d))
    w(f'<p class="meta">Names: {"shown (stored with the session)" if d.names_shown else "not shown (anonymous ids)"}. '
      + ("Times are positions in the recording (m:ss). " if info.recording else
         "Times are positions in the session (m:ss from its start) with the wall-clock time in brackets. ")
      + f"Intervals of {d.interval_s:g} s.</p>")
    if not d.ids:
        w('<p class="note">No participant was seen in this session'
          + (" (no frames were recorded)" if info.frames == 0 else "") + ".</p>")
    w("</section>")

    # ---- timeline
    w('<section id="timeline"><h2>Class timeline</h2>')
    if po:
        w("<p>How many participants were present (face in view), away (camera on, nobody there) or had their "
          "camera off, per interval.</p>")
    else:
        middle = ("the class valence vs usual (each student against their own usual expression, from the expression "
                  "mix; 0: as the class usually looks, below 0: more negative than usual)" if d.baselines else
                  "the class valence (-1 negative to +1 positive, from the expression mix)")
        top = ("the faces in view as usual (each student's own usual expression, whatever the model calls it: "
               "grey) and the expressions that were a change from a student's usual, per interval"
               if d.usual_known else "the share of each expression among the faces in view, per interval")
        w(f"<p>Top: {top}. Middle: {middle}. Bottom: "
          "how many were present, away or had their camera off. Shaded and numbered: the moments below.</p>")
    w(_img("timeline", figures["timeline"], "class timeline plot"))
    w("</section>")

    # ---- heatmap
    w('<section id="heatmap"><h2>Participants over time</h2>')
    w("<p>One row per participant, in the order of the table below; each cell is one interval, coloured by "
      + ("presence" if po else "the participant's most frequent (smoothed) expression while present"
         + (" against their usual (grey: as usual)" if d.usual_known else ""))
      + "; orange: away; hatched dark grey: camera off; white: not in the meeting.</p>")
    w(_img("heatmap", figures["heatmap"], "participant heatmap"))
    w("</section>")

    # ---- moments
    w('<section id="moments"><h2>Moments to look at again</h2>')
    if d.moments:
        w("<table><thead><tr><th>#</th><th>from</th><th>to</th><th>what</th></tr></thead><tbody>")
        for n, m in enumerate(d.moments, 1):
            kind = "valence drop" if m["kind"] == "valence_drop" else "many away"
            w(f'<tr class="moment" data-kind="{m["kind"]}"><td class="n">{n}</td>'
              f'<td class="n"><b>{m["clock"]}</b> <span class="muted">{_at(wall, m["start_s"])}</span></td>'
              f'<td class="n">{clock(m["end_s"])} <span class="muted">{_at(wall, m["end_s"])}'
              f'</span></td><td><b>{kind}</b>: {escape(m["description"])}</td></tr>')
        w("</tbody></table>")
    else:
        what = f"class {VALENCE_CHANGE_WORDS}" if d.baselines else "class valence"
        crit = (f"a drop of the {what} of {MOMENT_DROP:.2f} or more, or " if not po else "")
        w(f'<p class="muted">No moment stood out ({crit}at least a fifth of the class away in an interval).</p>')
    w("</section>")

    # ---- participants
    w('<section id="participants"><h2>Participants</h2>')
    negative = (f"negative (valence {NEGATIVE_DROP:.2f} or more below their own usual, or the negative expressions "
                f"{NEGATIVE_RISE:.2f} or more likelier than usual, or valence at or below {NEGATIVE_AT:g} unless "
                "their usual is that negative too: that is their usual look, noted under \"longest negative\" "
                "but not sorted first)")
    w("<p>Sorted so that those who may need attention come first: the longest "
      + ("away stretch" if po else f"{negative} or away stretch") + ", then "
      + ("presence" if po else "the lowest " + (VALENCE_CHANGE_WORDS if d.baselines else "mean valence")) + ".</p>")
    if d.people:
        head = ["participant"] + (["name"] if d.names_shown else []) + ["present", "away", "camera off"]
        valence_head = VALENCE_CHANGE_WORDS if d.baselines else "mean valence"
        if not po:
            head += ["expressions" + (" vs usual" if d.usual_known else ""), "uncertain (mostly why)", valence_head,
                     "longest negative"]
        head += ["longest away", "trend" + (" (present %)" if po else f" ({valence_head})")]
        w("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>")
        for p in d.people:
            cells = [f"<b>{escape(p['id'])}</b>"]
            if d.names_shown:
                cells.append(escape(p["name"] or ""))
            tot = p["in_class_s"] or 0.0
            cells += [_secs(p["present_s"], tot), _secs(p["away_s"], tot), _secs(p["camera_off_s"], tot)]
            if not po:
                cells += [_expressions_cell(p, d.usual_known), _uncertain_cell(p), _valence_cell(p, d.baselines),
                          _stretch(p["longest_negative"], wall) + _as_usual_note(p)]
            cells.append(_stretch(p["longest_away"], wall))
            if po:
                cells.append(_svg_spark(p["trend"], 0.0, 1.0, zero=False))
            else:
                cells.append(_svg_spark(p["valence_change_trend"] if d.baselines else p["trend"], -1.0, 1.0))
            w(f'<tr class="participant" data-id="{escape(p["id"])}">' + "".join(f"<td>{c}</td>" for c in cells)
              + "</tr>")
        w("</tbody></table>")
    else:
        w('<p class="muted">No participant was seen.</p>')
    w("</section>")

    # ---- alerts
    w('<section id="alerts"><h2>Alerts during the class</h2>')
    if d.alerts:
        w("<table><thead><tr><th>from</th><th>until</th><th>kind</th><th>who</th><th>alert</th></tr></thead><tbody>")
        for a in d.alerts:
            who = escape(a["participant"] or "class") + (f" {escape(a['name'])}" if a.get("name") else "")
            w(f'<tr class="alert"><td class="n">{clock(a["start_s"])} <span class="muted">'
              f'{_at(wall, a["start_s"])}</span></td><td class="n">{clock(a["end_s"])}</td>'
              f'<td>{escape("note" if a["kind"] == "negative_usual" else str(a["kind"]).replace("_", " "))}</td><td>{who}</td><td>{escape(a["message"])}</td></tr>')
        w("</tbody></table>")
    else:
        w('<p class="muted">No alert was raised.</p>')
    w("</section>")

    # ---- caveats
    w('<section id="caveats"><h2>What these figures can and cannot tell</h2><ul class="caveats">')
    for c in d.caveats:
        w(f"<li>{escape(c)}</li>")
    w("</ul>")
    w(f'<p class="muted">Recorded with ClassMood {escape(d.app_version or "?")}, report made by ClassMood '
      f'{escape(__version__)} from the session database; this file '
      "holds numbers and labels only, no pictures of anyone"
      + (", but it does hold participants' names" if d.names_shown else "") + ".</p>")
    w("</section></body></html>")
    return "\n".join(out) + "\n"
