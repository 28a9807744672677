"""Keeping a stopped run's model, as it stands, in the library: one keeper for the window, used by the
Train page and the Runs page alike.

The work (``engine.training.keep``) runs on the training lane (torch work stays on the
thread that trains, after the run has wholly ended); the result comes back as ``kept`` or
``failed``, with the run folder, so each page acts only on the keep it asked for. One
keep runs at a time, and a checkpoint is kept once: ``kept_name`` finds the model it gave
(until a resumed run writes a newer checkpoint), and the engine returns that model when
asked again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.library_model import Library
from desktop.workers import Lane


class ModelKeeper(QObject):
    kept = Signal(str, str)
    """A stopped run's model is in the library: the run folder, then the model's name."""
    failed = Signal(str, str)
    """Keeping a run's model failed: the run folder, then the one-line reason."""
    busy_changed = Signal(bool)
    """A keep started (True) or ended (False)."""

    def __init__(self, library: Library, lane: Lane, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self.lane = lane
        self.keeping: str | None = None  # the run folder whose model is being kept

    @property
    def busy(self) -> bool:
        return self.keeping is not None

    def kept_name(self, run_dir: str | Path) -> str | None:
        """The library model kept from ``run_dir``'s checkpoint as it is now, if the library holds one."""
        from engine.training.keep import kept_from

        return kept_from(((e.name, e.info.training) for e in self.library.entries() if e.info), run_dir)

    def keep(self, run_dir: str | Path) -> bool:
        """Add the run's model at its last checkpoint to the library, on the lane; ``kept`` or ``failed`` follows.

        False, and nothing asked, while another keep runs.
        """
        from engine.training.keep import keep_model

        if self.busy:
            return False
        self.keeping = str(run_dir)
        self.lane.submit(
            keep_model, self.keeping, None, self.library.user_dir, name="keep-model",
            on_finished=self._on_kept, on_error=self._on_failed,
        )
        self.busy_changed.emit(True)
        return True

    def _on_kept(self, kept) -> None:
        run_dir, self.keeping = self.keeping, None
        self.library.refresh()
        self.kept.emit(run_dir, kept.path.stem)
        self.busy_changed.emit(False)

    def _on_failed(self, message: str) -> None:
        run_dir, self.keeping = self.keeping, None
        self.failed.emit(run_dir, message)
        self.busy_changed.emit(False)
