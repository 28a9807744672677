"""Engine work on pool threads, reported back to the GUI thread through Qt signals.

A ``Lane`` is a small thread pool (one thread by default, so jobs in a lane run
one after another). ``Lane.submit(fn, *args)`` runs ``fn(*args, state=state)`` on
the lane's thread (Orange3's pattern: the task's state comes last), where ``state``
is an ``engine.task.TaskState``; a function without a ``state`` parameter (one that
neither reports nor stops early) runs as ``fn(*args)``. So engine functions such as
``train(config, state)`` run as they are, with no adapter. Every event the work
emits arrives on the GUI thread as ``progressed``, the return value as ``finished``,
an exception as ``errored`` (a one-line message). The signals object is created on
the GUI thread, so connected slots run there (queued): connect only to methods of
GUI-thread objects.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from engine.errors import ColouriseError, user_message
from engine.task import TaskState

log = logging.getLogger(__name__)


class JobSignals(QObject):
    progressed = Signal(object)
    """The work emitted an engine event (a dataclass from ``engine.events`` or a desktop one)."""
    finished = Signal(object)
    """The work returned this value."""
    errored = Signal(str)
    """The work raised; a one-line message for the user."""
    ended = Signal()
    """The work is over, whichever way (sent after ``finished`` or ``errored``)."""


class Job:
    """The GUI's handle on one piece of submitted work."""

    def __init__(self, name: str = ""):
        self.name = name
        self.signals = JobSignals()  # created here, on the GUI thread
        self.state = TaskState(on_event=self.signals.progressed.emit)
        self.done = False
        self.signals.ended.connect(self._on_ended)

    def stop(self) -> None:
        """Ask the work to stop at its next ``should_stop()`` check."""
        self.state.request_stop()

    def _on_ended(self) -> None:
        self.done = True


WORKER_NICENESS = 5  # worker threads yield the CPU to the GUI thread when both want it
_lowered: set[int] = set()


def lower_thread_priority() -> None:
    """Make the calling (worker) thread, and the threads it starts (torch's), give way to the GUI thread.

    On a machine whose cores are all busy (a CPU training run), the GUI thread
    then still gets a core within a few milliseconds. Linux takes a per-thread
    nice value; elsewhere Qt's thread priority does the same.
    """
    ident = threading.get_ident()
    if ident in _lowered:
        return
    _lowered.add(ident)
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)
        except OSError:
            pass  # not allowed here: the work still runs, at normal priority
    else:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)


def _takes_state(fn: Callable[..., Any]) -> bool:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        return False
    if len(names) > 1 and names[0] in ("state", "_state"):
        raise TypeError(f"{getattr(fn, '__name__', fn)}: the task state comes last (fn(*args, state)), not first")
    return "state" in names


class _Runner(QRunnable):
    def __init__(self, job: Job, fn: Callable[..., Any], args: tuple, takes_state: bool):
        super().__init__()
        self._job, self._fn, self._args, self._takes_state = job, fn, args, takes_state

    def run(self) -> None:
        lower_thread_priority()
        signals = self._job.signals
        try:
            result = self._fn(*self._args, state=self._job.state) if self._takes_state else self._fn(*self._args)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user as a message
            log.debug("job %s failed:\n%s", self._job.name, traceback.format_exc())
            if not isinstance(exc, (ColouriseError, KeyboardInterrupt)):
                log.warning("job %s failed: %s", self._job.name, traceback.format_exc())
            signals.errored.emit(user_message(exc))
        else:
            signals.finished.emit(result)
        finally:
            signals.ended.emit()
            self._job = self._fn = self._args = None  # free the work's data promptly


class Lane(QObject):
    """A named pool of ``threads`` worker threads; jobs in a one-thread lane run in order of priority, then submission."""

    def __init__(self, name: str, threads: int = 1, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.pool.setExpiryTimeout(-1)  # keep the thread: torch keeps per-thread state worth reusing
        self._jobs: set[Job] = set()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        priority: int = 0,
        name: str = "",
        on_progress: Callable[[Any], None] | None = None,
        on_finished: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_end: Callable[[], None] | None = None,
    ) -> Job:
        """Run ``fn(*args, state=state)`` (or ``fn(*args)``) on this lane; higher ``priority`` jumps the queue.

        The ``on_*`` slots are connected before the work starts, so no early event
        is lost (a signal emitted before a connection exists reaches nobody).
        """
        takes_state = _takes_state(fn)  # here, on the caller's thread: a wrong signature fails loudly
        job = Job(name or getattr(fn, "__name__", "job"))
        for signal, slot in (
            (job.signals.progressed, on_progress),
            (job.signals.finished, on_finished),
            (job.signals.errored, on_error),
            (job.signals.ended, on_end),
        ):
            if slot is not None:
                signal.connect(slot)
        self._jobs.add(job)  # keep the handle (and its signals) alive until the work has ended
        job.signals.ended.connect(self._forget_finished)
        self.pool.start(_Runner(job, fn, args, takes_state), priority)
        return job

    def _forget_finished(self) -> None:
        self._jobs = {job for job in self._jobs if not job.done}

    @property
    def busy(self) -> bool:
        return any(not job.done for job in self._jobs)

    def stop_all(self) -> None:
        """Ask every queued or running job to stop."""
        for job in list(self._jobs):
            job.stop()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the lane's threads are idle (used at exit only); False on timeout."""
        return self.pool.waitForDone(msecs)
