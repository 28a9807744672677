"""The small state object long engine work receives (Orange3's ``TaskState`` pattern).

Engine functions such as ``train`` and ``colourise_files`` take a ``TaskState``:
they report through ``emit(event)`` and check ``should_stop()`` between steps. The
window adapts ``emit`` to Qt signals, the CLI to a progress bar, ``torchrun`` ranks
other than 0 to nothing. Events are plain dataclasses (see ``engine.events``).
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class TaskState:
    def __init__(
        self,
        on_event: Callable[[Any], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ):
        self._on_event = on_event
        self._external_stop = should_stop
        self._stop = threading.Event()

    def emit(self, event: Any) -> None:
        """Hand ``event`` to whoever listens (nothing happens when nobody does)."""
        if self._on_event is not None:
            self._on_event(event)

    def request_stop(self) -> None:
        """Ask the work to stop at its next check (thread-safe)."""
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set() or bool(self._external_stop and self._external_stop())
