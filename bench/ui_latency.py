"""Does the window stay responsive while the engine works? A 5 ms timer probe says.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_latency.py [--seconds 8] [--megapixels 12]

A precise 5 ms QTimer runs on the GUI thread and records when each tick arrives;
a late tick is a stall of the event loop. Scenarios, each measured the app's way
(engine work on a worker lane, as the window does it) and, as the baseline in the
same run, the same work done on the UI thread:

- idle:      nothing running (how noisy this machine's timers are)
- training:  a CPU training run from the Train page (curves, previews, metrics updating)
- photo:     a 12 MP greyscale photo coloured from the Colourise page (read, predict,
             preview render, full-size render, shown in the split view)
- hints:     in hint mode on that 12 MP photo (three hints placed), one more point dragged
             across the photo for ``--seconds`` at 60 mouse moves a second, then the
             full-size render once it is let go. The app coalesces: each preview is a
             network pass with the latest position. The baseline does each move's pass
             and render on the UI thread. Also reported: how long after a move its
             preview was on screen (median over the previews shown), and the UI thread's
             own CPU time per mouse move (independent of the machine's load)

Targets (issue 4): max stall < 100 ms and p99 tick gap < 30 ms for the app's way.
Each measurement runs ``--repeats`` times, interleaved; the table shows medians.
Prints a table and writes bench/results/ui_latency.json (with every run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PROBE_MS = 5
MAX_STALL_MS = 100.0
P99_MS = 30.0


class Probe:
    """Records the arrival times of a 5 ms precise timer on the GUI thread."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def start(self) -> None:
        self.times = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> dict:
        self.times.append(time.perf_counter())  # the last gap runs to now: a final stall counts too
        self.timer.stop()
        gaps = [1000 * (b - a) for a, b in zip(self.times, self.times[1:])]
        gaps_sorted = sorted(gaps)
        p = lambda q: gaps_sorted[min(len(gaps_sorted) - 1, int(q * len(gaps_sorted)))]  # noqa: E731
        return {
            "ticks": len(gaps),
            "seconds": round(self.times[-1] - self.times[0], 2),
            "median_ms": round(statistics.median(gaps), 2),
            "p99_ms": round(p(0.99), 2),
            "max_ms": round(max(gaps), 2),
            "over_30ms": sum(g > 30 for g in gaps),
        }


def median_of(results: list[dict]) -> dict:
    """Each number's median over the repeated runs."""
    out = {}
    for key, value in results[0].items():
        values = [r[key] for r in results if isinstance(r.get(key), (int, float))]
        out[key] = round(statistics.median(values), 2) if len(values) == len(results) else value
    return out


def warmed_window(collector):
    """The main window, shown at 1280 x 820 and warmed up as ``run_window`` does it (the UI-thread
    garbage ``collector`` from ``make_application`` freezes what start-up made)."""
    from desktop.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 820)
    window.show()
    warmed = []
    window.warmed_up.connect(collector.freeze_start_up)
    window.warmed_up.connect(lambda: warmed.append(True))
    window.warm_up()
    spin_until(lambda: warmed, 120)
    return window


def clear_queue_unasked(page) -> None:
    """Empty the queue between scenarios: the page asks before dropping unsaved colours, which
    would wait here for a click that never comes (offscreen, nobody sees the dialog)."""
    from PySide6.QtWidgets import QMessageBox

    ask, QMessageBox.question = QMessageBox.question, lambda *a, **k: QMessageBox.StandardButton.Yes
    try:
        page.clear_queue()
    finally:
        QMessageBox.question = ask


