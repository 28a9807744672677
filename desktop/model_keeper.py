"""Keeping a stopped run's model, as it stands, in the library: for the Train page and the Runs page alike.

The work (``engine.training.keep``) runs on a worker lane; the result comes back as
``kept`` or ``failed``. A run's checkpoint is kept once: ``kept_name`` finds the model
it gave (until a resumed run writes a newer checkpoint).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.library_model import Library
from desktop.workers import Lane


class ModelKeeper(QObject):
    kept = Signal(str)
    """A stopped run's model was added to the library under this name."""
    failed = Signal(str)
    """Keeping a run's model failed; the one-line reason."""

    def __init__(self, library: Library, lane: Lane, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self.lane = lane
        self.busy = False

    def kept_name(self, run_dir: str | Path) -> str | None:
        """The library model kept from ``run_dir``'s checkpoint as it is now, if the library holds one."""
        from engine.training.keep import kept_from

        return kept_from(((e.name, e.info.training) for e in self.library.entries() if e.info), run_dir)

    def keep(self, run_dir: str | Path) -> None:
        """Add the run's model at its last checkpoint to the library, on the lane; ``kept`` or ``failed`` follows."""
        from engine.training.keep import keep_model

        self.busy = True
        self.lane.submit(
            keep_model, str(run_dir), None, self.library.user_dir, name="keep-model",
            on_finished=self._on_kept, on_error=self._on_failed,
        )

    def _on_kept(self, path) -> None:
        self.busy = False
        self.library.refresh()
        self.kept.emit(Path(path).stem)

    def _on_failed(self, message: str) -> None:
        self.busy = False
        self.failed.emit(message)
