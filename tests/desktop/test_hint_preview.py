"""Hinted previews: while a pass runs, newer requests replace each other; only the latest is coloured, then full size."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import desktop.hint_preview as hint_preview
from desktop.hint_preview import HintPreview, HintRendered, HintRequest
from desktop.workers import Lane
from engine.inference import Prediction, model_key
from engine.photo import Photo


@pytest.fixture
def fake_render(monkeypatch):
    """``render_hinted`` that records what it was asked and waits for ``gate`` before its first pass."""
    calls: list[HintRequest] = []
    gate = threading.Event()

    def render(request, state):
        calls.append(request)
        gate.wait(10)
        prediction = request.prediction or Prediction(np.zeros((2, 4, 4), np.float32))
        event = HintRendered(request.key, request.revision, model_key(request.model_path), prediction, object(), request.full, request.quick)
        state.emit(event)
        return event

    monkeypatch.setattr(hint_preview, "render_hinted", render)
    return calls, gate


def request(revision: int, quick: bool = True) -> HintRequest:
    photo = Photo(np.zeros((8, 8), np.uint8), None, None, "PNG")
    return HintRequest(1, revision, photo, photo, Path("model.safetensors"), 1.0, [(1, 1, (200, 0, 0))], quick=quick)


def test_while_a_pass_runs_only_the_latest_request_is_run_next_then_full_size(qtbot, fake_render):
    calls, gate = fake_render
    lane = Lane("hints-test")
    preview = HintPreview(lane)
    shown = []
    preview.rendered.connect(lambda event: shown.append((event.revision, event.final)))
    preview.request(request(1))
    for revision in (2, 3, 4):  # a drag goes on while the first pass runs
        preview.request(request(revision))
    assert preview.busy
    with qtbot.waitSignal(preview.rendered, check_params_cb=lambda e: e.final, timeout=10_000):
        gate.set()
    # Revision 1 came back stale but newer than anything on screen: shown, so the picture follows a drag;
    # 2 and 3 were never run; 4's quick pass, then its full-size render followed.
    assert [(c.revision, c.quick, c.full) for c in calls] == [(1, True, False), (4, True, False), (4, False, True)]
    assert shown == [(1, False), (4, False), (4, True)]
    qtbot.waitUntil(lambda: not preview.busy)
    lane.wait(5000)


def test_a_stale_full_pass_or_one_older_than_the_picture_shown_is_dropped(qtbot):
    lane = Lane("hints-test")
    preview = HintPreview(lane)
    shown = []
    preview.rendered.connect(lambda event: shown.append((event.revision, event.quick, event.final)))
    preview._latest = request(9)

    def arrive(revision: int, quick: bool = True, key: int = 1, strength: float = 1.0, model: str = "model.safetensors") -> None:
        prediction = Prediction(np.zeros((2, 4, 4), np.float32))
        final = True  # (a small photo's preview is the photo: its quick pass is also its final picture)
        preview._on_progress(HintRendered(key, revision, model, prediction, object(), final, quick, strength))

    arrive(5)  # a drag's quick preview, a few moves old: shown, but not as the final picture
    arrive(4)  # older than the one on screen: dropped
    arrive(6, quick=False)  # a full pass of an older revision: its colours are not what is saved, dropped
    arrive(7, key=2)  # another photo's: dropped
    arrive(9, quick=False, strength=0.5)  # the latest hints at the strength before the slider moved: dropped
    arrive(9, quick=False, model="other.safetensors")  # ... or with the model before: dropped
    arrive(9)  # the latest
    assert shown == [(5, True, False), (9, True, True)]
    lane.wait(5000)


def test_a_full_pass_prediction_is_reused_for_the_full_size_render(qtbot, fake_render):
    calls, gate = fake_render
    gate.set()
    lane = Lane("hints-test")
    preview = HintPreview(lane)
    with qtbot.waitSignal(preview.rendered, check_params_cb=lambda e: e.final, timeout=10_000):
        preview.request(request(7, quick=False))  # a click, not a drag: the full pass at once
    assert [(c.revision, c.full, c.prediction is not None) for c in calls] == [(7, False, False), (7, True, True)]
    lane.wait(5000)


def test_a_failure_is_told_for_the_latest_request_and_dropped_once_it_was_cancelled(qtbot, monkeypatch):
    """A render cancelled (its photo no longer shown, or removed from the queue) that failed after told of it all the same."""

    def render(request, state):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(hint_preview, "render_hinted", render)
    lane = Lane("hints-test")
    preview = HintPreview(lane)
    told = []
    preview.failed.connect(told.append)
    preview.request(request(1))
    qtbot.waitUntil(lambda: not preview.busy, timeout=10_000)
    assert len(told) == 1 and "out of memory" in told[0]  # the latest request's failure is the user's news
    preview.request(request(2))
    preview.cancel()
    qtbot.waitUntil(lambda: not preview.busy, timeout=10_000)
    assert len(told) == 1
    lane.wait(5000)
