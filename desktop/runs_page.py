"""The Runs page: every training run side by side, to see which recipe won and why.

A sortable table of the run folders (``engine.runs``: status, steps, date, time spent,
last validation metrics); tick runs to overlay their curves on one plot (per-run
colours, a legend with their names, log axis for losses), see the settings in which
they differ and their last preview pictures side by side. Actions on the selected run:
Resume, Colour Photos With Its Model (a stopped run's model is first kept, as it stands, in the
library), Open Folder, Delete Run (to the trash).

Run folders are read on a worker lane; the page refreshes when shown, when a training
ends, and every few seconds while a run is training.
"""

from __future__ import annotations

import html
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QFile, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import settings
from desktop.library_model import Library
from desktop.model_keeper import ModelKeeper
from desktop.widgets.confirm import confirm_delete, unbroken
from desktop.widgets.elided_label import ElidedLabel
from desktop.widgets.loss_plot import (MIN_PLOT_HEIGHT, SHORT_CURVE, CountAxis, EmptyPlotNote, LogLossAxis, follow_data_only,
                                       paint_plot_axes)
from desktop.widgets.scroll_when_short import ScrollWhenShort, scroll_bar_extent
from desktop.widgets.readable_colour import GRAPHIC_CONTRAST, readable_on
from desktop.widgets.show_folder import show_folder
from desktop.workers import Lane
from engine.model_summary import ON_TRAINING_PHOTOS, TRAINING_PHOTOS_MARK
from engine.runs import RunSummary, differing_settings, format_duration, is_percentage, metric_text

# Distinct colours for overlaid runs (Tableau 10); drawn in a lighter or darker shade where they would be faint on the
# palette's background (colour_of): the blue was 3:1 on a dark window, the yellow 1.6:1 on a white plot.
RUN_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
FAILED_COLOUR = "#c0392b"  # a failed run's status, in a shade that reads on the table's rows (2.3:1 as it is on dark ones)
METRIC_COLUMNS = [("psnr", "PSNR", 2), ("auc", "AuC", 3), ("colourfulness", "Colourful", 1)]
STATUS_TEXT = {"running": "running", "finished": "finished", "stopped": "stopped", "failed": "failed"}
LIVE_REFRESH_MS = 5000  # while a run trains, re-read the folders this often
PREVIEW_MIN_SCALED = 96  # a preview is scaled down to fit no smaller than this high (else it scrolls)
PREVIEW_SHARE = 0.4  # of the room below the table, the most the previews take as they appear
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"
RUNS_SHARE = 1000  # the runs table : the curves and previews below it, 2 : 3 of the page's height at first
NAME_MIN_CHARS = 12  # of a run's name in view at the least, where the table is narrow (the rest is in its tooltip)
SETTING_NAME_CHARS = 16  # the most the settings table gives the setting names ("…decoder widths"), in average characters
RUN_COLUMN_CHARS = 9  # the least it gives each run's values ("0.003", "colour_unet"), in average characters
RUN_FACTS = [("name", "Run"), ("arch", "Architecture"), ("status", "Status"), ("steps", "Steps"), ("started", "Started"),
             ("time", "Time"), ("speed", "Images/s")]  # the table's columns before the last validation's figures
CURVE_CHOICES = [("loss", "Loss (training and validation)")] + [
    (key, f"Validation {label}") for key, label, _ in METRIC_COLUMNS
] + [("hue_accuracy", "Validation hue accuracy")]


def _score(run: RunSummary, key: str) -> float | None:
    """A run's last validation figure in the table's column ``key`` (its loss or a metric); None for other columns."""
    return run.val_loss if key == "val_loss" else run.metrics.get(key)


def _marked_score(run: RunSummary, keys: list[str]) -> str | None:
    """The column whose figure is followed by "(training photos)": the last of the run's validation figures in the row,
    where they were measured on its own training photos (nothing held out), as the Models tab marks them; else None."""
    if run.validated_on != "training photos":
        return None
    facts = {key for key, _label in RUN_FACTS}
    return next((key for key in reversed(keys) if key not in facts and _score(run, key) is not None), None)


class _SortItem(QTableWidgetItem):
    """A table cell that sorts by a key (a number, a date) rather than by its text."""

    def __init__(self, text: str, key=None):
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, text if key is None else key)
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        try:
            return (a is None, a) < (b is None, b)
        except TypeError:
            return str(a) < str(b)


