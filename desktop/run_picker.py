"""Train > Resume a Run…: a list of the runs that can be continued (name, step, date), newest first.

The runs are found on a worker (reading each checkpoint's step opens the file);
the dialog fills in when that is done. Open Run Folder shows where runs live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.show_folder import show_folder
from desktop.workers import Lane

MAX_RUNS = 200  # newest first; older ones are still in the folder


@dataclass
class ResumableRun:
    path: Path
    arch: str
    step: int
    total: str  # "of 3,000" or "" when the recipe gives epochs
    saved: float  # the checkpoint's time (seconds since the epoch)


def find_resumable_runs(runs_dir: Path, state) -> list[ResumableRun]:
    """Run folders under ``runs_dir`` with a readable checkpoint, newest checkpoint first."""
    import torch

    from engine.training.checkpoint import CHECKPOINT_NAME
    from engine.training.config import TrainConfig
    from engine.training.runfolder import CONFIG_NAME

    if not runs_dir.is_dir():
        return []
    candidates = [p for p in runs_dir.iterdir() if (p / CHECKPOINT_NAME).is_file() and (p / CONFIG_NAME).is_file()]
    candidates.sort(key=lambda p: (p / CHECKPOINT_NAME).stat().st_mtime, reverse=True)
    runs = []
    for path in candidates[:MAX_RUNS]:
        if state.should_stop():
            break
        try:
            # mmap: only the small pickled part is read; the tensors stay on disk.
            blob = torch.load(path / CHECKPOINT_NAME, map_location="cpu", weights_only=True, mmap=True)
            config = TrainConfig.load(path / CONFIG_NAME)
            step = int(blob["step"])
            finished = bool((blob.get("extra") or {}).get("finished_model"))
        except Exception:  # noqa: BLE001 - an unreadable run is simply not offered
            continue
        if finished:
            continue  # its model is in the library: nothing left to continue
        total = f"of {config.steps:,}" if config.steps > 0 else f"({config.epochs:,} epochs)"
        runs.append(ResumableRun(path, config.arch, step, total, (path / CHECKPOINT_NAME).stat().st_mtime))
    return runs


def open_folder(folder: Path, parent: QWidget | None = None) -> None:
    """Show ``folder`` in the system's file manager (created first, so there is something to show)."""
    folder.mkdir(parents=True, exist_ok=True)
    show_folder(parent, folder)


class RunPicker(QDialog):
    """Choose a stopped run to continue; ``chosen()`` is its folder once accepted."""

    listed = Signal(int)
    """The runs were found: how many can be resumed."""

    def __init__(self, runs_dir: Path, lane: Lane, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Resume a Run")
        self.runs_dir = runs_dir
        self.resize(640, 360)
        self.note = QLabel(f"Looking for stopped runs in {runs_dir}…")
        self.note.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setAccessibleName("Stopped runs")
        self.table.setHeaderLabels(["Run", "Architecture", "Step", "Checkpoint saved"])
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setStretchLastSection(False)  # (the last column took the room: the steps were cut, "51 (300 epoc…")
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemDoubleClicked.connect(lambda *_: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.resume_button = buttons.addButton("Resume", QDialogButtonBox.ButtonRole.AcceptRole)
        self.resume_button.setEnabled(False)
        folder_button = QPushButton("Open Run Folder")
        folder_button.setToolTip(f"Show {runs_dir} in the file manager")
        buttons.addButton(folder_button, QDialogButtonBox.ButtonRole.HelpRole)
        folder_button.clicked.connect(lambda: open_folder(self.runs_dir, self))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.itemSelectionChanged.connect(lambda: self.resume_button.setEnabled(self.chosen() is not None))
        self._job = lane.submit(find_resumable_runs, runs_dir, name="find-runs", on_finished=self._fill, on_error=self._on_error)
        self.finished.connect(lambda _result: self._job.stop())

    def _fill(self, runs: list[ResumableRun]) -> None:
        for run in runs:
            saved = dt.datetime.fromtimestamp(run.saved).strftime("%Y-%m-%d %H:%M")
            item = QTreeWidgetItem([run.path.name, run.arch, f"{run.step:,} {run.total}", saved])
            item.setData(0, Qt.ItemDataRole.UserRole, str(run.path))
            item.setToolTip(0, str(run.path))
            self.table.addTopLevelItem(item)
        if runs:
            self.table.setCurrentItem(self.table.topLevelItem(0))
            self.note.setText(f"Stopped runs in {self.runs_dir} that can continue from their checkpoint:")
        else:
            self.note.setText(f"No stopped runs to continue in {self.runs_dir}. A run stopped with Stop keeps a checkpoint and appears here.")
        self.listed.emit(len(runs))

    def _on_error(self, message: str) -> None:
        self.note.setText(f"Cannot list the runs in {self.runs_dir}: {message}")
        self.listed.emit(0)

    def chosen(self) -> Path | None:
        item = self.table.currentItem()
        return Path(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None and item.isSelected() else None
