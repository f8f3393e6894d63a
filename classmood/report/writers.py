"""The report's files: ``report.csv``, ``report.json`` and ``report.html`` written
atomically and readable by their owner only, and ``report.pdf`` printed from the HTML by
headless Chromium. The CSV's columns are documented in :mod:`classmood.report` and
``classmood/report/SCHEMA.md``."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Callable, Iterator

import numpy as np

from ..errors import InputError
from ..labels import LABELS, SHOWN_LABELS, UNCERTAIN_REASONS, USUAL
from .accounting import NOT_STORED, dominant
from .data import ReportData

CSV_COLUMNS = ("session_id", "participant", "name", "interval_start_s", "interval_end_s", "interval_read_s",
               "present_s", "away_s", "camera_off_s", "dominant_expression", *(f"share_{c}" for c in LABELS),
               "mean_valence", "mean_valence_change", "usual_expression", "dominant_vs_usual", "share_as_usual",
               "uncertain_s", "uncertain_reason", "uncertain_reason_share")
"""The columns of ``report.csv``, in order."""

PDF_TIMEOUT_S = 120.0
"""The longest Chromium may take to print the PDF."""


def csv_rows(d: ReportData) -> Iterator[tuple]:
    """The rows of ``report.csv`` (without the header): one per participant (in the
    report's order) per interval, as :data:`CSV_COLUMNS`; seconds with 3 decimals,
    shares, valence and valence change with 4, empty where unknown or in presence-only
    sessions."""
    sid = d.info.id
    n_int = len(d.edges) - 1
    starts = [f"{x:.3f}" for x in d.edges[:-1]]
    ends = [f"{x:.3f}" for x in d.edges[1:]]
    read = [f"{x:.3f}" for x in (np.diff(d.edges) if d.read_s is None else d.read_s)]
    po = d.presence_only
    reasons = (*UNCERTAIN_REASONS, NOT_STORED)
    for i, pid in enumerate(d.ids):
        name = d.names[i]
        pres = d.present[i]
        labs = d.labels[i]
        tot = labs.sum(1)
        dom = dominant(labs)
        shown = d.shown[i] if d.usual_known and d.shown is not None else None
        why = d.reasons[i] if d.reasons is not None else np.zeros((n_int, len(reasons)))
        usual = d.people[i]["usual_expression"] or ""
        for k in range(n_int):
            if po or tot[k] <= 0:
                shares = [""] * len(LABELS)
            else:
                shares = [f"{x / tot[k]:.4f}" for x in labs[k]]
            yield (sid, pid, name, starts[k], ends[k], read[k], f"{pres[k, 0]:.3f}", f"{pres[k, 1]:.3f}",
                   f"{pres[k, 2]:.3f}", "" if po or dom[k] < 0 else LABELS[dom[k]], *shares,
                   _number(d.valence[i, k], po), _number(d.valence_change[i, k], po),
                   *_vs_usual(shown, k, usual, po), *_uncertain(why[k], reasons, po))


def _vs_usual(shown: np.ndarray | None, k: int, usual: str, presence_only: bool) -> tuple[str, str, str]:
    """``usual_expression``, ``dominant_vs_usual`` and ``share_as_usual`` of interval ``k``
    (``shown``: seconds [n_int, len(SHOWN_LABELS)], or None: no usual labels stored)."""
    if presence_only or shown is None:
        return "", "", ""
    tot = shown[k].sum()
    if tot <= 0:
        return usual, "", ""
    return usual, SHOWN_LABELS[int(shown[k].argmax())], f"{shown[k, SHOWN_LABELS.index(USUAL)] / tot:.4f}"


def _uncertain(secs: np.ndarray, reasons: tuple[str, ...], presence_only: bool) -> tuple[str, str, str]:
    """``uncertain_s``, ``uncertain_reason`` (the commonest) and ``uncertain_reason_share``
    from the uncertain seconds per reason ``secs`` [len(reasons)]."""
    if presence_only:
        return "", "", ""
    tot = float(secs.sum())
    if tot <= 0:
        return "0.000", "", ""
    j = int(secs.argmax())
    return f"{tot:.3f}", reasons[j], f"{secs[j] / tot:.4f}"


def _number(v: float, presence_only: bool) -> str:
    """A valence (or change) for the CSV: 4 decimals; empty when unknown or presence-only."""
    return "" if presence_only or not math.isfinite(v) else f"{v:.4f}"


def write_csv(f: IO[str], d: ReportData) -> None:
    """Write ``report.csv`` (header and rows) to the text file ``f``."""
    w = csv.writer(f, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    w.writerows(csv_rows(d))


def write_json(f: IO[str], d: ReportData) -> None:
    """Write ``report.json`` (:meth:`ReportData.to_json`) to the text file ``f``."""
    json.dump(d.to_json(), f, ensure_ascii=False, indent=1)


def prepare_folder(out: Path) -> Path:
    """Create the report's folder if needed and check a file can be written in it.

    Raises:
        InputError: it cannot be created or written to (``option="out"``).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise InputError(f"{out}: cannot write the report there ({e.strerror or e}); choose another folder",
                         option="out") from None
    return out


def write_file(folder: Path, name: str, fill: Callable[[IO[str]], None]) -> Path:
    """Write ``folder/name`` atomically (a temporary file renamed into place), readable
    by its owner only (mkstemp's mode 0600: a report is about students, and may hold
    their names). ``fill`` writes the text; a ``.csv`` gets a UTF-8 byte-order mark (so
    spreadsheet programs read it as UTF-8) and untranslated newlines.

    Returns:
        The file's path.
    """
    path = folder / name
    is_csv = name.endswith(".csv")
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if is_csv else "utf-8", newline="" if is_csv else None) as f:
            fill(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def find_chromium() -> str | None:
    """A headless-capable Chromium on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


def chromium_command(browser: str, *args: str) -> list[str]:
    """A headless Chromium command line for a local file we wrote (no network needed):
    ``browser`` (a path from :func:`find_chromium`), the fixed flags, then ``args``."""
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
            "--no-first-run", "--hide-scrollbars", *args]


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print the page ``html`` to ``pdf`` with headless Chromium (owner-only, like the
    other report files).

    Returns:
        ``pdf``.

    Raises:
        InputError: no Chromium, or it failed or took over ``PDF_TIMEOUT_S`` seconds.
    """
    browser = find_chromium()
    if browser is None:
        raise InputError("PDF needs Chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="classmood-chromium-") as profile:
        cmd = chromium_command(browser, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                               f"--print-to-pdf={pdf}", html.resolve().as_uri())
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise InputError(f"{pdf}: Chromium did not print the PDF within {PDF_TIMEOUT_S:.0f} s; "
                             "open the HTML report and print it from a browser") from None
    if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        why = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise InputError(f"{pdf}: Chromium could not print the PDF ({why[0]}); "
                         "open the HTML report and print it from a browser")
    try:
        os.chmod(pdf, 0o600)  # like the other report files: for the teacher only (it may hold names)
    except OSError:
        pass
    return pdf
