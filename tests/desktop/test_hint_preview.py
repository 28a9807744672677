"""Hinted previews: while a pass runs, newer requests replace each other; only the latest is coloured, then full size."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

import desktop.hint_preview as hint_preview
from desktop.hint_preview import HintPreview, HintRendered, HintRequest
from desktop.images import qimage_to_photo
from desktop.workers import Lane
from engine.inference import Colouriser, Prediction, model_key
from engine.photo import Photo
from engine.task import TaskState


@pytest.fixture
def fake_render(monkeypatch):
    """``render_hinted`` that records what it was asked and waits for ``gate`` before its first pass."""
    calls: list[HintRequest] = []
    gate = threading.Event()

    def render(request, state):
        calls.append(request)
        gate.wait(10)
        prediction = request.prediction or Prediction(np.zeros((2, 4, 4), np.float32))
        event = HintRendered(
            request.key, request.revision, model_key(request.model_path), prediction, object(), request.full, request.quick, request.strength,
            tuple(request.points),
        )
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


def test_a_new_strength_is_rendered_from_the_pass_for_the_same_hints_and_model_even_one_still_running(qtbot, fake_render):
    """The network's guess does not depend on the strength: a slider moved while the pass for the hints ran, or after,
    is rendered from that pass's prediction; other hints, another model, or the photo shown again, run the network."""
    calls, gate = fake_render
    lane = Lane("hints-test")
    preview = HintPreview(lane)
    at_100 = request(7, quick=False)

    def colour(asked: HintRequest) -> None:
        with qtbot.waitSignal(preview.rendered, check_params_cb=lambda e: e.final and e.strength == asked.strength, timeout=10_000):
            preview.request(asked)

    preview.request(at_100)
    with qtbot.waitSignal(preview.rendered, check_params_cb=lambda e: e.final and e.strength == 0.5, timeout=10_000):
        preview.request(dataclasses.replace(at_100, strength=0.5))  # while the pass at 100 % runs
        gate.set()
    colour(dataclasses.replace(at_100, revision=8, strength=1.4))  # (an undo back to the same points)
    blue, moved, other = [(1, 1, (0, 0, 200))], [(2, 1, (200, 0, 0))], "other.safetensors"
    colour(dataclasses.replace(at_100, revision=9, points=blue))
    colour(dataclasses.replace(at_100, revision=10, points=moved))
    colour(dataclasses.replace(at_100, model_path=Path(other)))
    preview.cancel()  # another photo shown, then this one again: its prediction was let go
    colour(dataclasses.replace(at_100, model_path=Path(other)))
    qtbot.waitUntil(lambda: not preview.busy)
    ran = [(c.strength, c.points, c.model_path.name, c.prediction is not None) for c in calls if not c.full]
    assert ran == [
        (1.0, at_100.points, "model.safetensors", False),
        (0.5, at_100.points, "model.safetensors", True),
        (1.4, at_100.points, "model.safetensors", True),
        (1.0, blue, "model.safetensors", False),
        (1.0, moved, "model.safetensors", False),
        (1.0, at_100.points, other, False),
        (1.0, at_100.points, other, False),
    ]
    lane.wait(5000)


def test_a_request_with_its_prediction_renders_its_preview_then_the_full_size_without_a_network_pass(monkeypatch):
    """A new strength of a photo bigger than the preview: the preview at that strength, then (asked) the full size."""
    photo = Photo(np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1)), None, None, "PNG")
    smaller = Photo(photo.pixels[::2, ::2].copy(), None, None, "PNG")
    prediction = Prediction(torch.full((2, 6, 8), 20.0), 1, pinned=torch.zeros(2, 6, 8))
    colouriser = Colouriser(torch.nn.Identity())
    monkeypatch.setattr(hint_preview.COLOURISERS, "get", lambda path: colouriser)
    monkeypatch.setattr(hint_preview, "predict_with_hints", lambda *args, **kwargs: pytest.fail("no network pass"))
    events = []
    state = TaskState(on_event=events.append)
    asked = HintRequest(1, 3, photo, smaller, Path("model.safetensors"), 0.5, [(1, 1, (200, 0, 0))], prediction=prediction)
    hint_preview.render_hinted(asked, state)
    hint_preview.render_hinted(dataclasses.replace(asked, full=True), state)  # (its preview is shown: the full size alone)
    assert [(e.final, e.display.image.width(), e.strength, e.prediction is prediction) for e in events] == [
        (False, 32, 0.5, True), (True, 64, 0.5, True),
    ]
    expected = colouriser.render(photo, prediction, 0.5).pixels
    np.testing.assert_array_equal(qimage_to_photo(events[1].display.image).pixels, expected)


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
