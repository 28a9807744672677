"""``python -m desktop --smoke-test`` in a fresh process: exit 0 and one line, as a packaged build is checked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_smoke_test_colours_a_photo_and_says_so(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    for name in ("COLOURISE_MODEL_DIR", "COLOURISE_SETTINGS_DIR"):
        env.pop(name, None)  # the smoke test isolates itself
    env["HOME"] = str(tmp_path)  # and must not need (or touch) the user's home
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--smoke-test"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    assert re.fullmatch(r"smoke test ok: coloured 256x192 photo with model \S+ in [\d.]+ s \(window and model ready in [\d.]+ s\)", lines[0])
    assert done.stderr.strip() == ""  # no warnings, no tracebacks
    assert not (tmp_path / ".local").exists() and not (tmp_path / ".config").exists()
