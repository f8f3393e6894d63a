"""Shows the real overlay and panel (run_with_overlay) over a gallery on the X display,
for the tests: ``python -m tests.overlay.overlay_driver GALLERY.png [--panel X,Y,W,H]``.

The FrameResult comes from classmood.Pipeline run on the gallery image (three frames,
so that labels are confirmed). It is pushed at 2 Hz; after the pages have shown it, one
JSON line is printed: the overlay payload, the mask rectangles, the backend. Each line
on stdin (``paused``, ``hidden``, ``presence_only``) toggles that control and prints a
new report once the pages have repainted. SIGTERM ends it like the panel's close."""

from __future__ import annotations

import argparse
import json
import queue
import signal
import sys
import threading
import time

import cv2

from classmood.overlay.window import _toolkit_scale, run_with_overlay
from classmood.types import Frame


def pipeline_result(image, frames: int = 3):
    from classmood import Pipeline

    with Pipeline() as pipe:
        for k in range(frames):
            result = pipe.process(image, k * 0.5)
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("gallery")
    ap.add_argument("--origin", default="0,0")
    ap.add_argument("--panel", default=None)
    args = ap.parse_args()
    image = cv2.imread(args.gallery)
    ox, oy = (int(v) for v in args.origin.split(","))
    panel = tuple(int(v) for v in args.panel.split(",")) if args.panel else None
    result = pipeline_result(image)
    h, w = image.shape[:2]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    reports: queue.Queue = queue.Queue()
    reports.put({"overlay": 0, "panel": 0})  # the first report: once both pages got something

    def report(ov, before: dict) -> None:
        deadline = time.monotonic() + 30
        while any(ov.pushed[k] <= before[k] for k in before) and time.monotonic() < deadline and not stop.is_set():
            time.sleep(0.05)
        time.sleep(0.6)  # let the compositor repaint
        print(json.dumps({"overlay": ov.payloads["overlay"], "panel": ov.payloads["panel"],
                          "mask": ov.mask_rects(), "panel_rect": list(ov.panel_rect), "region": list(ov.region),
                          "backend": ov.backend, "click_through": ov.click_through, "scale": ov.scale,
                          "pinned": ov.panel_pinned, "clipped": ov.clipped_badges(),
                          "toolkit_scale": _toolkit_scale(ov.monitors),
                          "participants": [p.to_dict() for p in result.participants]}), flush=True)

    def commands(ov) -> None:
        for line in sys.stdin:
            name = line.strip()
            if name:
                before = dict(ov.pushed)
                ov.controls.toggle(name)  # the pages get the new state (one push each)
                reports.put(before)

    def work(ov):
        threading.Thread(target=commands, args=(ov,), daemon=True).start()
        t0 = time.monotonic()
        i = 0
        while not stop.is_set() and not ov.stop.is_set():
            if not ov.paused:  # as classmood run: nothing is analysed while paused
                ov.update(Frame(image, time.monotonic() - t0, i, origin=(ox, oy)), result)
            i += 1
            try:
                report(ov, reports.get_nowait())
            except queue.Empty:
                pass
            time.sleep(0.5)
        return i

    frames = run_with_overlay((ox, oy, w, h), work, stop=stop, panel_rect=panel)
    print(json.dumps({"done": frames}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
