"""The Colourise page's jobs, run as a worker lane runs them: quickest picture first, decoded and predicted once."""

from __future__ import annotations

from desktop.colour_jobs import COLOURISERS, COLOURS, AfterReady, BeforeReady, prepare_item, save_photos_job, show_item
from engine.batch import Existing, PhotoSource, SaveRequest, SaveSettings
from engine.photo import read_photo
from engine.task import TaskState


class Recorder(TaskState):
    def __init__(self):
        super().__init__(on_event=self._record)
        self.events = []

    def _record(self, event) -> None:
        self.events.append(event)


def test_show_then_prepare_then_save_decode_and_predict_once(alpha_model, grey_photo, tmp_path, monkeypatch):
    photo_path = grey_photo(tmp_path / "street.png", width=1500, height=1000)
    reads, predictions = [], []
    real_read = PhotoSource.read
    monkeypatch.setattr(PhotoSource, "read", lambda self: reads.append(self.name) or real_read(self))
    colouriser = COLOURISERS.get(alpha_model)
    real_predict = type(colouriser).predict
    monkeypatch.setattr(type(colouriser), "predict", lambda self, *a, **k: predictions.append(1) or real_predict(self, *a, **k))
    source = PhotoSource.file(photo_path)

    state = Recorder()
    shown = show_item(1, 7, source, alpha_model, 1.0, state=state)
    kinds = [type(e) for e in state.events]
    assert kinds[0] is BeforeReady and kinds.count(AfterReady) == 2  # a preview-size picture, then full size
    assert [e.final for e in state.events if isinstance(e, AfterReady)] == [False, True]
    assert shown.key == 7 and (shown.size.width(), shown.size.height()) == (1500, 1000)

    prepared = prepare_item(7, source, alpha_model, 1.0, state=TaskState())
    assert prepared.model == shown.model and not prepared.thumb.isNull()

    saved = Recorder()
    target = tmp_path / "out" / "street-colourised.png"
    result = save_photos_job([SaveRequest(source, target)], alpha_model, SaveSettings(existing=Existing.KEEP_BOTH), state=saved)
    assert result.succeeded == 1 and read_photo(target).pixels.shape == (1000, 1500, 3)
    assert reads == ["street.png"] and len(predictions) == 1  # decoded once, predicted once
    COLOURS.forget(source)


def test_a_stopped_job_returns_at_once(alpha_model, grey_photo, tmp_path):
    state = TaskState()
    state.request_stop()
    source = PhotoSource.file(grey_photo(tmp_path / "a.png"))
    assert prepare_item(1, source, alpha_model, 1.0, state=state) is None
    assert show_item(1, 1, source, alpha_model, 1.0, state=state) is None
