"""Quitting is clean: a long scripted session in a fresh process exits 0, with nothing on stderr, run after run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SESSION = Path(__file__).with_name("long_session.py")


def _env(tmp: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), "HOME": str(tmp)}
    env.update(COLOURISE_MODEL_DIR=str(tmp / "library"), COLOURISE_SETTINGS_DIR=str(tmp / "settings"), XDG_DATA_HOME=str(tmp / "xdg"))
    return env


def test_many_qt_calls_no_longer_run_none_down(tmp_path):
    """PySide6 6.12 on Python 3.11 drops a reference to None per void call: 30,000 calls used to abort."""
    code = (
        "import desktop\n"
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class S(QObject):\n    fired = Signal(object)\n"
        "app = QApplication([]); label = QLabel(); s = S()\n"
        "for _ in range(30_000):\n    label.setText('x'); s.fired.emit(None)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.slow
def test_a_long_session_quits_cleanly_every_time(tmp_path, grey_photo, colour_photo, save_lineage_model):
    for attempt in range(2):
        work = tmp_path / f"session-{attempt}"
        for i in range(6):
            grey_photo(work / "photos" / f"g{i}.png", seed=i)
            colour_photo(work / "colour" / f"c{i}.png", seed=i)
        save_lineage_model(work / "library" / "alpha-test.safetensors")
        done = subprocess.run(
            [sys.executable, str(SESSION), str(work)], cwd=work, env=_env(work), capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"attempt {attempt}: exit {done.returncode}\n{done.stderr[-3000:]}"
        assert "session finished with 0" in done.stdout, done.stdout
        assert done.stderr.strip() == "", done.stderr[-3000:]
        runs = sorted(p.name for p in (work / "runs").iterdir())
        assert len(runs) == 4  # three trainings (stopped and resumed, or done first) and the one stopped at quit


def test_stopping_the_workers_waits_for_a_hint_render_too(window):
    """A hint's full-size render still running at quit used to outlive the window: the process aborted at exit."""
    import time

    lane = window.colourise_page.hints.lane
    lane.submit(time.sleep, 0.5, name="a hint render that cannot be interrupted")
    assert lane.pool.activeThreadCount() == 1
    assert window.stop_workers(10_000)
    assert lane.pool.activeThreadCount() == 0
