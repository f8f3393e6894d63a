"""Makes docs/overlay.jpg and docs/panel.png: the real overlay and panel windows
(pywebview + Qt WebEngine) on a private Xvfb + xcompmgr screen, over a synthetic
gallery built from matplotlib's bundled portrait (no real participant anywhere).

    python docs/screenshots.py            # needs Xvfb, xcompmgr and the overlay extra

Tiles, faces and presence come from classmood.Pipeline run on the gallery; the
expressions, names and the 10-minute valence history are set by hand so that the
picture shows every kind of badge and a full panel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCREEN = (1680, 730)
GALLERY = (1280, 720)
PANEL = (1292, 0, 380, 720)
NAMES = ["Ana Lopez", "Bob Kim", "Cyril Roy", "Diana Park", "Edgar Soto", "Fatima Ali", "Gustav Berg",
         "Hugo Silva", "Ivy Chen"]
LABELS = {0: ("happy", 0.81), 1: ("neutral", 0.64), 2: ("sad", 0.58), 3: ("surprise", 0.72), 5: ("uncertain", 0.31),
          6: ("happy", 0.67), 7: ("neutral", 0.55)}
VALENCE = {"happy": 0.8, "neutral": 0.0, "sad": -0.6, "surprise": 0.2, "uncertain": 0.0}

_SHOW = r"""
import sys, cv2
img = cv2.imread(sys.argv[1])
cv2.namedWindow("gallery", cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
cv2.moveWindow("gallery", 0, 0)
cv2.imshow("gallery", img)
for _ in range(10):
    cv2.waitKey(20)
print("shown", flush=True)
while True:  # drawn again and again: the compositor may have come after the first paint
    cv2.imshow("gallery", img)
    cv2.waitKey(100)
"""


def gallery() -> np.ndarray:
    from classmood.synth import compose_gallery, sample_portrait, webcam_view

    face = sample_portrait()
    views = [webcam_view(face, seed=20 + i) for i in range(7)]
    views.insert(4, webcam_view(face, seed=40, present=False))
    views.append(None)
    return compose_gallery(views, GALLERY, names=NAMES, seed=0, noise=1.0).image


def history(result, n: int = 1300, dt: float = 0.5):
    """A made-up class: valence drifting through the lesson, a dip 3 minutes ago; its
    change from the class's usual (0.12, the panel's line) likewise."""
    out = []
    for k in range(n):
        t = k * dt
        v = 0.12 + 0.1 * np.sin(t / 70.0) - 0.28 * np.exp(-((t - 470) / 40.0) ** 2) + 0.03 * np.sin(t * 1.7)
        out.append(replace(result, timestamp=t, mood=replace(result.mood, valence=float(v),
                                                             valence_change=float(v - 0.12), alerts=())))
    return out


def main() -> int:
    from classmood import Pipeline
    from classmood.overlay.window import overlay_unavailable, run_with_overlay
    from classmood.types import Alert, Frame, Presence

    for n in range(800, 900):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            break
    display = f":{n}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    env = dict(os.environ, DISPLAY=display, XDG_SESSION_TYPE="x11", QT_QPA_PLATFORM="xcb")
    comp = subprocess.Popen(["xcompmgr"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    os.environ.update(DISPLAY=display, XDG_SESSION_TYPE="x11")
    image = gallery()
    path = Path("/tmp/classmood-docs-gallery.png")
    cv2.imwrite(str(path), image)
    win = subprocess.Popen([sys.executable, "-c", _SHOW, str(path)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert win.stdout.readline().strip() == "shown"
        reason = overlay_unavailable()
        if reason:
            print(f"no overlay here: {reason}", file=sys.stderr)
            return 2
        with Pipeline(names=False) as pipe:
            for k in range(3):
                result = pipe.process(image, k * 0.5)
        parts = []
        for p in result.participants:
            i = p.tile_index
            p = replace(p, name=NAMES[i])
            if p.presence is Presence.PRESENT and i in LABELS:
                label, conf = LABELS[i]
                p = replace(p, label=label, confidence=conf, valence=VALENCE[label],
                            negative_s=95.0 if label == "sad" else 0.0)
            if p.presence is Presence.AWAY:
                p = replace(p, away_s=134.0)
            parts.append(p)
        present = [p for p in parts if p.presence is Presence.PRESENT]
        dist = {}
        for p in present:
            dist[p.label] = dist.get(p.label, 0.0) + 1 / len(present)
        alerts = (Alert("away", parts[4].id, 134.0, "Edgar Soto away for 2:14"),
                  Alert("negative", parts[2].id, 95.0, "Cyril Roy looks sad for 1:35"))
        final = replace(result, participants=tuple(parts),
                        mood=replace(result.mood, distribution=dist, alerts=alerts))
        past = history(final)

        def work(ov):
            for r in past[:-1]:
                ov.model.update(r, (0, 0), GALLERY)
            last = replace(final, timestamp=past[-1].timestamp,
                           mood=replace(final.mood, valence=past[-1].mood.valence,
                                        valence_change=past[-1].mood.valence_change))
            for _ in range(6):
                ov.update(Frame(image, last.timestamp, origin=(0, 0)), last)
                time.sleep(0.5)
            time.sleep(1.5)
            import mss

            def grab():
                with mss.MSS(display=display) as sct:
                    box = {"left": 0, "top": 0, "width": SCREEN[0], "height": SCREEN[1]}
                    return np.ascontiguousarray(np.asarray(sct.grab(box))[..., :3])

            shot = grab()
            if (np.abs(shot[:GALLERY[1], :GALLERY[0]].astype(int) - 128) <= 1).all(axis=2).mean() > 0.5:
                # xcompmgr now and then stops painting a window it has (see tests/overlay/conftest.py):
                # mapping it again brings it back
                subprocess.run(["xdotool", "search", "--name", "^gallery$", "windowunmap", "--sync", "windowmap",
                                "--sync"], env=env, check=False, capture_output=True)
                time.sleep(1.5)
                shot = grab()
            x, y, w, h = PANEL
            cv2.imwrite(str(ROOT / "docs" / "overlay.jpg"), shot[:GALLERY[1], :GALLERY[0]], [cv2.IMWRITE_JPEG_QUALITY, 85])
            cv2.imwrite(str(ROOT / "docs" / "panel.png"), shot[y:y + h, x:x + w])
            print("wrote docs/overlay.jpg and docs/panel.png")

        run_with_overlay((0, 0) + GALLERY, work, panel_rect=PANEL)
    finally:
        for p in (win, comp, server):
            p.terminate()
            p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
