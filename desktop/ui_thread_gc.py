"""Python's cycle collector runs on the UI thread only, from a timer.

Left to itself, the collector runs in whichever thread happens to allocate past its
threshold: often a worker building a model or decoding photos. It then frees the Qt
objects of menus, dialogs and widgets that were dropped on the UI thread, on that worker.
PySide6 deletes them there, and a QObject destructor that waits for the GIL while the UI
thread, holding the GIL, waits for the same Qt lock hangs the app for good: the test
suite hung this way once in a test that keeps a run's model (the worker in
``create_model``, garbage collection, ``~QObject``; the UI thread in ``~QMenu``).

So automatic collection is switched off and a timer on the UI thread collects instead: the
young generation each tick, the older ones as often as Python would. Freeing by reference
counts (almost everything) is unchanged.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

# Often enough that garbage never piles up (the young generation holds only what was
# allocated since the last tick); rarely enough to cost nothing while the app is idle.
COLLECT_EVERY_MS = 500


def generation_to_collect(counts: tuple[int, int, int], thresholds: tuple[int, int, int]) -> int:
    """The young generation, or an older one once as many younger collections have passed as Python waits for.

    The young generation is collected on every tick, not when its count passes its
    threshold: the count falls again as objects are freed, so a worker's burst of
    allocations, over by the time the timer looks, would hide the cycles it left.
    """
    generation = 0
    for older in (1, 2):
        if thresholds[older] and counts[older] > thresholds[older]:
            generation = older
        else:
            break
    return generation


class UiThreadCollector(QObject):
    """Collects cyclic garbage on the thread it lives on, while automatic collection is off."""

    def __init__(self, parent: QObject | None = None, every_ms: int = COLLECT_EVERY_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(every_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> None:
        gc.collect(generation_to_collect(gc.get_count(), gc.get_threshold()))

    def freeze_start_up(self) -> None:
        """Leave what exists now (modules, the window) out of every later pass: it lives as long as the app.

        Called once start-up is over. Imports make tens of thousands of objects at once,
        and on a worker (the warm-up): frozen, they no longer cost a pass on this thread
        its time (a full pass with the window open: 90 ms at launch, 6 ms once frozen).
        """
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Collect what is left here, then give collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def collect_on_ui_thread(app: QObject) -> UiThreadCollector:
    """Install the collector once for ``app`` (the QApplication) and return it."""
    existing = app.findChild(UiThreadCollector)
    return existing if existing is not None else UiThreadCollector(app)
