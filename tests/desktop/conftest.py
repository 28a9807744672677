"""Desktop test setup: every test gets its own model library and settings, and no bundled models.

``tests/conftest.py`` already puts Qt on the offscreen platform. Here each test
points ``COLOURISE_MODEL_DIR`` and the QSettings path at its tmp_path, so no test
ever reads or writes the real user's models or settings, and hides the bundled
models folder (the default model is large; tests use tiny lineage models).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# The offscreen platform warns on every top-level window's size constraints: a limit
# of that platform (it has no window manager), not something the window can fix.
OFFSCREEN_SIZE_HINTS = "This plugin does not support propagateSizeHints()"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS))


@pytest.fixture(scope="session", autouse=True)
def imports_frozen():
    """As the app does at start: the ~200,000 objects of the imports stay out of full collections."""
    import gc

    import torch  # noqa: F401
    import PySide6.QtWidgets  # noqa: F401

    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def cycles_collected_on_the_ui_thread(qapp):
    """As in the app (desktop.ui_thread_gc): no worker thread ever runs Python's cycle collector."""
    from desktop.ui_thread_gc import UiThreadCollector

    collector = UiThreadCollector(qapp)
    yield collector
    collector.stop()  # this test's widgets are closed by now: their cycles go here, on this thread
    collector.setParent(None)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A private model library, settings folder and (empty) bundled-models folder for each test."""
    import engine.library
    from desktop import settings
    from desktop.colour_jobs import COLOURISERS

    models = tmp_path / "library"
    models.mkdir()
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(models))
    monkeypatch.setenv("COLOURISE_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))  # where a deleted model's trash would be
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    monkeypatch.setattr(engine.library, "bundled_models_dir", lambda: bundled)
    settings.configure(str(tmp_path / "settings"))
    COLOURISERS.clear()
    yield models
    COLOURISERS.clear()


@pytest.fixture
def library_dir(isolated) -> Path:
    return isolated


@pytest.fixture
def alpha_model(library_dir) -> Path:
    """A small untrained "alpha" model in the test's library (seeded: the same weights every run)."""
    return _save_lineage_model(library_dir / "alpha-test.safetensors")


def _save_lineage_model(path: Path, arch: str = "alpha", seed: int = 0, **training) -> Path:
    import torch

    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(seed)
    model = create_model(arch)
    # Bias the a/b output away from grey so "is it coloured?" checks are meaningful for an untrained net.
    last = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    with torch.no_grad():
        if last.bias is not None:
            last.bias.copy_(torch.tensor([0.6, -0.4]))
    return save_model(path, model, training or {"data": ["/photos/tests"], "train_photos": 4, "epochs": 1})


