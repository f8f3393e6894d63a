"""classmood._native.quiet_native_stderr (and io.quiet_decoders over it) at the file
descriptor level: every scenario runs in a fresh interpreter whose stderr is a pipe we
read, so what reaches the real stderr is checked exactly and the test's own fd 2 is never
touched. Threads are ordered with events, so overlaps happen the same way every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import json, os, sys, threading
from classmood._native import quiet_native_stderr

def w(text):
    os.write(2, text.encode())

def fd2():
    st = os.fstat(2)
    return (st.st_dev, st.st_ino)

def started(target):
    t = threading.Thread(target=target)
    t.start()
    return t

waits = []  # every Event.wait's result: all must be True, or the ordering did not happen

def wait(event):
    waits.append(event.wait(10))

out = {}
fd2_before = fd2()
"""

EPILOGUE = """
out["fd2_restored"] = fd2() == fd2_before
out["waits_ok"] = all(waits)
print(json.dumps(out))
"""


def run_scenario(body: str) -> tuple[dict, str]:
    """Run ``body`` (after the prelude) in a fresh Python; its result dict and its stderr."""
    code = PRELUDE + textwrap.dedent(body) + EPILOGUE
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"scenario failed (rc {proc.returncode}); stderr:\n{proc.stderr}"
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no result; stderr:\n{proc.stderr}"
    out = json.loads(lines[-1])
    assert out.pop("waits_ok"), "the threads did not overlap as planned"
    return out, proc.stderr


@pytest.mark.parametrize("a_leaves_first", [True, False], ids=["first-in-first-out", "last-in-first-out"])
def test_overlapping_blocks_in_two_threads_hold_back_then_restore_fd2(a_leaves_first):
    out, err = run_scenario(f"""
        a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
        A_LEAVES_FIRST = {a_leaves_first!r}

        def a():
            with quiet_native_stderr():
                w("A inside\\n")
                a_in.set()
                wait(b_in)
                if not A_LEAVES_FIRST:
                    wait(b_out)
                w("A late\\n")
            a_out.set()

        def b():
            wait(a_in)
            with quiet_native_stderr():
                w("B inside\\n")
                b_in.set()
                if A_LEAVES_FIRST:
                    wait(a_out)
                    w("B after A left\\n")  # A is gone, B is not: still held back
            b_out.set()

        ta, tb = started(a), started(b)
        ta.join(); tb.join()
        w("after\\n")
    """)
    assert err == "after\n"
    assert out["fd2_restored"]


def test_a_failing_block_writes_out_what_it_captured():
    out, err = run_scenario("""
        w("before\\n")
        try:
            with quiet_native_stderr():
                w("native chatter\\n")
                raise RuntimeError("boom")
        except RuntimeError as exc:
            out["raised"] = str(exc)
        w("after\\n")
    """)
    assert out["raised"] == "boom"
    assert err == "before\nnative chatter\nafter\n"
    assert out["fd2_restored"]


def test_a_block_failing_while_another_thread_holds_the_redirect():
    """B fails while A's block is open: B's window (including A's text written in it) is
    written out at once; what A wrote before B entered and after B left is dropped."""
    out, err = run_scenario("""
        a_in, b_in, a_wrote, b_out = (threading.Event() for _ in range(4))

        def a():
            with quiet_native_stderr():
                w("A before B\\n")
                a_in.set()
                wait(b_in)
                w("A while B is open\\n")
                a_wrote.set()
                wait(b_out)
                w("A after B\\n")

        def b():
            wait(a_in)
            try:
                with quiet_native_stderr():
                    w("B chatter\\n")
                    b_in.set()
                    wait(a_wrote)
                    raise ValueError("B failed")
            except ValueError:
                out["b_raised"] = True
            b_out.set()

        ta, tb = started(a), started(b)
        ta.join(); tb.join()
        w("after\\n")
    """)
    assert out["b_raised"]
    assert err == "B chatter\nA while B is open\nafter\n"
    assert out["fd2_restored"]


def test_two_failing_overlapping_blocks_write_each_byte_once():
    out, err = run_scenario("""
        a_in, b_out = threading.Event(), threading.Event()

        def a():
            try:
                with quiet_native_stderr():
                    w("A1\\n")
                    a_in.set()
                    wait(b_out)
                    w("A2\\n")
                    raise KeyError("a")
            except KeyError:
                pass

        def b():
            wait(a_in)
            try:
                with quiet_native_stderr():
                    w("B1\\n")
                    raise KeyError("b")
            except KeyError:
                pass
            b_out.set()

        ta, tb = started(a), started(b)
        ta.join(); tb.join()
        w("after\\n")
    """)
    # B fails first and writes out its window (B1) while A is still open; A then writes
    # out what is left of its own window (A1, A2): B1 is not written a second time
    assert err == "B1\nA1\nA2\nafter\n"
    assert out["fd2_restored"]


def test_nested_blocks_and_a_failing_inner_block():
    out, err = run_scenario("""
        with quiet_native_stderr():
            w("outer\\n")
            with quiet_native_stderr():
                w("inner ok\\n")
            w("outer again\\n")
            try:
                with quiet_native_stderr():
                    w("inner failing\\n")
                    raise OSError("inner")
            except OSError:
                pass
            w("outer at the end\\n")
        w("after\\n")
    """)
    assert err == "inner failing\nafter\n"
    assert out["fd2_restored"]