class _FitPicture(QLabel):
    """A preview at most its own size, scaled down (its shape kept) to the room it gets; it was enlarged to 220 px
    high, and cut off where the page had less room."""

    def __init__(self, pixmap: QPixmap):
        super().__init__()
        self._natural = pixmap
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self._natural.size()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self._natural.size().scaled(QSize(QWIDGETSIZE_MAX, PREVIEW_MIN_SCALED), Qt.AspectRatioMode.KeepAspectRatio).boundedTo(
            self._natural.size())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        room = self.contentsRect().size().boundedTo(self._natural.size())
        self.setPixmap(self._natural.scaled(room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))


class _PreviewScroll(QScrollArea):
    """The ticked runs' previews: as high as they are where the page has room (the splitter asks), else scaled down
    to their least, and no lower: the area under the table scrolls to them. Sideways, they scroll here.

    At a lower least height they were a 76 px box with scroll bars of their own inside that scrolled area."""

    def __init__(self):
        super().__init__()
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(hint.width(), self.widget().sizeHint().height() + 2 * self.frameWidth() + scroll_bar_extent(self))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - the titles and the pictures at their least, whole
        hint = super().minimumSizeHint()
        return QSize(hint.width(), self.widget().minimumSizeHint().height() + 2 * self.frameWidth() + scroll_bar_extent(self))


class _WrappedLegend(QLabel):
    """The ticked runs' names on as many lines as they wrap onto, each counted: a word-wrapped label's own least
    height is its lines at a width of its choosing, so at a narrow window the plot under three long names lost
    their extra lines' height, its step axis cut off."""

    def __init__(self):
        super().__init__()
        self.setWordWrap(True)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        if self.width() > 0 and self.text():
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - wrapped anew: the lines it needs may have changed
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()


class _RunsTable(QTableWidget):
    """The runs, their columns sharing the table's width: each as wide as its text where there is room, the run's name
    taking what is left. Where there is not (the window at its minimum width), the widest headers are shortened first,
    no narrower than their values (whole in their tooltips), then the name (whole in its tooltip); before, the last
    columns went behind a sideways scroll bar."""

    def __init__(self):
        super().__init__(0, 0)
        # A shortened header ends in "…" ("Archit…"): a header view's own default cut it off at both ends ("chitectu").
        self.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self._natural: list[int] = []  # each column's width with its header whole
        self._values: list[int] = []  # and with its values whole, the header left out

    def fit_columns(self) -> None:
        """Measure the columns anew (their text changed) and share the width among them."""
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)  # the header's text and the values'
        self._natural = [header.sectionSize(column) for column in range(self.columnCount())]
        self._values = [self.sizeHintForColumn(column) for column in range(self.columnCount())]
        for column in range(self.columnCount()):
            item = self.horizontalHeaderItem(column)
            if item is not None and not item.toolTip():
                item.setToolTip(item.text())  # whole where it is shortened
        self._share_width()

    def _share_width(self) -> None:
        if not self._natural or len(self._natural) != self.columnCount():
            return
        room = self.viewport().width()
        margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1)
        tick = self.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, self)
        name_least = min(self._natural[0], tick + margin + self.fontMetrics().averageCharWidth() * NAME_MIN_CHARS)
        others = list(zip(self._natural[1:], self._values[1:]))

        def widths(cap: int) -> list[int]:
            return [min(natural, max(values, cap)) for natural, values in others]

        # The least cutting that fits: a header wider than ``cap`` is cut to it, never below its column's values.
        # The widths grow with ``cap``: the widest cap that fits is bisected for (0 where none does), not stepped
        # down to a pixel at a time (hundreds of steps on each resize).
        fitting, too_wide = 0, max((natural for natural, _ in others), default=0) + 1
        while too_wide - fitting > 1:
            cap = (fitting + too_wide) // 2
            if sum(widths(cap)) + name_least <= room:
                fitting = cap
            else:
                too_wide = cap
        sizes = widths(fitting)
        header = self.horizontalHeader()
        header.resizeSection(0, max(name_least, room - sum(sizes)))
        for column, size in enumerate(sizes, start=1):
            header.resizeSection(column, size)

    def viewportEvent(self, event) -> bool:  # noqa: N802 - the viewport's width, less the upright scroll bar when it shows
        if event.type() == QEvent.Type.Resize:
            self._share_width()
        return super().viewportEvent(event)


def _read_runs(parent: Path):
    from engine.runs import list_runs, read_curves

    runs = list_runs(parent)
    return [(run, read_curves(run.path)) for run in runs]