def _grey_photo(path: Path, width: int = 48, height: int = 32, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    grey = 60 + 120 * x / width + rng.normal(0, 6, (height, width))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L").save(path)
    return path


def _colour_photo(path: Path, width: int = 40, height: int = 40, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack((255 * x / width, 255 * y / height, 255 * (1 - x / width)), -1) + rng.normal(0, 10, (height, width, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").save(path)
    return path


@pytest.fixture
def window(qtbot, alpha_model):
    """The main window with a tiny model in its library; closed (workers stopped) afterwards."""
    from desktop.main_window import MainWindow

    win = MainWindow()
    # (qtbot closes it after the test; closing would ask about hints and strengths not saved)
    qtbot.addWidget(win, before_close_func=lambda w: setattr(w, "ask_unsaved_work", lambda keys: "discard"))
    win.resize(1000, 700)
    win.show()
    yield win
    win.colourise_page.stop_all()
    if win._train_page is not None and win._train_page.is_training():
        with qtbot.waitSignal(win._train_page.training_ended, timeout=30_000):
            win._train_page.stop()
    assert win.stop_workers(30_000)  # every lane idle: no worker thread may outlive the test


@pytest.fixture
def save_lineage_model():
    """``save_lineage_model(path, arch="alpha", seed=0, **training) -> path``: a small untrained model file."""
    return _save_lineage_model


@pytest.fixture
def grey_photo():
    """``grey_photo(path, width=48, height=32, seed=0) -> path``: a small greyscale PNG/JPEG."""
    return _grey_photo


@pytest.fixture
def colour_photo():
    """``colour_photo(path, width=40, height=40, seed=0) -> path``: a small colour photo."""
    return _colour_photo


def _line_breaks(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Where word wrap may break ``text`` between ``start`` and ``end`` (Qt's line-break opportunities, as a wrapped
    QLabel or message box has them), counted from ``start``."""
    from PySide6.QtCore import QTextBoundaryFinder

    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Line, text)
    breaks = []
    for position in range(start + 1, len(text) if end is None else end):
        finder.setPosition(position)
        if finder.isAtBoundary():
            breaks.append(position - start)
    return breaks


@pytest.fixture
def line_breaks():
    """``line_breaks(text, start=0, end=None) -> [positions]``: where Qt's word wrap may break ``text`` (a path
    shown whole has none)."""
    return _line_breaks


@pytest.fixture
def wait_all_coloured(qtbot):
    """``wait_all_coloured(page, count)``: wait until ``count`` queue items exist and none is waiting or working."""

    def wait(page, count: int, timeout: int = 20_000) -> None:
        def settled():
            keys = page.queue.keys()
            assert len(keys) == count
            assert all(page.queue.state(k).value in ("done", "failed") for k in keys)
            assert not page.is_busy()

        qtbot.waitUntil(settled, timeout=timeout)

    return wait


class DeleteAnswers:
    """Stands in for the user at ``desktop.widgets.confirm.confirm_delete``'s box: presses ``reply`` (a button's text)
    and records each box as (title, text, its buttons' texts sorted, the default button's text)."""

    def __init__(self):
        self.reply = "Cancel"
        self.asked: list[tuple[str, str, list[str], str]] = []

    def answer(self, box) -> int:
        buttons = sorted(b.text().replace("&", "") for b in box.buttons())  # (their order on screen is the platform's)
        default = box.defaultButton().text().replace("&", "") if box.defaultButton() is not None else ""
        self.asked.append((box.windowTitle(), box.text(), buttons, default))
        next(b for b in box.buttons() if b.text().replace("&", "") == self.reply).click()
        return 0


@pytest.fixture
def delete_answers(monkeypatch) -> DeleteAnswers:
    from PySide6.QtWidgets import QMessageBox

    answers = DeleteAnswers()
    monkeypatch.setattr(QMessageBox, "exec", lambda box: answers.answer(box))
    return answers


def _dark_palette():
    """A dark Fusion palette, as a dark desktop theme gives the app (the QA pass's colours)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for name, rgb in (("Window", (45, 45, 45)), ("WindowText", (220, 220, 220)), ("Base", (30, 30, 30)),
                      ("AlternateBase", (53, 53, 53)), ("Text", (220, 220, 220)), ("Button", (53, 53, 53)),
                      ("ButtonText", (220, 220, 220)), ("Highlight", (42, 130, 218)), ("HighlightedText", (255, 255, 255)),
                      ("Light", (80, 80, 80)), ("Midlight", (65, 65, 65)), ("Mid", (40, 40, 40)), ("Dark", (20, 20, 20)),
                      ("Shadow", (0, 0, 0)), ("PlaceholderText", (140, 140, 140))):
        palette.setColor(getattr(role, name), QColor(*rgb))
    return palette


@pytest.fixture
def dark_palette(qapp):
    """``dark_palette()`` puts the app in a dark palette (as many times as a test likes); the light one is back after."""
    light = qapp.palette()

    def to(palette) -> None:
        qapp.setPalette(palette)
        qapp.processEvents()  # the widgets take an application's new palette from posted events

    yield lambda: to(_dark_palette())
    to(light)
