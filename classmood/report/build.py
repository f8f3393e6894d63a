"""Write a session's report: read it, compute its figures, draw its plots and write its
files (:func:`build_report`); where the files went, and how long each step took, come
back as :class:`ReportPaths`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..agent.store import DEFAULT_DB_NAME, SessionStore
from ..errors import InputError
from . import html, plots
from .collect import check_request, figures, read_session
from .writers import find_chromium, prepare_folder, print_pdf, write_csv, write_file, write_json


@dataclass(frozen=True)
class ReportPaths:
    """Where a report's files were written. ``pdf`` is None unless it was asked for.

    ``timings_s``: seconds spent in each step, in order: ``read`` (the store),
    ``figures``, ``plots``, ``write`` (CSV, JSON, HTML), ``pdf`` (when printed), ``total``.
    """

    folder: Path
    html: Path
    csv: Path
    json: Path
    pdf: Path | None = None
    timings_s: Mapping[str, float] = field(default_factory=dict, compare=False)


def default_report_dir(db_path: str | Path, session_id: int) -> Path:
    """Where a session's report goes by default: ``<db folder>/reports/session-<id>/`` for
    the default database's name (``classmood.db``), else ``<db folder>/reports/<db file
    name>-session-<id>/``, so that databases sharing a folder never write over each other's
    reports (a newcomer's x.db, x2.db and x3.db all wrote ``reports/session-1``; with the
    stem alone, x.db and x.sqlite both wrote ``x-session-1``).

    Args:
        db_path: the session's database file.
        session_id: the session's id in it.

    Returns:
        The folder (not created).
    """
    path = Path(db_path).expanduser()
    name = f"session-{int(session_id)}"
    if path.name != DEFAULT_DB_NAME:
        name = f"{path.name}-{name}"
    return path.parent / "reports" / name


def build_report(store: SessionStore, ref: int | str = "latest", out_dir: Path | None = None, *,
                 interval_s: float | None = None, names: bool = True, start_s: float | None = None,
                 end_s: float | None = None, pdf: bool = False) -> ReportPaths:
    """Write the post-class report of session ``ref`` of ``store``: ``report.html``
    (self-contained), ``report.csv``, ``report.json`` and, with ``pdf``, ``report.pdf``.

    Args:
        store: the session store (read-only or not).
        ref: a session id, or ``"latest"``.
        out_dir: the folder (default :func:`default_report_dir`: ``<db folder>/reports/session-<id>/``,
            ``<db folder>/reports/<db file name>-session-<id>/`` for a database not named ``classmood.db``).
        interval_s: the length of the report's time intervals in seconds (default: by
            the session's length, :func:`~classmood.report.interval.default_interval`).
        names: show the participants' names if the session stored them (False:
            anonymous ids only).
        start_s, end_s: only this window of the session (seconds from its start).
        pdf: also print the HTML to PDF with headless Chromium.

    Returns:
        The files' paths and the steps' timings.

    Raises:
        InputError: (one line) an unknown session, an empty database, a bad interval or
            window, an unwritable folder or no Chromium; ``option`` names the parameter
            to change where one would fix it.
    """
    t_all = time.perf_counter()
    if pdf and find_chromium() is None:  # before any work
        raise InputError("PDF needs Chromium: apt-get install chromium")
    check_request(interval_s, start_s, end_s)
    timings: dict[str, float] = {}
    tick = time.perf_counter()
    rows = read_session(store, ref, interval_s=interval_s, start_s=start_s, end_s=end_s)
    timings["read"] = time.perf_counter() - tick
    tick = time.perf_counter()
    data = figures(rows, names=names)
    timings["figures"] = time.perf_counter() - tick
    folder = Path(out_dir).expanduser() if out_dir is not None else default_report_dir(store.path, data.info.id)
    prepare_folder(folder)
    tick = time.perf_counter()
    pngs = plots.render_all(data)
    timings["plots"] = time.perf_counter() - tick
    tick = time.perf_counter()
    csv_path = write_file(folder, "report.csv", lambda f: write_csv(f, data))
    json_path = write_file(folder, "report.json", lambda f: write_json(f, data))
    html_path = write_file(folder, "report.html", lambda f: f.write(html.render(data, pngs)))
    timings["write"] = time.perf_counter() - tick
    pdf_path = None
    if pdf:
        tick = time.perf_counter()
        pdf_path = print_pdf(html_path, folder / "report.pdf")
        timings["pdf"] = time.perf_counter() - tick
    timings["total"] = time.perf_counter() - t_all
    return ReportPaths(folder=folder, html=html_path, csv=csv_path, json=json_path, pdf=pdf_path, timings_s=timings)
