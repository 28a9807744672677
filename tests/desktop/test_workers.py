"""Worker lanes: engine events, results and errors arrive as signals on the GUI thread; stop is cooperative."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from desktop.workers import Lane
from engine.errors import user_message
from engine.errors import PhotoError


def counting(n, state):
    for i in range(n):
        if state.should_stop():
            return "stopped"
        state.emit(i)
    return threading.current_thread().name


def test_events_and_result_arrive_on_the_gui_thread(qtbot):
    lane = Lane("test")
    seen, results, where = [], [], []
    job = lane.submit(counting, 3, on_progress=seen.append, on_finished=results.append)
    qtbot.waitUntil(lambda: job.done)
    job = lane.submit(counting, 1, on_progress=lambda _e: where.append(QThread.currentThread()))
    qtbot.waitUntil(lambda: job.done)
    assert seen == [0, 1, 2]
    assert results[0] != threading.main_thread().name  # the work ran elsewhere...
    assert where == [QThread.currentThread()]  # ...the slot on the GUI thread
    lane.wait()


def test_an_error_becomes_a_one_line_message(qtbot):
    lane = Lane("test")

    def fails():
        raise PhotoError("/photos/x.jpg", "truncated or corrupt")

    errors = []
    job = lane.submit(fails, on_error=errors.append)
    qtbot.waitUntil(lambda: job.done)
    assert errors == ["x.jpg: truncated or corrupt"]
    assert user_message(RuntimeError("first line\nsecond line")) == "first line"
    assert user_message(ZeroDivisionError()) == "ZeroDivisionError"
    lane.wait()


def test_stop_is_cooperative_and_a_queued_job_that_is_stopped_ends_at_once(qtbot):
    lane = Lane("test")
    gate = threading.Event()

    def blocked(state):
        gate.wait(10)
        return "stopped" if state.should_stop() else "ran"

    first = lane.submit(blocked)
    second = lane.submit(counting, 10**9)  # queued behind the first on the one-thread lane
    results = []
    second.signals.finished.connect(results.append)
    second.stop()
    first.stop()
    gate.set()
    qtbot.waitUntil(lambda: first.done and second.done)
    assert results == ["stopped"]
    assert not lane.busy
    lane.wait()


def test_the_state_comes_last_and_plain_functions_run_as_they_are(qtbot):
    """Orange3's pattern: ``fn(*args, state=state)``; a function without ``state`` gets only its arguments."""
    lane = Lane("test")
    results = []
    first = lane.submit(lambda a, b, state: (a, b, state.should_stop()), 1, 2, on_finished=results.append)
    second = lane.submit(divmod, 7, 2, on_finished=results.append)
    qtbot.waitUntil(lambda: first.done and second.done)
    assert results == [(1, 2, False), (3, 1)]
    with pytest.raises(TypeError, match="the task state comes last"):
        lane.submit(lambda state, n: n, 1)
    lane.wait()