def spin_until(condition, timeout_s: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    if not condition():
        raise SystemExit(f"ui_latency: timed out after {timeout_s:.0f} s")


def spin(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def make_training_photos(folder: Path) -> Path:
    """Licence-clean training photos: tiles of scikit-image's colour samples."""
    import numpy as np
    import skimage.data
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("astronaut", "chelsea", "coffee", "rocket"):
        rgb = np.asarray(getattr(skimage.data, name)())[..., :3]
        h, w = rgb.shape[:2]
        for i, (y, x) in enumerate([(0, 0), (0, w // 2), (h // 2, 0), (h // 2, w // 2)]):
            Image.fromarray(np.ascontiguousarray(rgb[y : y + h // 2, x : x + w // 2])).save(folder / f"{name}-{i}.png")
    return folder


def make_big_photo(path: Path, megapixels: float) -> Path:
    import numpy as np
    from PIL import Image

    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    grey = (40 + 150 * x + 50 * np.sin(12 * y) * np.cos(9 * x)).astype(np.uint8)
    Image.fromarray(grey, "L").save(path, quality=92)
    return path


def training_config(page, photos: Path, seconds: float):
    page.arch_box.setCurrentIndex(page.arch_box.findData("model3"))
    page.data_picker.edit.setText(str(photos))
    page.field("epochs").set_value(1000)  # stopped after ``seconds``
    page.field("batch_size").set_value(8)
    page.field("image_size").set_value(64)
    page.name_edit.setText("latency-bench")
    return page.config()


def measure_training_worker(window, photos: Path, seconds: float) -> dict:
    page = window.train_page
    training_config(page, photos, seconds)
    ended = []
    page.training_ended.connect(ended.append)
    page.start()
    spin_until(lambda: page.plot.train.count > 0 or ended, 300)  # photos read, model built, first step done
    probe = Probe()
    probe.start()
    spin(seconds)
    result = probe.stop()
    result["steps"] = int(page.progress.value())
    page.stop()
    spin_until(lambda: ended, 300)
    page.training_ended.disconnect(ended.append)
    return result


def measure_training_ui_thread(window, photos: Path, seconds: float) -> dict:
    """Baseline: the same training loop called directly on the GUI thread (events handled in line)."""
    from PySide6.QtCore import QTimer

    from engine.task import TaskState
    from engine.training import train

    page = window.train_page
    config = training_config(page, photos, seconds)
    first_step = []
    deadline = []

    def on_event(event):
        page._on_event(event)
        if type(event).__name__ == "TrainingStep" and not first_step:
            first_step.append(time.perf_counter())
            deadline.append(time.perf_counter() + seconds)
            probe.start()  # measure from the first step, as for the worker

    state = TaskState(on_event=on_event, should_stop=lambda: bool(deadline) and time.perf_counter() > deadline[0])
    probe = Probe()
    done = []
    QTimer.singleShot(0, lambda: done.append(train(config, state)))
    spin_until(lambda: done, 600)
    result = probe.stop()
    result["steps"] = int(page.progress.value())
    return result


def measure_photo(window, photo: Path, on_ui_thread: bool) -> dict:
    page = window.colourise_page
    clear_queue_unasked(page)
    page.strength.setValue(100)
    probe = Probe()
    finals = []
    page.view_updated.connect(lambda key, final: final and finals.append(time.perf_counter()))
    if on_ui_thread:
        _run_show_on_ui_thread(page, photo, probe, finals)
    else:
        probe.start()
        page.add_paths([photo])
        spin_until(lambda: finals and not page.is_busy(), 600)
    spin(0.3)  # the paint of the full-size photo is part of the cost
    result = probe.stop()
    result["coloured_after_s"] = round(finals[0] - probe.times[0], 2) if finals else None
    return result


def _run_show_on_ui_thread(page, photo: Path, probe: Probe, finals: list) -> None:
    """Baseline: read, predict and render in line on the GUI thread, then show it."""
    from PySide6.QtCore import QTimer

    from desktop.colour_jobs import AfterReady, BeforeReady, show_item
    from engine.batch import PhotoSource
    from engine.task import TaskState

    def work():
        def on_event(event):
            if isinstance(event, BeforeReady):
                page.view.set_images(event.display, None)
            elif isinstance(event, AfterReady):
                page.view.set_after(event.display)
                if event.final:
                    finals.append(time.perf_counter())

        show_item(1, 1, PhotoSource.file(photo), page.current_model_path(), 1.0, state=TaskState(on_event=on_event))

    probe.start()
    QTimer.singleShot(0, work)
    spin_until(lambda: finals, 600)


MOVE_MS = 16  # a mouse reports about 60 moves a second


def _hints_unavailable(window) -> str | None:
    """Why the hint scenario cannot run with the window's model (None: it can)."""
    from desktop.hint_mode import model_takes_hints

    page = window.colourise_page
    name = page.current_model_name()
    entry = page.library.find(name) if name else None
    return None if model_takes_hints(entry.info if entry else None) else f"the model {name!r} takes no hints"


def measure_hint_drag(window, photo: Path, seconds: float, on_ui_thread: bool) -> dict:
    """Drag a hint point across the 12 MP photo for ``seconds`` and probe the UI thread meanwhile."""
    from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    page = window.colourise_page
    hints = page.hints
    clear_queue_unasked(page)
    page.strength.setValue(100)
    finals = []
    on_final = lambda key, final: final and finals.append(time.perf_counter())  # noqa: E731
    page.view_updated.connect(on_final)
    page.add_paths([photo])
    spin_until(lambda: finals and not page.is_busy(), 600)
    hints.set_active(True)
    view, overlay = page.view, hints.overlay
    size = view.photo_size()

    def at(fx: float, fy: float) -> QPointF:
        return view.photo_to_widget(QPointF(fx * size.width(), fy * size.height()))

    def click(point: QPointF, release: bool = True) -> None:
        where = view.mapTo(window, point).toPoint()
        QTest.mousePress(window.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
        if release:
            QTest.mouseRelease(window.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)

    for fx, fy in ((0.2, 0.2), (0.8, 0.3), (0.5, 0.8)):  # a few hints already placed
        click(at(fx, fy))
    spin_until(lambda: not hints.preview.busy, 600)

    requested: dict[int, float] = {}  # hint revision -> when the move asked for it
    shown: list[float] = []  # move-to-screen latency of each preview shown, ms
    original_request = hints.preview.request

    last = []

    def timed_request(request):
        last[:] = [request]
        requested.setdefault(request.revision, time.perf_counter())
        if on_ui_thread:
            from desktop.hint_preview import render_hinted
            from engine.task import TaskState

            render_hinted(request, TaskState(on_event=hints.preview.rendered.emit))  # in line, as a naive app would
        else:
            original_request(request)

    def on_rendered(event) -> None:
        if event.display is not None and not event.final and event.revision in requested:
            shown.append(1000 * (time.perf_counter() - requested[event.revision]))

    hints.preview.request = timed_request
    hints.preview.rendered.connect(on_rendered)
    finals.clear()
    probe = Probe()
    probe.start()
    ui_cpu = time.thread_time()  # CPU time of the UI thread itself: what the app costs it, whatever the machine's load
    click(at(0.1, 0.5), release=False)
    step = [0]
    start = time.perf_counter()
    released = []

    def move() -> None:
        # Where the mouse is by now: a UI thread that falls behind gets fewer, farther moves, as from a real mouse.
        step[0] += 1
        t = min(1.0, (time.perf_counter() - start) / seconds)
        point = at(0.1 + 0.8 * t, 0.5 + 0.3 * math.sin(2 * math.pi * t))
        QApplication.sendEvent(overlay, QMouseEvent(
            QEvent.Type.MouseMove, point, overlay.mapToGlobal(point), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        ))  # the pressed overlay is the mouse grabber: moves go straight to it
        if t >= 1.0:
            timer.stop()
            released.append(time.perf_counter())
            where = view.mapTo(window, point).toPoint()
            QTest.mouseRelease(window.windowHandle(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where)
            if on_ui_thread and last:  # the naive app renders full size as soon as the drag ends
                timed_request(dataclasses.replace(last[0], full=True))

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(MOVE_MS)
    timer.timeout.connect(move)
    timer.start()
    spin_until(lambda: released and finals and not hints.preview.busy, 600)
    spin(0.3)  # the paint of the full-size photo is part of the cost
    ui_cpu = time.thread_time() - ui_cpu
    result = probe.stop()
    hints.preview.request = original_request
    hints.preview.rendered.disconnect(on_rendered)
    page.view_updated.disconnect(on_final)
    hints.set_active(False)
    result["moves"] = step[0]
    result["ui_cpu_ms_per_move"] = round(1000 * ui_cpu / step[0], 2)
    result["previews"] = len(shown)
    result["move_to_shown_ms"] = round(statistics.median(shown), 1) if shown else None
    after_release = [t for t in finals if t >= released[0]]
    result["full_size_after_release_s"] = round(after_release[-1] - released[0], 2) if after_release else None
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="UI event-loop stalls while the engine works")
    parser.add_argument("--seconds", type=float, default=8.0, help="how long to probe during training")
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--only", choices=("training", "photo", "hints"), help="measure one scenario (with its baseline)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement; the table shows medians")
    parser.add_argument("--model", help="a library model's name, or a .safetensors file, to colour with (default: the bundled default)")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="colourise-latency-"))
    os.environ["COLOURISE_MODEL_DIR"] = str(work / "models")
    os.environ["COLOURISE_SETTINGS_DIR"] = str(work / "settings")
    sys.path.insert(0, str(REPO))

    import torch

    from desktop.__main__ import make_application

    app, collector = make_application()  # as the app starts (settings, Qt's messages, UI-thread garbage collection)
    from engine.library import list_library
    from engine.modelfile import save_model
    from engine.models import create_model

    if not any(e.name == "default" for e in list_library()):
        torch.manual_seed(0)
        save_model(work / "models" / "model3-bench.safetensors", create_model("model3"))
    if args.model and Path(args.model).is_file():  # a model file: into the bench's own library
        (work / "models").mkdir(parents=True, exist_ok=True)
        shutil.copy2(args.model, work / "models" / Path(args.model).name)
    window = warmed_window(collector)
    if args.model and not window.colourise_page.select_model(Path(args.model).stem):
        raise SystemExit(f"ui_latency: no model {args.model!r} in the library")
    photos = make_training_photos(work / "photos")
    big = make_big_photo(work / f"big-{args.megapixels:g}mp.jpg", args.megapixels)

    runs: dict[tuple[str, str], list[dict]] = {}

    def record(scenario: str, where: str, measure) -> None:
        runs.setdefault((scenario, where), []).append(measure())

    photo_name = f"{args.megapixels:g} MP photo"
    hints_note = _hints_unavailable(window)
    if hints_note and args.only == "hints":
        raise SystemExit(f"ui_latency: {hints_note}")
    if hints_note and args.only is None:
        print(f"(hint drag not measured: {hints_note})")
    for _ in range(args.repeats):  # interleaved, so a burst of load elsewhere hits every row alike
        probe = Probe()
        probe.start()
        spin(2.0)
        record("idle", "-", probe.stop)
        if args.only in (None, "training"):
            window.show_tab("Train")
            record("training", "worker (app)", lambda: measure_training_worker(window, photos, args.seconds))
            record("training", "UI thread (baseline)", lambda: measure_training_ui_thread(window, photos, args.seconds))
        if args.only in (None, "photo"):
            window.show_tab("Colourise")
            record(photo_name, "worker (app)", lambda: measure_photo(window, big, on_ui_thread=False))
            record(photo_name, "UI thread (baseline)", lambda: measure_photo(window, big, on_ui_thread=True))
        if args.only in (None, "hints") and not hints_note:
            window.show_tab("Colourise")
            record("hint drag", "worker (app)", lambda: measure_hint_drag(window, big, args.seconds, on_ui_thread=False))
            record("hint drag", "UI thread (baseline)", lambda: measure_hint_drag(window, big, args.seconds, on_ui_thread=True))
    window.colourise_page.hints.forget(list(window.colourise_page.hints.edits))  # quitting would ask about them
    window.close()
    rows = [(scenario, where, median_of(results)) for (scenario, where), results in runs.items()]

    header = f"{'scenario':<14} {'where':<21} {'ticks':>6} {'median':>8} {'p99':>8} {'max':>9} {'>30ms':>6}  {'previews':>8} {'move->shown':>11}  verdict"
    print(header)
    print("-" * len(header))
    out = []
    for scenario, where, r in rows:
        ok = r["max_ms"] < MAX_STALL_MS and r["p99_ms"] < P99_MS
        verdict = ("ok" if ok else "FAIL") if where.startswith("worker") else ""
        previews = f"{r['previews']:>8}" if "previews" in r else " " * 8
        shown = f"{r['move_to_shown_ms']:>9.0f}ms" if r.get("move_to_shown_ms") is not None else " " * 11
        print(f"{scenario:<14} {where:<21} {r['ticks']:>6} {r['median_ms']:>6.1f}ms {r['p99_ms']:>6.1f}ms {r['max_ms']:>7.1f}ms {r['over_30ms']:>6}  {previews} {shown}  {verdict}")
        out.append({"scenario": scenario, "where": where, **r, "meets_targets": ok, "runs": runs[(scenario, where)]})
    for scenario, where, r in rows:
        if "ui_cpu_ms_per_move" in r:
            print(f"{scenario}, {where}: {r['moves']} moves, UI-thread CPU {r['ui_cpu_ms_per_move']:.2f} ms per move, "
                  f"full size {r['full_size_after_release_s']} s after letting go")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "probe_interval_ms": PROBE_MS,
        "repeats": args.repeats,
        "statistic": "median over repeats of each run's numbers",
        "targets": {"max_stall_ms": MAX_STALL_MS, "p99_ms": P99_MS},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "torch_threads": torch.get_num_threads(), "load_avg": os.getloadavg()},
        "rows": out,
    }
    (RESULTS / "ui_latency.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {(RESULTS / 'ui_latency.json').relative_to(REPO)}")
    app_rows = [r for r in out if r["where"].startswith("worker")]
    return 0 if all(r["meets_targets"] for r in app_rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
