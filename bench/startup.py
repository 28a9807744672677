"""How long until the window is on screen? Median of several launches, against baselines measured alongside.

    .venv/bin/python bench/startup.py [--runs 5]

Each launch is a fresh process (``python -m desktop --startup-probe``: it prints
once the window has been shown and its first event-loop turn has run, then
quits); the time is from process start to that line. Baselines, launched in
turn with the app so load on the machine hits them alike:

- ``import PySide6.QtWidgets``: what any Qt window pays before anything else
- ``import torch``: what the entry point must pay first (torch before Qt, see desktop/__main__.py)
- bare window: torch, then an empty QMainWindow shown (the floor for this entry-point order)

Target (issue 4): the window is shown within 3 s. Runs offscreen unless
``--display`` is given (then on $DISPLAY, e.g. under Xvfb).
Prints a table and writes bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
TARGET_S = 3.0
BARE_WINDOW = """
import torch
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""


def launch(command: list[str], env: dict, marker: str) -> float:
    """Seconds from process start until ``marker`` appears on stdout (interpreter shutdown is not counted)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = None
    for line in proc.stdout:
        if marker in line:
            elapsed = time.perf_counter() - start
            break
    _out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"startup: {' '.join(command)} failed ({proc.returncode}):\n{err[-2000:]}")
    if elapsed is None:
        raise SystemExit(f"startup: {' '.join(command)} never printed {marker!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description="time to the window being shown")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--display", action="store_true", help="use $DISPLAY instead of the offscreen platform")
    args = parser.parse_args()

    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="colourise-startup-"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLOURISE_SETTINGS_DIR": str(work / "settings"), "COLOURISE_MODEL_DIR": str(work / "models")}
    if not args.display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    commands = {
        "app window shown": ([python, "-m", "desktop", "--startup-probe"], "window shown"),
        "baseline: import PySide6.QtWidgets": ([python, "-c", "import PySide6.QtWidgets; print('imported', flush=True)"], "imported"),
        "baseline: import torch": ([python, "-c", "import torch; print('imported', flush=True)"], "imported"),
        "baseline: torch + bare window shown": ([python, "-c", BARE_WINDOW], "shown"),
    }
    launch(*commands["app window shown"][:1], env, "window shown")  # warm the file cache once, not counted
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (command, marker) in commands.items():
            times[name].append(launch(command, env, marker))

    header = f"{'what':<38} {'median':>8} {'min':>8} {'max':>8}"
    print(header)
    print("-" * len(header))
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<38} {median:>7.2f}s {min(values):>7.2f}s {max(values):>7.2f}s")
        rows.append({"what": name, "median_s": round(median, 3), "min_s": round(min(values), 3), "max_s": round(max(values), 3), "runs_s": [round(v, 3) for v in values]})
    app = statistics.median(times["app window shown"])
    floor = statistics.median(times["baseline: torch + bare window shown"])
    verdict = "ok" if app < TARGET_S else "OVER TARGET"
    print(f"\nwindow shown after {app:.2f} s (target {TARGET_S:.0f} s: {verdict}); {app - floor:+.2f} s over a bare window with torch loaded first")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "target_s": TARGET_S,
        "platform": "offscreen" if not args.display else os.environ.get("QT_QPA_PLATFORM", "default"),
        "runs": args.runs,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg": os.getloadavg()},
        "rows": rows,
        "app_over_bare_window_s": round(app - floor, 3),
        "meets_target": app < TARGET_S,
    }
    (RESULTS / "startup.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {(RESULTS / 'startup.json').relative_to(REPO)}")
    return 0 if app < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
