"""Scores of library models on a folder of colour photos, next to the grey baseline (the Models page).

The work is ``engine.metrics.evaluate_model`` run for each model on a worker; what the
window shows is one table row a model, filled in as each model finishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from desktop.colour_jobs import COLOURISERS
from engine.errors import user_message

SCORE_LIMIT = 50  # photos scored a model: about 20 s a model on a laptop's CPU at SCORE_SIDE
SCORE_SIDE = 768  # photos are shrunk to this long side first, as the comparison colours them
# (metric, column heading): what tells models apart, as the window's validation line does.
COLUMNS = (
    ("psnr", "PSNR"),
    ("auc", "a/b AuC"),
    ("hue_accuracy", "Hue accuracy"),
    ("colourfulness", "Colourfulness"),
    ("colourfulness_gap", "Colourfulness gap"),
    ("false_colour", "False colour"),
)
TIPS = {
    "psnr": "Closeness to the original colours, in dB (higher is better; grey already scores well)",
    "auc": "Share of pixels whose a/b colour is close to the original's, over thresholds 0-150 (higher is better)",
    "hue_accuracy": "Of the clearly coloured pixels, the share given the original's hue family (higher is better)",
    "colourfulness": "How vivid the colours are; the originals' in brackets",
    "colourfulness_gap": "How far each photo's vividness is from its original's, on average (lower is better)",
    "false_colour": "Colour put on what was grey or white in the original (lower is better)",
}


@dataclass
class ModelScored:
    model: str
    report: dict | None  # engine.metrics.evaluate_model's, None when the model could not be used
    error: str = ""


@dataclass
class ScoringPhoto:
    model: str
    index: int  # photos looked at so far
    total: int


def score_models(models: list[tuple[str, Path]], folder: Path, limit: int = SCORE_LIMIT, *, state) -> int:
    """On a worker: score each ``(name, path)`` model on ``folder``; emits ``ScoringPhoto`` and ``ModelScored``.
    Returns how many models were scored (a model that fails is reported, and the rest go on)."""
    from engine.metrics import evaluate_model

    scored = 0
    for name, path in models:
        if state.should_stop():
            break
        try:
            report = evaluate_model(
                COLOURISERS.get(path), folder, size=SCORE_SIDE, limit=limit, spread=True, should_stop=state.should_stop,
                on_progress=lambda i, n, name=name: state.emit(ScoringPhoto(name, i, n)),
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - one unusable model must not hide the others
            state.emit(ModelScored(name, None, user_message(exc)))
            continue
        state.emit(ModelScored(name, report))
        scored += 1
    return scored


class ScoresTable(QTableWidget):
    """One row a model (and the grey baseline first), one column a metric; rows come in as models finish."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(COLUMNS), parent)
        self.setAccessibleName("Model scores")
        self._counts: list[int] = []  # photos each scored model was scored on
        self.setHorizontalHeaderLabels([heading for _key, heading in COLUMNS])
        for column, (key, _heading) in enumerate(COLUMNS):
            self.horizontalHeaderItem(column).setToolTip(TIPS[key])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Copied whole, as tab-separated text: a spreadsheet or a report takes it as a table.
        self.copy_action = QAction("Copy Scores", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy)
        self.addAction(self.copy_action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setToolTip("Ctrl+C or the right-click menu copies the table, to paste into a spreadsheet")

    def add(self, event: ModelScored) -> None:
        if event.report is not None:
            self._counts.append(event.report["count"])
        if event.report is not None and self.rowCount() == 0 and event.report["count"]:
            self._add_row("Grey baseline", event.report["grey"], event.report)
        if event.report is None:
            self._add_row(event.model, None, None, event.error)
        elif not event.report["count"]:
            self._add_row(event.model, None, None, "no colour photos to score on")
        else:
            self._add_row(event.model, event.report["model"], event.report)

    def _add_row(self, name: str, means: dict | None, report: dict | None, error: str = "") -> None:
        from engine.metrics import format_metric

        row = self.rowCount()
        self.insertRow(row)
        self.setVerticalHeaderItem(row, QTableWidgetItem(name))
        if means is None:
            item = QTableWidgetItem(error)
            self.setItem(row, 0, item)
            self.setSpan(row, 0, 1, len(COLUMNS))
            return
        for column, (key, _heading) in enumerate(COLUMNS):
            text = format_metric(key, means.get(key))
            if key == "colourfulness":
                text += f" ({format_metric(key, report['grey'].get('colourfulness_original'))})"
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, column, item)

    def as_text(self) -> str:
        """The table as tab-separated lines: the headings, then one line a row."""
        lines = ["\t".join(["model", *(heading for _key, heading in COLUMNS)])]
        for name, cells in self.row_texts().items():
            lines.append("\t".join([name, *cells]).rstrip("\t"))
        return "\n".join(lines)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.as_text())

    def photo_counts(self) -> list[int]:
        return list(self._counts)

    def row_texts(self) -> dict[str, list[str]]:
        """What each row shows, by its name (for tests and screenshots)."""
        return {
            self.verticalHeaderItem(row).text(): [self.item(row, c).text() if self.item(row, c) else "" for c in range(self.columnCount())]
            for row in range(self.rowCount())
        }
