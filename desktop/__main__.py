"""Start the Colourise window: ``colourise-app [PHOTO ...]`` or ``python -m desktop [PHOTO ...]``.

Order matters here: ``multiprocessing.freeze_support()`` first (the frozen app's
worker processes start through this entry point), then ``torch`` before
``PySide6`` (on Windows, torch >= 2.9 fails to load its DLLs after Qt's:
pytorch#166628), then qasync, whose event loop runs the window. The loop is for
orchestration only; engine work runs on worker threads (``desktop.workers``).

``--smoke-test`` builds the window offscreen, colours a generated photo through
the real worker path, prints one line and exits 0 (non-zero on any failure).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.ui_thread_gc import UiThreadCollector

_T0 = time.perf_counter()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="colourise-app", description="Colourise greyscale photos, train and manage colourising models.")
    parser.add_argument("photos", nargs="*", help="photos or folders to add to the queue")
    parser.add_argument("--smoke-test", action="store_true", help="build the window offscreen, colour one generated photo, print one line, exit")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)  # bench/startup.py: print when shown, then quit
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from desktop.smoke import isolate_for_smoke_test

        isolate_for_smoke_test()

    app, collector = make_application()
    import asyncio

    import qasync

    from desktop.main_window import app_icon

    app.setWindowIcon(app_icon())
    if args.smoke_test:
        from desktop.smoke import run_smoke_test

        coroutine = run_smoke_test(args)
    else:
        coroutine = run_window(args, collector)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        status = runner.run(coroutine)
    # Everything Qt is gone by now (run_window deleted the window); collect the Python
    # side while the QApplication still exists, not during interpreter finalisation.
    collector.stop()
    return status


def make_application():
    """The QApplication as every launch sets it up (the window, the smoke test, bench/ui_latency.py),
    with the collector that keeps Python's garbage collection on the UI thread."""
    import gc

    import torch  # noqa: F401  (before PySide6: see the module docstring)
    from PySide6.QtWidgets import QApplication

    from desktop import settings
    from desktop.qt_messages import install_message_filter
    from desktop.ui_thread_gc import collect_on_ui_thread

    settings.configure()
    install_message_filter()
    app = QApplication.instance() or QApplication(sys.argv[:1])  # Qt options come from the environment (QT_QPA_PLATFORM ...)
    app.setApplicationDisplayName("Colourise")
    app.setQuitOnLastWindowClosed(False)  # the window's coroutine ends the loop, so run_until_complete returns cleanly
    collector = collect_on_ui_thread(app)  # never on a worker: see desktop.ui_thread_gc
    # What the imports made (torch's and Qt's modules, ~200,000 objects) lives as long as
    # the app: leave it out of the collector's full passes (90 ms each, 6 ms without it).
    gc.freeze()
    return app, collector


async def run_window(args: argparse.Namespace, collector: UiThreadCollector) -> int:
    import asyncio

    from PySide6.QtCore import QTimer

    from desktop.main_window import MainWindow

    window = MainWindow()
    closed = asyncio.get_running_loop().create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(0))
    _close_on_signals(window)
    window.show()
    if args.startup_probe:
        # The first event-loop turn after show(): the window has been laid out and exposed.
        QTimer.singleShot(0, _say_shown)
        QTimer.singleShot(0, window.close)  # (zero timers run in the order they were started)
    else:
        window.warmed_up.connect(collector.freeze_start_up)  # what start-up made stays out of later passes
        QTimer.singleShot(0, window.warm_up)
    if args.photos:
        window.open_photos(args.photos)
    try:
        return await closed
    finally:
        _close_on_signals(None)  # back to the default handlers: the window is going
        window.shut_down()  # stop and join the workers, delete the widgets: then leave
        del window


def _say_shown() -> None:
    print(f"window shown after {time.perf_counter() - _T0:.3f} s", flush=True)


def _close_on_signals(window) -> None:
    """Ctrl+C or a polite kill closes the window the usual way (asking first if a model is training); None: defaults again."""
    import signal

    from PySide6.QtCore import QTimer

    def request_close(*_args) -> None:
        QTimer.singleShot(0, window.close)

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            default = signal.default_int_handler if name == "SIGINT" else signal.SIG_DFL
            signal.signal(getattr(signal, name), request_close if window is not None else default)
    if window is None:
        return
    # Python runs signal handlers only between bytecodes; a slow tick lets it in while Qt idles.
    ticker = QTimer(window)
    ticker.timeout.connect(lambda: None)
    ticker.start(300)


if __name__ == "__main__":
    sys.exit(main())