def test_python_level_stderr_text():
    """Text Python buffered before a block reaches the terminal; text Python writes to
    sys.stderr inside a block goes to fd 2, so it is held back like native text."""
    out, err = run_scenario("""
        sys.stderr.write("python before, unflushed ")
        with quiet_native_stderr():
            sys.stderr.write("python inside, unflushed")
        sys.stderr.write("| python after\\n")
        sys.stderr.flush()
    """)
    assert err == "python before, unflushed | python after\n"
    assert out["fd2_restored"]


def test_many_cycles_reuse_one_capture_file_and_leak_no_descriptors():
    out, err = run_scenario("""
        import tempfile
        made = []
        real = tempfile.TemporaryFile
        def counting(*args, **kwargs):
            made.append(1)
            return real(*args, **kwargs)
        tempfile.TemporaryFile = counting

        def open_fds():
            return sorted(os.listdir("/proc/self/fd"))

        with quiet_native_stderr():  # the capture file is made once, on first use
            pass
        fds_before = open_fds()
        go = threading.Barrier(2)

        def cycles():
            go.wait(10)
            for i in range(1000):
                with quiet_native_stderr():
                    w(f"chatter {i}\\n")

        threads = [started(cycles), started(cycles)]
        for t in threads:
            t.join()
        out["fds_same"] = open_fds() == fds_before
        out["temp_files_made"] = len(made)
        w("after\\n")
    """)
    assert out["temp_files_made"] <= 1
    assert out["fds_same"]
    assert err == "after\n"
    assert out["fd2_restored"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_child_forked_while_another_thread_is_quiet_gets_the_real_stderr_back():
    out, err = run_scenario("""
        a_in, release = threading.Event(), threading.Event()

        def a():
            with quiet_native_stderr():
                w("parent thread inside\\n")
                a_in.set()
                wait(release)

        ta = started(a)
        wait(a_in)
        pid = os.fork()
        if pid == 0:  # the child: thread A does not exist here
            w("child visible\\n")
            with quiet_native_stderr():  # must not wait for A's lock or count
                w("child hidden\\n")
            w("child after\\n")
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        out["child_status"] = status
        release.set()
        ta.join()
        w("after\\n")
    """)
    assert out["child_status"] == 0
    assert err == "child visible\nchild after\nafter\n"
    assert out["fd2_restored"]


def test_quiet_decoders_in_two_threads_restores_opencv_log_and_fd2():
    out, err = run_scenario("""
        import cv2
        from classmood.io import quiet_decoders
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_WARNING)
        a_in, b_in, a_out = (threading.Event() for _ in range(3))
        levels = []

        def a():
            with quiet_decoders():
                w("decoder A\\n")
                a_in.set()
                wait(b_in)
            a_out.set()

        def b():
            wait(a_in)
            with quiet_decoders():
                b_in.set()
                wait(a_out)
                levels.append(int(cv2.utils.logging.getLogLevel()))  # A left, B is still open
                w("decoder B\\n")

        ta, tb = started(a), started(b)
        ta.join(); tb.join()
        out["silent_while_b_open"] = levels == [int(cv2.utils.logging.LOG_LEVEL_SILENT)]
        out["level_restored"] = int(cv2.utils.logging.getLogLevel()) == int(cv2.utils.logging.LOG_LEVEL_WARNING)
        w("after\\n")
    """)
    assert out["silent_while_b_open"] and out["level_restored"]
    assert err == "after\n"
    assert out["fd2_restored"]


def test_a_camera_reader_thread_never_holds_back_the_main_threads_stderr():
    """The webcam's reader wraps every read in ``quiet_decoders(native=False)``: OpenCV's
    log is silent while it reads, but the main thread's status lines still arrive."""
    out, err = run_scenario("""
        import cv2
        from classmood.io import quiet_decoders
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_WARNING)
        inside, done = threading.Event(), threading.Event()
        levels = []

        def reader():
            with quiet_decoders(native=False):
                inside.set()
                levels.append(int(cv2.utils.logging.getLogLevel()))
                wait(done)

        t = started(reader)
        wait(inside)
        w("status line\\n")
        sys.stderr.write("python line\\n"); sys.stderr.flush()
        done.set(); t.join()
        out["silent_while_reading"] = levels == [int(cv2.utils.logging.LOG_LEVEL_SILENT)]
        out["level_restored"] = int(cv2.utils.logging.getLogLevel()) == int(cv2.utils.logging.LOG_LEVEL_WARNING)
    """)
    assert out["silent_while_reading"] and out["level_restored"]
    assert err == "status line\npython line\n"
    assert out["fd2_restored"]


def test_our_messages_reach_the_terminal_while_the_models_run_in_another_thread():
    """The analysis thread runs the face detector and the expression model frame after
    frame; our own lines from another thread (a warning, the GUI's status) all arrive.
    A redirect of fd 2 around every model call let 18 of 200 through."""
    out, err = run_scenario("""
        import numpy as np
        from classmood.detectors.blazeface import BlazeFace
        from classmood.detectors.faces import default_model_path
        from classmood.models.expression import ExpressionClassifier
        face, expr = BlazeFace(default_model_path()), ExpressionClassifier()
        done = threading.Event()
        def analyse():
            rng = np.random.default_rng(0)
            while not done.is_set():
                face.detect([rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)])
                expr.predict(rng.integers(0, 255, (9, 48, 48), dtype=np.uint8))
        t = started(analyse)
        import time
        for i in range(200):
            w(f"ours {i}\\n")
            time.sleep(0.002)
        done.set()
        t.join()
        waits.append(True)
    """)
    assert sum(1 for line in err.splitlines() if line.startswith("ours ")) == 200