class RunsPage(QWidget):
    status_message = Signal(str)
    """A short note for the window's status bar."""
    resume_requested = Signal(str)
    """The user wants to continue the run in this folder (the Train page does it)."""
    use_model_requested = Signal(str)
    """The user wants to colour photos with the library model of this name."""
    model_kept = Signal(str)
    """A stopped run's model, as it stood, was added to the library under this name."""
    refreshed = Signal()
    """The run folders were read again and the table shows them."""

    def __init__(
        self, library: Library, lane: Lane, runs_parent: Path, parent: QWidget | None = None, keeper: ModelKeeper | None = None
    ):
        super().__init__(parent)
        self.library = library
        self.lane = lane
        saved = settings.read("runs/folder", "", str)
        self.runs_parent = Path(saved) if saved and Path(saved).is_dir() else Path(runs_parent)
        self.runs: list[RunSummary] = []
        self.curves: dict[str, dict] = {}  # run path -> engine.runs.read_curves
        self.ticked: list[str] = []  # run paths, in the order they were ticked (their colours)
        self._job = None
        self._again = False
        self._keeping: RunSummary | None = None  # the run whose model this page asked the keeper for
        self._training_here = False  # the window's Train page is training a run (it trains one at a time)
        self.keeper = keeper or ModelKeeper(library, lane, self)  # the window's one keeper, shared with the Train page
        self.keeper.kept.connect(self._on_kept)
        self.keeper.failed.connect(self._on_keep_failed)
        self.keeper.busy_changed.connect(self._update_buttons)
        self._build()
        self._live = QTimer(self)
        self._live.setInterval(LIVE_REFRESH_MS)
        self._live.timeout.connect(self.refresh)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.folder_label = ElidedLabel()  # a long folder path must not hold the window wide
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("Show the runs in another folder (e.g. the runs/ of `colourise train`)")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the run folders again")
        self.resume_button = QPushButton("Resume")
        self.use_button = QPushButton("Colour Photos With Its Model")
        self.open_button = QPushButton("Open Folder")
        self.open_button.setToolTip("Show the run folder (config, metrics, previews, checkpoint) in the file manager")
        self.delete_button = QPushButton("Delete Run…")
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        for button in (self.folder_button, self.refresh_button, self.resume_button, self.use_button, self.open_button, self.delete_button):
            top.addWidget(button)

        self.table = _RunsTable()
        self.table.setAccessibleName("Training runs")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setToolTip("Tick runs to compare them below; select one for the buttons above. Click a header to sort.")
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)

        self.curve_box = QComboBox()
        for key, label in CURVE_CHOICES:
            self.curve_box.addItem(label, key)
        self.curve_box.setToolTip("What the plot shows for the ticked runs")
        # The Train page's log axis: labels on a narrow loss band too (pyqtgraph's own left it bare).
        # Steps are whole: pyqtgraph's own axis labelled a run of a few steps 1.0, 1.5 ... 4.0.
        self.plot = pg.PlotWidget(axisItems={"left": LogLossAxis("left"), "bottom": CountAxis("bottom")})
        self.plot.setAccessibleName("Curves of the ticked runs")
        self.plot.setMinimumHeight(MIN_PLOT_HEIGHT)  # (the previews' row took all but 110 px of it)
        follow_data_only(self.plot)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("bottom", "step")
        # pyqtgraph's SI prefix on a log axis turns a loss of 0.7 into "7·10²" under "(x0.001)".
        item.getAxis("left").enableAutoSIPrefix(False)
        # The legend is a line of text above the plot, as on the Train page: pyqtgraph's, in the plot's corner,
        # sat over the curves (a metric that rises ends there).
        self.legend = _WrappedLegend()
        self.legend.setAccessibleName("Ticked runs' colours")
        self.legend.hide()
        self._legend_entries: list[tuple[str, QColor]] = []  # (a drawn run's short name, its colour)
        self.plot.setToolTip("Ticked runs: training loss as a line, validation as dots joined by a dashed line")
        plot_box = QWidget()
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        curve_row = QHBoxLayout()
        curve_row.addWidget(QLabel("Show:"))
        curve_row.addWidget(self.curve_box, 1)
        plot_layout.addLayout(curve_row)
        plot_layout.addWidget(self.legend)
        self.empty_note = EmptyPlotNote(self.plot, "Tick runs above to draw their curves here.")
        plot_layout.addWidget(self.empty_note, 1)

        self.settings_table = QTableWidget(0, 0)
        self.settings_table.setAccessibleName("Settings that differ")
        self.settings_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.settings_table.setToolTip("The settings in which the ticked runs differ")
        # The runs' columns share the width: a long value (a folder) is shortened in the middle, whole in its
        # tooltip, where sized to its text it pushed the other runs out of view behind a sideways scroll bar.
        self.settings_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.settings_table.setWordWrap(False)  # one line a value (wrapped and shortened, a list read "…" above "…")
        runs_header, names = self.settings_table.horizontalHeader(), self.settings_table.verticalHeader()
        runs_header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        runs_header.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # The setting names at most SETTING_NAME_CHARS wide, shortened at the front ("…decoder widths"), whole in their
        # tooltips; each run's column at least RUN_COLUMN_CHARS (sideways scrolling past that): at the window's
        # minimum size the names took the table's width, every value read "…" and the runs' names "ur_u".
        chars = self.settings_table.fontMetrics().averageCharWidth()
        names.setTextElideMode(Qt.TextElideMode.ElideLeft)
        names.setMaximumWidth(SETTING_NAME_CHARS * chars)
        runs_header.setMinimumSectionSize(RUN_COLUMN_CHARS * chars)
        self.settings_note = QLabel("Tick two or more runs to see the settings in which they differ.")
        self.settings_note.setWordWrap(True)
        settings_box = QWidget()
        settings_layout = QVBoxLayout(settings_box)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(self.settings_note)
        settings_layout.addWidget(self.settings_table, 1)

        self.preview_row = QHBoxLayout()
        self.preview_row.addStretch(1)
        previews = QWidget()
        previews.setLayout(self.preview_row)
        self.preview_scroll = _PreviewScroll()
        self.preview_scroll.setAccessibleName("Last previews of the ticked runs")
        self.preview_scroll.setWidgetResizable(True)
        self.preview_scroll.setWidget(previews)
        # The previews' titles and pictures at their least: at their full 270 px they raised the window's minimum
        # height by 162 px once a run was ticked, above the other tabs'; the area under the table scrolls to them
        # (only the curves count for the window's minimum). Whole where there is room.
        self.preview_scroll.setToolTip("The ticked runs' last previews: grey | prediction | original")
        self.preview_scroll.hide()  # until a run is ticked

        compare = QSplitter(Qt.Orientation.Horizontal)
        compare.addWidget(plot_box)
        compare.addWidget(settings_box)
        compare.setStretchFactor(0, 3)
        compare.setStretchFactor(1, 2)
        compare.setSizes([600, 400])
        self.curves_and_previews = lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(compare)
        lower.addWidget(self.preview_scroll)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.placeholder)
        # Three rows of runs at the least: with the ticked runs' previews below, the table was about one row high
        # at the window's smallest. The curves and previews under it scroll there instead (the curves whole).
        bar = self.table.horizontalScrollBar().sizeHint().height()
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height() + 3 * self.table.verticalHeader().defaultSectionSize()
                                    + bar + 2 * self.table.frameWidth())
        self.lower_scroll = ScrollWhenShort(lower, least=compare)
        self.lower_scroll.setAccessibleName("Curves and previews of the ticked runs")
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(upper)
        main.addWidget(self.lower_scroll)
        main.setStretchFactor(0, 2)
        main.setStretchFactor(1, 3)
        main.setSizes([2 * RUNS_SHARE, 3 * RUNS_SHARE])  # the stretch alone left the table a few rows beside the plot's minimum
        layout = QVBoxLayout(self)
        layout.addWidget(main)

        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.curve_box.currentIndexChanged.connect(lambda _i: self._draw_curves())
        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button.clicked.connect(self._choose_folder)
        self.resume_button.clicked.connect(self._resume)
        self.use_button.clicked.connect(self._use_model)
        self.open_button.clicked.connect(self._open_folder)
        self.delete_button.clicked.connect(self.delete_selected)
        self._apply_palette()
        self._update_buttons()

    def _apply_palette(self) -> None:
        paint_plot_axes(self.plot, self.palette())
        if self.runs:  # their colours in shades that read on the new palette
            self._fill_table()
            self._show_comparison()

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == event.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh()

    # -- reading the run folders ---------------------------------------------------------------
    def set_runs_parent(self, folder: Path) -> None:
        self.runs_parent = Path(folder)
        settings.write("runs/folder", str(folder))
        self.refresh()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of training runs", str(self.runs_parent))
        if folder:
            self.set_runs_parent(Path(folder))

    def refresh(self) -> None:
        """Read the run folders again (on the lane); ``refreshed`` follows."""
        if self._job is not None:
            self._again = True
            return
        self._job = self.lane.submit(
            _read_runs, self.runs_parent, name="read-runs", on_finished=self._on_read, on_error=self._on_read_failed
        )

    def _on_read_failed(self, message: str) -> None:
        self._job = None
        self.status_message.emit(f"Could not read the training runs: {message}")

    def _on_read(self, result) -> None:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()
            return
        self.runs = [run for run, _ in result]
        self.curves = {run.path: curves for run, curves in result}
        present = {run.path for run in self.runs}
        self.ticked = [path for path in self.ticked if path in present]
        self._fill_table()
        self._show_comparison()
        any_running = any(run.status == "running" for run in self.runs)
        if any_running and not self._live.isActive():
            self._live.start()
        elif not any_running:
            self._live.stop()
        self.refreshed.emit()

    # -- the table ------------------------------------------------------------------------------
    def _columns(self) -> list[tuple[str, str]]:
        hue = sorted({k for run in self.runs for k in run.hue_metrics})
        return [*RUN_FACTS, ("val_loss", "Val loss"), *[(key, label) for key, label, _ in METRIC_COLUMNS],
                *[(key, key.replace("_", " ").capitalize()) for key in hue]]

    def _fill_table(self) -> None:
        selected = self.selected_run()
        sort_column = self.table.horizontalHeader().sortIndicatorSection() if self.table.columnCount() else 4
        sort_order = self.table.horizontalHeader().sortIndicatorOrder() if self.table.columnCount() else Qt.SortOrder.DescendingOrder
        columns = self._columns()
        self.table.blockSignals(True)
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([label for _, label in columns])
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            marked = _marked_score(run, [key for key, _label in columns])
            for column, (key, _label) in enumerate(columns):
                item = self._cell(run, key)
                if key == marked:
                    item.setText(item.text() + TRAINING_PHOTOS_MARK)
                if column == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if run.path in self.ticked else Qt.CheckState.Unchecked)
                    item.setData(Qt.ItemDataRole.UserRole + 1, run.path)
                    item.setToolTip(run.path)
                self.table.setItem(row, column, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(min(sort_column, len(columns) - 1), sort_order)
        self.table.fit_columns()
        self.table.blockSignals(False)
        if selected is not None:
            self.select_run(selected.path)
        self.table.setVisible(bool(self.runs))
        self.placeholder.setVisible(not self.runs)
        self.placeholder.setText(f"No training runs yet in {self.runs_parent}.\nTrain a model on the Train tab: each run appears here.")
        count = f"{len(self.runs)} run{'s' if len(self.runs) != 1 else ''} in "
        self.folder_label.setText(f"{count}{self.runs_parent}", keep=len(count))  # the count whole, the path shortened
        self._update_buttons()

    def _cell(self, run: RunSummary, key: str) -> QTableWidgetItem:
        if key == "name":
            return _SortItem(run.name)
        if key == "arch":
            return _SortItem(run.arch)
        if key == "status":
            item = _SortItem(STATUS_TEXT.get(run.status, run.status) + (" (resumable)" if run.resumable and run.status == "failed" else ""))
            tip = run.message or {"running": "Training now", "finished": "Its model is in your library"}.get(run.status, "")
            if run.status == "stopped":
                tip = (tip + ". " if tip else "") + "Resume continues it from its checkpoint."
            item.setToolTip(tip)
            if run.status == "failed":
                rows = self.palette()  # (the table's own takes a new palette after the page does)
                item.setForeground(readable_on(QColor(FAILED_COLOUR), rows.color(QPalette.ColorRole.Base),
                                               rows.color(QPalette.ColorRole.AlternateBase)))
            return item
        if key == "steps":
            text = f"{run.steps:,}" + (f" of {run.total_steps:,}" if run.total_steps and run.status != "finished" else "")
            return _SortItem(text, run.steps)
        if key == "started":
            return _SortItem(run.started.replace("T", " ")[:16], run.started)
        if key == "time":
            return _SortItem(format_duration(run.seconds), run.seconds)
        if key == "speed":
            item = _SortItem("" if run.images_per_second is None else f"{run.images_per_second:,.1f}", run.images_per_second)
            item.setToolTip("Training speed: the median of its logged steps (the Train page estimates new runs' time from it)")
            return item
        value = _score(run, key)
        if key == "val_loss":
            item = _SortItem("" if value is None else f"{value:.4f}", value)
        else:
            digits = next((d for k, _l, d in METRIC_COLUMNS if k == key), 3)
            item = _SortItem(metric_text(key, value, digits), value)
        if value is not None and run.validated_on == "training photos":
            item.setToolTip(ON_TRAINING_PHOTOS)  # as the Models tab says of its model's scores
        return item

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        path = item.data(Qt.ItemDataRole.UserRole + 1)
        checked = item.checkState() == Qt.CheckState.Checked
        if checked and path not in self.ticked:
            self.ticked.append(path)
            if not self.table.selectionModel().selectedRows():
                self.table.selectRow(item.row())  # the run clicked is the one the buttons act on, when none was chosen
        elif not checked and path in self.ticked:
            self.ticked.remove(path)
        self._show_comparison()

    def set_ticked(self, paths: list[str | Path]) -> None:
        """Tick exactly these runs (by folder)."""
        wanted = [str(p) for p in paths]
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            path = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setCheckState(Qt.CheckState.Checked if path in wanted else Qt.CheckState.Unchecked)
        self.ticked = [p for p in wanted if p in {r.path for r in self.runs}]
        self._show_comparison()

    def selected_run(self) -> RunSummary | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        path = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole + 1)
        return self.run(path)

    def select_run(self, path: str | Path) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole + 1) == str(path):
                self.table.selectRow(row)
                return

    def run(self, path: str | Path) -> RunSummary | None:
        return next((r for r in self.runs if r.path == str(path)), None)

    def label_of(self, path: str) -> str:
        """A ticked run's short name: its model's name, with as much of its start time as tells it
        from the other ticked runs of that name (to the minute, else to the second), else its folder's name."""
        run = self.run(path)
        namesakes = [self.run(p) for p in self.ticked if self.run(p).model_name == run.model_name]
        if len(namesakes) == 1:
            return run.model_name
        for end in (16, 19):  # "MM-DD HH:MM", then "MM-DD HH:MM:SS"
            stamp = run.started.replace("T", " ")[5:end]
            if [r.started.replace("T", " ")[5:end] for r in namesakes].count(stamp) == 1:
                return f"{run.model_name} {stamp}"
        return run.name

    def colour_of(self, path: str) -> QColor:
        """A ticked run's colour for its curves and its stroke in the legend: its own, in a shade that stands out
        from the plot and the page behind the legend in this palette."""
        palette = self.palette()
        own = QColor(RUN_COLOURS[self.ticked.index(path) % len(RUN_COLOURS)])
        return readable_on(own, palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Window), ratio=GRAPHIC_CONTRAST)

    def text_colour_of(self, path: str, background: QColor) -> QColor:
        """A ticked run's colour for its name written on ``background``, in a shade that reads as text."""
        return readable_on(self.colour_of(path), background)

    # -- comparing the ticked runs -----------------------------------------------------------------
    def _show_comparison(self) -> None:
        self._draw_curves()
        self._fill_settings()
        self._show_previews()

    def _draw_curves(self) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        self._legend_entries = []
        key = self.curve_box.currentData() or "loss"
        is_loss = key == "loss"
        self.empty_note.set_empty(not self.ticked)
        item.setLogMode(y=is_loss)
        as_percent = is_percentage(key)
        item.setLabel("left", "loss (log)" if is_loss else f"validation {dict(CURVE_CHOICES)[key].split(' ', 1)[1]}" + (" (%)" if as_percent else ""))
        for path in self.ticked:
            curves = self.curves.get(path, {})
            colour = self.colour_of(path)
            val = [(s, 100 * v if as_percent else v) for s, v in curves.get("val", {}).get(key, [])]
            train = []
            if is_loss:
                train = [(s, max(v, 1e-12)) for s, v in curves.get("train", {}).get("loss", [])]  # a log axis cannot show 0
                val = [(s, max(v, 1e-12)) for s, v in val]
                if train:
                    # A line needs two points: a run stopped after its first logged step would draw nothing.
                    dots = dict(symbol="o", symbolSize=5, symbolBrush=colour, symbolPen=colour) if len(train) < SHORT_CURVE else {}
                    item.plot([s for s, _ in train], [v for _, v in train], pen=pg.mkPen(colour, width=2), antialias=True, **dots)
            if val:
                item.plot([s for s, _ in val], [v for _, v in val], pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                          symbol="o", symbolSize=7, symbolBrush=colour, symbolPen=colour, antialias=True)
            if train or val:
                self._legend_entries.append((self.label_of(path), colour))
        self.legend.setText(" &nbsp;&nbsp; ".join(  # each drawn run's name after a stroke of its colour
            f"<span style='color:{colour.name()}'>━━</span>&nbsp;{html.escape(name)}" for name, colour in self._legend_entries
        ))
        self.legend.setVisible(bool(self._legend_entries))

    def curve_names(self) -> list[str]:
        """The legend's entries (the ticked runs' short names), for tests and screenshots."""
        return [name for name, _colour in self._legend_entries]

    def _fill_settings(self) -> None:
        runs = [self.run(p) for p in self.ticked]
        differ = differing_settings(runs)
        table = self.settings_table
        table.clear()
        table.setColumnCount(len(runs))
        table.setRowCount(len(differ))
        table.setHorizontalHeaderLabels([self.label_of(r.path) for r in runs])
        for column, run in enumerate(runs):
            header = table.horizontalHeaderItem(column)
            header.setForeground(self.text_colour_of(run.path, self.palette().color(QPalette.ColorRole.Button)))
            header.setToolTip(run.path)
        table.setVerticalHeaderLabels([setting_label(key) for key in differ])
        for row, key in enumerate(differ):
            name = table.verticalHeaderItem(row)
            name.setToolTip(f"{name.text()}: {key} (its name in config.toml and for colourise train --set)")
        for row, values in enumerate(differ.values()):
            for column, value in enumerate(values):
                item = QTableWidgetItem(_setting_text(value))
                item.setToolTip(item.text())
                table.setItem(row, column, item)
        if len(runs) < 2:
            self.settings_note.setText("Tick two or more runs to see the settings in which they differ.")
        elif not differ:
            self.settings_note.setText("The ticked runs have the same settings.")
        else:
            self.settings_note.setText(f"{len(differ)} setting{'s differ' if len(differ) != 1 else ' differs'}:")
        table.setVisible(bool(differ))

    def _show_previews(self) -> None:
        while self.preview_row.count():
            child = self.preview_row.takeAt(0)
            if child.widget() is not None:
                child.widget().deleteLater()
        for path in self.ticked:
            run = self.run(path)
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(4, 0, 4, 0)
            title = QLabel(f"<b>{html.escape(self.label_of(path))}</b>")
            title.setToolTip(run.path)
            title.setStyleSheet(f"color: {self.text_colour_of(path, self.palette().color(QPalette.ColorRole.Window)).name()}")
            pixmap = QPixmap(run.preview) if run.preview else QPixmap()
            if pixmap.isNull():
                picture = QLabel("no preview yet")
                picture.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            else:
                picture = _FitPicture(pixmap)
                picture.setToolTip(f"{Path(run.preview).name}: grey | prediction | original")
            column.addWidget(title)
            column.addWidget(picture, 1)
            self.preview_row.addWidget(box)
            box.show()  # now, not after the event loop's next pass: the room made for the previews counts it
        self.preview_row.addStretch(1)
        appearing = bool(self.ticked) and self.preview_scroll.isHidden()
        self.preview_scroll.setVisible(bool(self.ticked))  # no room held for previews until a run is ticked
        if appearing:
            self._make_room_for_previews()

    def _make_room_for_previews(self) -> None:
        """The previews whole as they appear, where the curves keep the most of the room below the table (their dots
        overlapped in the 120 px the previews left them); else scaled down or scrolled. The splitter moves the line."""
        total = sum(self.curves_and_previews.sizes())
        if total <= 0:  # not laid out yet: the splitter's own share
            return
        room = min(total - self.curves_and_previews.widget(0).minimumSizeHint().height(), int(total * PREVIEW_SHARE))
        previews = max(self.preview_scroll.minimumSizeHint().height(), min(self.preview_scroll.sizeHint().height(), room))
        self.curves_and_previews.setSizes([total - previews, previews])

    def preview_count(self) -> int:
        """How many previews are shown side by side."""
        return sum(1 for i in range(self.preview_row.count()) if self.preview_row.itemAt(i).widget() is not None)

    # -- actions ----------------------------------------------------------------------------------
    def _library_name(self, run: RunSummary) -> str | None:
        """The run's model's name in the library, when the library still holds it."""
        if not run.model:
            return None
        model = Path(run.model)
        try:
            in_library = model.parent.resolve() == self.library.user_dir.resolve()
        except OSError:
            in_library = False
        return model.stem if in_library and self.library.find(model.stem) is not None else None

    def _update_buttons(self) -> None:
        run = self.selected_run()
        self.resume_button.setEnabled(bool(run and run.resumable and run.status != "running" and not self._training_here))
        if run and run.resumable and self._training_here:
            self.resume_button.setToolTip(f"Another run is training on the Train tab: {run.name} can be resumed once it ends")
        else:
            self.resume_button.setToolTip(
                f"Continue {run.name} from its checkpoint on the Train tab" if run and run.resumable else "Select a stopped run to continue it"
            )
        name = self._library_name(run) if run else None
        training = any(r.status == "running" for r in self.runs)  # (the keep would wait for it on the training lane)
        keepable = bool(run and not name and run.resumable and not training and not self.keeper.busy)
        self.use_button.setEnabled(name is not None or keepable)
        if name:
            self.use_button.setToolTip(f"Colour photos with “{name}”")
        elif keepable:
            self.use_button.setToolTip(
                f"Keep {run.name}'s model as it stands at its last checkpoint in your library (the run can still be "
                "resumed) and colour photos with it"
            )
        else:
            self.use_button.setToolTip(
                "A stopped run's model can be kept once no run is training" if training and run and run.resumable
                else "Select a finished run whose model is in your library, or a stopped one"
            )
        self.open_button.setEnabled(run is not None)
        self.delete_button.setEnabled(bool(run and run.status != "running"))
        self.delete_button.setToolTip(
            "Move the selected run folder to the trash (its model stays in your library)" if run else "Select a run to delete"
        )

    def set_training(self, training: bool) -> None:
        """Whether the window trains a run now: Resume waits for it to end."""
        self._training_here = training
        self._update_buttons()

    def _resume(self) -> None:
        run = self.selected_run()
        if run and run.resumable:
            self.resume_requested.emit(run.path)

    def _use_model(self) -> None:
        run = self.selected_run()
        name = self._library_name(run) or self.keeper.kept_name(run.path) if run else None
        if name:
            self.use_model_requested.emit(name)
        elif run and run.resumable and self.keeper.keep(run.path):
            self._keeping = run
            self.status_message.emit(f"Keeping {run.name}'s model as it stands at its last checkpoint…")

    def _on_kept(self, run_dir: str, name: str) -> None:
        if self._keeping is None or str(self._keeping.path) != run_dir:
            return
        run, self._keeping = self._keeping, None
        self.status_message.emit(f"Kept “{name}” in your library: {run.name}'s model at its last checkpoint; the run can still be resumed.")
        self.model_kept.emit(name)
        self.use_model_requested.emit(name)

    def _on_keep_failed(self, run_dir: str, message: str) -> None:
        if self._keeping is None or str(self._keeping.path) != run_dir:
            return
        self._keeping = None
        self.status_message.emit(f"Could not keep the model: {message}")

    def _open_folder(self) -> None:
        run = self.selected_run()
        if run:
            show_folder(self, run.path)

    def delete_selected(self) -> bool:
        """Ask, then move the selected run folder to the trash; True when it went."""
        run = self.selected_run()
        if run is None or run.status == "running":
            return False
        keeps = f"\n\nIts model “{self._library_name(run)}” stays in your library." if self._library_name(run) else ""
        question = f"Move the run folder “{run.name}” (config, metrics, previews, checkpoint) to the trash?{keeps}"
        if not confirm_delete(self, "Delete Run", question):
            return False
        trashed = QFile.moveToTrash(run.path)
        ok = trashed[0] if isinstance(trashed, tuple) else bool(trashed)
        if not ok:
            where = unbroken(run.path)  # (whole, on a line of its own: wrapped with the text, it broke inside itself)
            QMessageBox.warning(self, "Delete Run", f"Could not move the run folder to the trash; it was left where it is:\n{where}")
            return False
        self.status_message.emit(f"Moved the run {run.name} to the trash.")
        if run.path in self.ticked:
            self.ticked.remove(run.path)
        self.refresh()
        return True


def setting_label(key: str) -> str:
    """A run setting as the Train page names it ("Validation share" for ``val_fraction``), else its key in words."""
    from desktop.train_page import RECIPE_FIELDS  # (the Train page is built by the time runs are compared)

    labels = {field: label for field, label, *_ in RECIPE_FIELDS}
    return labels.get(key) or key.replace("_", " ").capitalize()


def _setting_text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_setting_text(v) for v in value) or "–"
    return str(value)
