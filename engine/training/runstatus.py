"""A run's status on disk, and a lock that tells a running run from one whose process died.

The training process (rank 0) holds an OS file lock on ``run.lock`` for as long as the run
is running, and keeps ``status.json`` up to date::

    {"state": "running" | "finished" | "stopped" | "failed", "message": "...",
     "pid": 1234, "host": "...", "created": <unix time the run began>, "started": <... this session began>,
     "seconds_before": <time spent in earlier sessions>, "ended": <unix time>, "seconds": <total>}

The operating system drops the lock when the process ends, however it ends (a kill, a crash,
a power cut), so a reader that finds ``state == "running"`` and the lock free knows the
process is gone. A file lock is never stale, unlike a pid (reused) or a heartbeat (clocks,
a paused laptop). Where no lock can be taken (an odd file system) the pid and host decide.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from engine.atomic import atomic_write_bytes, read_regular_text

STATUS_NAME = "status.json"
LOCK_NAME = "run.lock"
RUNNING, FINISHED, STOPPED, FAILED = "running", "finished", "stopped", "failed"


def read_status(run_dir: str | Path) -> dict[str, Any]:
    """``status.json`` as a dict (empty when absent or unreadable, a named pipe too: not waited on)."""
    try:
        data = json.loads(read_regular_text(Path(run_dir) / STATUS_NAME))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_status(run_dir: Path, data: dict[str, Any]) -> None:
    atomic_write_bytes(run_dir / STATUS_NAME, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def _try_lock(handle) -> bool:
    """Take an exclusive lock on the open file without waiting; False when another process holds it."""
    try:
        import fcntl

        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False


def _unlock(handle) -> None:
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except ImportError:
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, but belongs to someone else (or the platform cannot say)
    return True


def is_running(run_dir: str | Path, status: dict[str, Any] | None = None) -> bool:
    """True while a training process holds this run (its lock is taken)."""
    run_dir = Path(run_dir)
    status = read_status(run_dir) if status is None else status
    lock = run_dir / LOCK_NAME
    if not lock.exists():
        return False
    try:
        with open(lock, "a+b") as handle:
            if _try_lock(handle):
                _unlock(handle)
                return False
            return True
    except OSError:  # cannot open or lock it here: fall back to the pid on this host
        pid = status.get("pid")
        if status.get("host") == socket.gethostname() and isinstance(pid, int):
            return _pid_alive(pid)
        return status.get("state") == RUNNING


def seconds_spent(run_dir: str | Path, status: dict[str, Any], running: bool = False) -> float | None:
    """Wall-clock seconds the run has trained, over all its sessions (None when unknown).

    A session that died without ending counts until the last thing it wrote (metrics.jsonl).
    """
    if not status:
        return None
    if "seconds" in status:
        return float(status["seconds"])
    before, started = float(status.get("seconds_before", 0.0) or 0.0), float(status.get("started", 0.0) or 0.0)
    if running:
        return before + max(0.0, time.time() - started)
    try:
        last = (Path(run_dir) / "metrics.jsonl").stat().st_mtime
    except OSError:
        last = started
    return before + max(0.0, last - started)


class AlreadyRunning(Exception):
    """Another process is training this run right now."""


class RunStatus:
    """The training process's side: ``begin`` locks the run and marks it running, ``end`` records how it ended."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self._handle = None
        self._started = time.time()
        self._before = 0.0
        self._created = self._started
        self._previous: dict[str, Any] | None = None  # status.json as it was before this session (None: there was none)

    @classmethod
    def begin(cls, run_dir: str | Path) -> "RunStatus":
        """Lock ``run_dir`` and write ``state = running``; ``AlreadyRunning`` when another process holds it."""
        status = cls(Path(run_dir))
        previous = read_status(status.run_dir)
        try:
            status._handle = open(status.run_dir / LOCK_NAME, "a+b")
        except OSError:
            status._handle = None  # a read-only or odd file system: run without the lock
        if status._handle is not None and not _try_lock(status._handle):
            status._handle.close()
            status._handle = None
            who = f" (process {previous['pid']})" if previous.get("pid") else ""
            raise AlreadyRunning(f"{status.run_dir.name} is already being trained by another process{who}")
        status._previous = previous if (status.run_dir / STATUS_NAME).is_file() else None
        status._before = seconds_spent(status.run_dir, previous) or 0.0
        status._created = previous.get("created") or status._started
        status._write(RUNNING)
        return status

    def _write(self, state: str, message: str = "", **extra: Any) -> None:
        now = time.time()
        data = {
            "state": state,
            "message": message,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "created": self._created,
            "started": self._started,
            "seconds_before": round(self._before, 1),
            **extra,
        }
        if state != RUNNING:
            data["ended"] = now
            data["seconds"] = round(self._before + now - self._started, 1)
        _write_status(self.run_dir, data)

    def end(self, event: Any) -> None:
        """Record the final event (``TrainingFinished`` / ``TrainingCancelled`` / ``TrainingFailed``; None: an abort), then unlock."""
        from engine import events

        try:
            if isinstance(event, events.TrainingFinished):
                self._write(FINISHED, model=str(event.model_path), step=event.steps)
            elif isinstance(event, events.TrainingCancelled):
                self._write(STOPPED, "stopped by the user", step=event.step,
                            checkpoint=str(event.checkpoint) if event.checkpoint else "")
            elif isinstance(event, events.TrainingFailed):
                self._write(FAILED, event.message)
            else:  # a second Ctrl-C, or a BaseException: the last checkpoint (if any) is what there is
                self._write(STOPPED, "training was interrupted")
        except OSError:
            pass  # the disk is full or gone: the lock still goes, and readers see a dead run
        finally:
            self.release()

    def abandon(self) -> None:
        """Put back the status the run had before ``begin`` (a resume that could not start changes nothing), then unlock."""
        try:
            if self._previous is None:
                (self.run_dir / STATUS_NAME).unlink(missing_ok=True)
            else:
                _write_status(self.run_dir, self._previous)
        except OSError:
            pass
        finally:
            self.release()

    def release(self) -> None:
        if self._handle is not None:
            try:
                _unlock(self._handle)
            except OSError:
                pass
            self._handle.close()
            self._handle = None
