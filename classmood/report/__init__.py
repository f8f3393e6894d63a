"""The post-class report: what a stored session came to, for the teacher.

    from classmood.agent.store import SessionStore
    from classmood.report import build_report

    with SessionStore(readonly=True) as store:
        paths = build_report(store, "latest", interval_s=60)   # default: default_interval(length)
    print(paths.html)          # also paths.csv, paths.json, paths.pdf (with pdf=True)

or ``classmood report latest [--db FILE] [--out DIR] [--interval S] [--no-names]
[--from S] [--to S] [--pdf]``. By default the files go to
``<db folder>/reports/session-<id>/`` (``<db file name>-session-<id>/`` for a database not named
``classmood.db``: :func:`~classmood.report.build.default_report_dir`): ``report.html``, ``report.csv``, ``report.json``
(and ``report.pdf``).

**report.html** is one self-contained file (plots embedded as base64 PNG, sparklines
as inline SVG; it fetches nothing): the class timeline (expression shares per interval,
the class valence change from its baselines, presence), a participant heatmap, the
moments to look at again (the intervals where the class valence change dropped most or
many were away, at m:ss from the session start and the wall-clock time), a table per
participant sorted by need of attention, the alerts, and the caveats: what the expression model can and cannot tell,
its measured accuracy, and the EU AI Act's prohibition of emotion recognition in
education (Art. 5(1)(f)) with ClassMood's presence-only mode. A presence-only session's
report has no expression sections.

**report.csv** (UTF-8 with a byte-order mark, so spreadsheet programs show accented and
Korean names right; read it with ``encoding="utf-8-sig"``): one row per participant
per interval, in the order of the participant table, with these columns:

==========================  ===============================================================
``session_id``              the session's id in the database
``participant``             the participant's anonymous id (``P01``, ``P02``, ...)
``name``                    the name label read from the gallery; empty unless the session
                            stored names and the report shows them (not with ``--no-names``)
``interval_start_s``        interval start, seconds from the session start
``interval_end_s``          interval end (the last interval may be shorter)
``present_s``               seconds with a face in view in this interval
``away_s``                  seconds with the camera on and nobody in view
``camera_off_s``            seconds with a name card or still photo instead of video
``dominant_expression``     the label the participant showed longest while present
                            (a FER2013 class or ``uncertain``); empty without any, and in
                            presence-only sessions
``share_<label>``           for each of ``angry``, ``disgust``, ``fear``, ``happy``,
                            ``sad``, ``surprise``, ``neutral``, ``uncertain``: the share
                            (0..1) of the participant's labelled face time in the interval
                            with that label; empty when there was none
``mean_valence``            time-weighted mean of the participant's smoothed valence
                            (-1..1) while present; empty when unknown
``mean_valence_change``     the same of their valence minus their own baseline (their
                            usual, resting valence): 0 as usual, below 0 more negative;
                            empty when unknown (and for sessions stored before baselines)
==========================  ===============================================================

Seconds are counted as described in :mod:`classmood.report.collect` (each observation
counts for its frame: until the next analysed frame, one frame step before a pause and
for the last frame; the rule of :mod:`classmood.agent.summary`). A participant not in
the meeting during an interval has a row of zeros there.

**report.json** is the full summary with ``"schema_version": 1``: session, settings,
model, participants, intervals, moments, alerts, caveats. Its schema, and this CSV's,
are documented in ``classmood/report/SCHEMA.md``.

The package, one job per module: ``collect`` (the figures, from the store), ``accounting``
(their time arithmetic), ``events`` (moments, alert episodes), ``caveats``, ``data`` (the
figures' types and the JSON), ``plots``, ``html``, ``writers`` (the files, the PDF),
``interval`` (the default interval) and ``build`` (:func:`build_report`, all of them in turn).
"""

from .build import ReportPaths, build_report
from .collect import collect
from .data import SCHEMA_VERSION, ReportData
from .interval import default_interval
from .writers import CSV_COLUMNS

__all__ = ["CSV_COLUMNS", "SCHEMA_VERSION", "ReportData", "ReportPaths", "build_report", "collect", "default_interval"]
