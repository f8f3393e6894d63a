"""The panel and overlay pages in a real browser engine: Debian's headless Chromium
driven by Playwright, fed a recorded FrameResult sequence exactly as the agent pushes
it (``classmood.update(<json>)``). DOM assertions (counts, names, list order, in-place
updates) and screenshot checks."""

from __future__ import annotations

import json
import os
import shutil
import time

import cv2
import numpy as np
import pytest

from classmood.labels import COLOURS
from classmood.overlay.view_model import OverlayModel
from classmood.overlay.pages import asset, page_html

from .synthetic import class_sequence, frame_result, grid_tiles, participant

CHROMIUM = os.environ.get("CLASSMOOD_CHROMIUM") or next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # pragma: no cover - a broken browser install
            pytest.skip(f"Chromium does not start: {str(exc).splitlines()[0]}")
        yield b
        b.close()


def open_page(browser, name, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("data:", "about:")) else errors.append(f"request {r.url}"))
    page.set_content(page_html(name))
    page.errors = errors
    return page


def push(page, payload):
    # what Overlay pushes with window.evaluate_js / run_js
    return page.evaluate("window.classmood && window.classmood.update(" + json.dumps(payload, ensure_ascii=True) + ")")


def texts(page, selector):
    return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def css_rgb(hex_colour: str) -> str:
    """``#e07b00`` as a browser's computed style writes it: ``rgb(224, 123, 0)``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_pages_use_the_one_palette_and_copy_none_of_it():
    sources = "".join(asset(n) for n in ("overlay.css", "overlay.js", "panel.css", "panel.js"))
    assert not [c for c in COLOURS.values() if c.lower() in sources.lower()]
    for name in ("overlay", "panel"):
        assert all(f"--c-{k.replace('_', '-')}: {c};" in page_html(name) for k, c in COLOURS.items())


def bgr(hex_colour):
    h = hex_colour.lstrip("#")
    return np.array([int(h[4:6], 16), int(h[2:4], 16), int(h[0:2], 16)])


def colour_pixels(img, hex_colour, tol=18):
    return int((np.abs(img[..., :3].astype(int) - bgr(hex_colour)).max(axis=2) <= tol).sum())


@pytest.fixture
def panel(browser):
    page = open_page(browser, "panel", (380, 660))
    yield page
    assert page.errors == []  # no script error, no network request
    page.close()


def test_panel_shows_the_recorded_class(panel):
    model = OverlayModel()
    results = list(class_sequence(n=12, steps=40))
    assert panel.inner_text("#status-text") == "starting"
    for i, r in enumerate(results):
        model.update(r)
        assert push(panel, model.panel_payload()) == i + 1
    last = model.panel_payload()
    assert [panel.inner_text(s) for s in ("#n-present", "#n-camera-off", "#n-away", "#n-participants")] == \
        ["10", "1", "1", "12"]
    assert panel.inner_text("#status-text") == "analysing"
    assert panel.inner_text("#clock") == "2:00"
    # the attention list: by name, longest first, with how long
    assert texts(panel, "#attention li .who") == ["Edgar Soto", "Cyril Roy"]
    assert texts(panel, "#attention li .what") == ["looks sad, below usual", "away"]
    assert texts(panel, "#attention li .dur") == ["1:20", "37 s"]
    assert panel.get_attribute("#attention li:first-child", "class") == "negative alert"
    borders = panel.eval_on_selector_all("#attention li", "els => els.map(e => getComputedStyle(e).borderLeftColor)")
    assert borders == [css_rgb(COLOURS["angry"]), css_rgb(COLOURS["away"])]  # the palette's colours
    assert not panel.is_visible("#attention-empty")
    # the distribution now: one row per class, bars as wide as the shares
    rows = panel.eval_on_selector_all("#distribution .row", "rs => rs.map(r => [r.dataset.label, "
                                      "r.querySelector('.pct').textContent, r.querySelector('i').style.width])")
    want = {d["label"]: d for d in last["distribution"]}
    assert [r[0] for r in rows] == list(want)
    for label, pct, width in rows:
        assert pct == f"{want[label]['pct']}%" and width == f"{round(1000 * want[label]['share']) / 10:g}%"
    # the valence line of the last 10 minutes
    assert panel.get_attribute("#valence-line", "d") == last["valence"]["path"] != ""
    assert panel.inner_text("#valence-now") == last["valence"]["text"]
    # ...which is the class against each student's usual, said in plain words
    assert "vs usual" in panel.inner_text("#valence-section h2").lower()
    assert panel.get_attribute("#valence-section", "title") == last["valence"]["hint"]


def test_panel_updates_in_place_without_rebuilding(panel):
    model = OverlayModel()
    seq = class_sequence(n=12, steps=60)
    for r in [next(seq) for _ in range(20)]:
        model.update(r)
        push(panel, model.panel_payload())
    panel.evaluate("""() => {
        document.querySelectorAll('#distribution .row, #attention li').forEach(e => e.__kept = true);
        window.__mutations = 0;
        new MutationObserver(ms => ms.forEach(m => window.__mutations += m.addedNodes.length + m.removedNodes.length))
            .observe(document.getElementById('distribution'), {childList: true});
    }""")
    t0 = time.perf_counter()
    for r in seq:
        model.update(r)
        push(panel, model.panel_payload())
    per_update = (time.perf_counter() - t0) / 40
    assert panel.evaluate("() => window.__mutations") == 0
    kept = panel.evaluate("() => [...document.querySelectorAll('#distribution .row, #attention li')]"
                          ".map(e => !!e.__kept)")
    assert kept[:8] == [True] * 8  # the same distribution rows
    assert kept[8] is True  # the attention entry that was there already is the same element
    assert per_update < 0.25  # each update is small (here including the round trip to the browser)


def test_panel_with_fifty_participants_and_a_reordering_list(panel):
    boxes = grid_tiles(50)
    model = OverlayModel()
    # 50 participants; five are away, for different times; then the order changes
    away = {3: 200, 10: 40, 20: 95, 30: 31, 40: 61}
    ps = [participant(i, boxes[i], "away", away_s=away[i]) if i in away else
          participant(i, boxes[i], label=["happy", "neutral", "sad"][i % 3]) for i in range(50)]
    model.update(frame_result(ps, t=10))
    push(panel, model.panel_payload())
    assert panel.inner_text("#n-participants") == "50" and panel.inner_text("#n-away") == "5"
    assert texts(panel, "#attention li .who") == ["P04", "P21", "P41", "P11", "P31"]
    first = panel.evaluate_handle("() => document.querySelector('#attention li[data-key=\"P04:away\"]')")
    # P31 has now been away longest; P04 came back
    away = {10: 41, 20: 96, 30: 500, 40: 62}
    ps = [participant(i, boxes[i], "away", away_s=away[i]) if i in away else
          participant(i, boxes[i], label="neutral") for i in range(50)]
    model.update(frame_result(ps, t=11))
    push(panel, model.panel_payload())
    assert texts(panel, "#attention li .who") == ["P31", "P21", "P41", "P11"]
    assert texts(panel, "#attention li .dur") == ["8:20", "1:36", "1:02", "41 s"]
    assert panel.evaluate("e => e.isConnected", first) is False
    assert panel.inner_text("#attention-count") == "4"


def test_panel_screenshot(panel, tmp_path):
    model = OverlayModel()
    for r in class_sequence(n=12, steps=1300):  # 650 s: a full 10-minute valence line
        model.update(r)
    push(panel, model.panel_payload())
    path = tmp_path / "panel.png"
    panel.screenshot(path=str(path))
    img = cv2.imread(str(path))
    assert img.shape[:2] == (660, 380)
    box = panel.eval_on_selector("#valence", "e => { const r = e.getBoundingClientRect(); "
                                 "return [r.x, r.y, r.width, r.height].map(Math.round); }")
    x, y, w, h = box
    line = colour_pixels(img[y:y + h, x:x + w], "#6cb4ff", tol=40)
    assert line > 150  # the valence line is drawn
    for label in ("happy", "sad", "neutral"):
        assert colour_pixels(img, COLOURS[label], tol=10) > 20, label  # the distribution bars
    assert colour_pixels(img, "#151a21", tol=2) > 0.4 * img.shape[0] * img.shape[1]  # the background


def test_panel_controls_buttons_and_keys_only_flip_flags(panel):
    push(panel, OverlayModel().panel_payload())
    # as in pywebview: window.pywebview.api.toggle(name) -> Promise of the new status
    panel.evaluate("""() => {
        window.__flags = {paused: false, hidden: false, presence_only: false, expressions_allowed: true};
        window.pywebview = {api: {toggle: name => {
            window.__flags[name] = !window.__flags[name];
            return Promise.resolve(Object.assign({state: window.__flags.paused ? 'paused' : 'analysing'},
                                                 window.__flags));
        }}};
    }""")
    panel.keyboard.press("p")
    panel.wait_for_function("() => document.querySelector('#btn-paused .lbl').textContent === 'Resume'")
    assert panel.inner_text("#status-text") == "paused"
    panel.click("#btn-hidden")
    panel.wait_for_function("() => document.querySelector('#btn-hidden').getAttribute('aria-pressed') === 'true'")
    assert panel.inner_text("#btn-hidden .lbl") == "Show overlay"
    panel.keyboard.press("e")
    panel.wait_for_function("() => document.querySelector('#flags').textContent.includes('presence only')")
    panel.keyboard.press("Control+p")  # with a modifier: not ours
    assert panel.evaluate("() => classmood.controls()") == ["paused", "hidden", "presence_only"]
    # a presence-only session: the switch is locked
    push(panel, {**OverlayModel().panel_payload(),
                 "status": {"paused": False, "hidden": False, "presence_only": True,
                            "expressions_allowed": False, "state": "analysing"}})
    assert panel.is_disabled("#btn-presence_only")
    panel.keyboard.press("e")
    assert panel.evaluate("() => classmood.controls()") == ["paused", "hidden", "presence_only"]


def test_panel_notes_and_the_pick_button(panel):
    """What limits the reading shows while the payload carries it; "Pick the gallery" (and
    G) asks the page's js_api to pick, shows that the picker is open, then its outcome; a
    session that cannot pick (a webcam) shows no such button."""
    model = OverlayModel()
    for r in class_sequence(n=9, steps=3):
        model.update(r)
    pay = model.panel_payload()
    push(panel, pay)
    assert not panel.is_visible("#notes-section") and not panel.is_visible("#btn-pick")
    note = "The meeting shows the speaker view or a screen share: only the filmstrip is read."
    push(panel, {**pay, "notes": [note], "status": {**pay["status"], "can_pick": True}})
    assert texts(panel, "#notes li") == [note] and panel.is_visible("#btn-pick")
    assert panel.inner_text("#btn-pick .lbl") == "Pick the gallery"
    panel.evaluate("""() => {
        window.__picks = 0;
        window.pywebview = {api: {pick: () => { window.__picks += 1;
            return Promise.resolve({paused: false, hidden: false, presence_only: false, can_pick: true,
                                    picking: true, message: '', state: 'analysing'}); }}};
    }""")
    panel.keyboard.press("g")
    panel.wait_for_function("() => document.querySelector('#btn-pick').disabled")
    assert panel.inner_text("#btn-pick .lbl") == "Drag over the gallery\u2026"
    panel.keyboard.press("g")  # the picker is open: not a second one
    panel.click("#btn-pick", force=True)
    assert panel.evaluate("() => window.__picks") == 1
    done = {**pay["status"], "can_pick": True, "picking": False,
            "message": "Watching the rectangle you picked, 840x480 at 10,10."}
    push(panel, {**pay, "notes": [], "status": done})
    assert not panel.is_visible("#notes-section") and not panel.is_disabled("#btn-pick")
    assert panel.inner_text("#pick-message") == "Watching the rectangle you picked, 840x480 at 10,10."
    assert panel.evaluate("() => classmood.controls()").count("pick") == 1
    assert panel.errors == []


def test_panel_in_presence_only_mode(panel):
    model = OverlayModel()
    model.controls.set("presence_only", True)
    for r in class_sequence(n=9, steps=40):
        model.update(r)
    push(panel, model.panel_payload())
    assert panel.is_visible("#presence-note")
    assert not panel.is_visible("#distribution") and not panel.is_visible("#valence-section")
    assert texts(panel, "#attention li .what") == ["away"]  # nobody is "negative" without expressions
    assert panel.inner_text("#flags") == "presence only"


def test_overlay_page_places_badges_and_is_transparent(browser, tmp_path):
    page = open_page(browser, "overlay", (1280, 720))
    boxes = grid_tiles(9)
    model = OverlayModel()
    ps = [participant(i, boxes[i], label=["happy", "sad", "neutral"][i % 3]) for i in range(8)]
    ps.append(participant(8, boxes[8], "camera_off"))
    model.update(frame_result(ps), origin=(0, 0), size=(1280, 720))
    pay = model.overlay_payload()
    assert push(page, pay) == 1
    got = page.eval_on_selector_all(".badge", "bs => bs.map(b => { const r = b.getBoundingClientRect(); "
                                    "return [b.dataset.id, Math.round(r.x), Math.round(r.y), Math.round(r.width), "
                                    "Math.round(r.height), b.textContent]; })")
    assert got == [[b["id"], b["x"], b["y"], b["w"], b["h"], b["text"]] for b in pay["badges"]]
    assert page.is_visible("#indicator")
    # transparent everywhere but the badges and the indicator
    path = tmp_path / "overlay.png"
    page.screenshot(path=str(path), omit_background=True)
    rgba = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    alpha = rgba[..., 3]
    drawn = np.zeros(alpha.shape, bool)
    for b in pay["badges"] + [pay["indicator"]]:
        drawn[b["y"]:b["y"] + b["h"], b["x"]:b["x"] + b["w"]] = True
        inner = alpha[b["y"] + 3:b["y"] + b["h"] - 3, b["x"] + 3:b["x"] + b["w"] - 3]
        assert (inner == 255).mean() > 0.95
    assert alpha[~drawn].max() == 0
    # the next frame: one left, the others keep their elements
    page.evaluate("() => document.querySelectorAll('.badge').forEach(b => b.__kept = true)")
    model.update(frame_result(ps[:5]), origin=(0, 0), size=(1280, 720))
    push(page, model.overlay_payload())
    assert page.evaluate("() => classmood.count()") == 5
    assert page.evaluate("() => [...document.querySelectorAll('.badge')].every(b => b.__kept)")
    # paused: no badges, the indicator says so
    model.controls.set("paused", True)
    push(page, model.overlay_payload())
    assert page.evaluate("() => classmood.count()") == 0
    assert page.inner_text("#indicator") == "ClassMood paused"
    assert page.errors == []
    page.close()


@pytest.mark.parametrize("scale", [1, 2])
def test_the_compact_strip_shows_every_count_whole(browser, scale):
    """The panel docked as a strip (PANEL_COMPACT, over an app's margin) with a full 7x7
    class: the four counts fit, none cut ("49 in the galle..." read at scale 1 and 2)."""
    from classmood.overlay.layout import PANEL_COMPACT

    page = browser.new_page(viewport={"width": PANEL_COMPACT[0], "height": PANEL_COMPACT[1]},
                            device_scale_factor=scale)
    page.set_content(page_html("panel"))
    model = OverlayModel()
    for r in class_sequence(n=49, steps=3):
        model.update(r)
    push(page, model.panel_payload())
    cut = page.evaluate("""() => [...document.querySelectorAll('.count, body')]
        .filter(e => e.scrollWidth > e.clientWidth).map(e => e.className || e.tagName)""")
    counts = page.eval_on_selector_all(".count", "els => els.map(e => e.innerText.replace(/\\s+/g, ' ').trim())")
    right = page.evaluate("() => Math.max(...[...document.querySelectorAll('.count')].map(e => e.getBoundingClientRect().right))")
    page.close()
    assert cut == [], cut
    assert right <= PANEL_COMPACT[0], right
    assert [c.split(" ", 1)[1] for c in counts] == ["present", "off", "away", "all"]
    assert counts[-1].startswith("49")


@pytest.mark.parametrize("scale", [1, 2])
def test_the_tab_shows_every_count_whole(browser, scale):
    """The panel as a tab (PANEL_TAB, beside the faces of a gallery filling the screen
    edge to edge) with a class of 100: the status dot and the four counts, one above
    the other, each whole and inside the tab, each saying what it counts on hover."""
    from classmood.overlay.layout import PANEL_TAB

    page = browser.new_page(viewport={"width": PANEL_TAB[0], "height": PANEL_TAB[1]}, device_scale_factor=scale)
    page.set_content(page_html("panel"))
    model = OverlayModel()
    for r in class_sequence(n=49, steps=3):
        model.update(r)
    pay = model.panel_payload()
    pay["counts"] = {**pay["counts"], "present": 88, "participants": 100}  # three digits (the synth class stops at 64)
    push(page, pay)
    cut = page.evaluate("""() => [...document.querySelectorAll('.count, .count b, body')]
        .filter(e => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight)
        .map(e => e.className || e.tagName)""")
    boxes = page.evaluate("""() => [...document.querySelectorAll('.count, .status .pulse')].map(e => {
        const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
    counts = page.eval_on_selector_all(".count", "els => els.map(e => [e.innerText.trim(), e.title])")
    visible = page.eval_on_selector_all("#expressions, .controls, #status-text",
                                        "els => els.map(e => e.offsetParent !== null)")
    page.close()
    assert cut == [], cut
    assert all(0 <= l and r <= PANEL_TAB[0] and 0 <= t and b <= PANEL_TAB[1] for l, t, r, b in boxes), boxes
    assert [t for _, t in counts] == ["present", "cameras off", "away", "in the gallery"]
    assert all(c.isdigit() for c, _ in counts) and counts[-1][0] == "100", counts
    assert visible == [False, False, False]
