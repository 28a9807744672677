"""The Models page: the library as a table; rename, delete, import, reveal; compare models on one photo,
or score them on a folder of colour photos."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import settings
from desktop.colour_jobs import COLOURISERS
from desktop.images import photo_to_qimage
from desktop.library_model import Library, shown_name
from desktop.model_scores import SCORE_LIMIT, SCORE_SIDE, ModelScored, ScoresTable, ScoringPhoto, score_models
from desktop.widgets.confirm import confirm_delete, name_then_reason, unbroken
from desktop.widgets.show_folder import show_folder
from desktop.workers import Lane
from engine import library as model_library
from engine.batch import PhotoSource
from engine.errors import ColouriseError, user_message
from engine.library import LibraryEntry, user_models_dir
from engine.model_summary import ON_TRAINING_PHOTOS, epochs_text, parameters_text, trained_on, validated_on, validation_text

COLUMNS = ("Name", "Architecture", "Parameters", "Trained on", "Epochs", "Validation", "Date")
COMPARE_SIDE = 768  # compared photos are coloured at this long side
TILE_HEIGHT = 240
ROW_MARGIN = 3  # px above and below a row's tick box


class _RowDelegate(QStyledItemDelegate):
    """Rows as tall as their tick boxes and a margin: the text's height alone clipped the boxes at top and bottom."""

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        hint = super().sizeHint(option, index)
        widget = option.widget
        box = widget.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, option, widget) if widget is not None else 0
        return QSize(hint.width(), max(hint.height(), box + 2 * ROW_MARGIN))


def reveal_in_file_manager(path: Path, parent: QWidget | None = None) -> None:
    """Show ``path`` in the system's file manager (selected where the platform allows)."""
    selecting = {"win32": ["explorer", "/select,", str(path)], "darwin": ["open", "-R", str(path)]}.get(sys.platform)
    if selecting is not None:
        try:
            subprocess.Popen(selecting)
            return
        except OSError:  # (no Explorer or Finder to start: a locked-down machine) Qt's way, which says where it is
            pass
    show_folder(parent, path.parent)


def move_to_trash(path: Path) -> None:
    """Move ``path`` to the system's trash (send2trash: freedesktop.org, macOS, Windows); ``OSError`` when there is none."""
    from send2trash import send2trash
    from send2trash.exceptions import TrashPermissionError

    try:
        send2trash(path)
    except TrashPermissionError as exc:
        raise OSError(exc.errno or 0, "no trash can be used on this drive") from None
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - the library's other failures: still "no trash"
        raise OSError(0, str(exc) or type(exc).__name__) from None


def trash_if_possible(path: Path) -> bool:
    """Move ``path`` to the system's trash; False, the file left where it is, when there is none."""
    try:
        move_to_trash(path)
    except OSError:
        return False
    return True


class RenameDialog(QInputDialog):
    """Asks for a model's new name; shows why the last try could not be used, above the field."""

    def __init__(self, name: str, text: str, problem: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Rename Model")
        label = f"New name for “{name}”:"
        self.setLabelText(f"{problem}\n\n{label}" if problem else label)
        self.setTextValue(text)
        self.setOkButtonText("Rename")
        # On the field, not the dialog: QInputDialog's layout sets the dialog's own minimum when it is shown (it
        # opened 200 px wide, its title cut to "Renam… urise"); the title and label are never cut now.
        self.findChild(QLineEdit).setMinimumWidth(max(400, self.fontMetrics().horizontalAdvance(label) + 60))


@dataclass
class Compared:
    model: str
    image: object  # QImage


def _compare(source: PhotoSource, models: list[tuple[str, Path]], state):
    """Colour one photo with each model (at a preview size); emits the grey photo, then one ``Compared`` per model."""
    from engine.inference import resize_photo

    photo = resize_photo(source.read(), COMPARE_SIDE)
    state.emit(Compared("Grey original", photo_to_qimage(photo)))
    for name, path in models:
        if state.should_stop():
            return None
        try:
            image = photo_to_qimage(COLOURISERS.get(path).colourise(photo))
        except Exception as exc:  # noqa: BLE001 - one unusable model must not hide the others
            state.emit(Compared(f"{name}: {user_message(exc)}", None))
            continue
        state.emit(Compared(name, image))
    return len(models)


class ModelsPage(QWidget):
    status_message = Signal(str)
    """A short note for the window's status bar."""
    imported = Signal(object)
    """A model file was imported: its path in the library."""
    import_failed = Signal(str)
    """An import was refused; the one-line reason."""
    compared = Signal(int)
    """A comparison finished; how many models were compared."""
    scored = Signal(int)
    """Scoring the ticked models on a folder finished; how many were scored."""
    use_model_requested = Signal(str)
    """The user wants to colour photos with the model of this name."""
    exported = Signal(object)
    """A copy of a model's file was saved: its path."""

    def __init__(
        self, library: Library, lane: Lane, current_photo=None, parent: QWidget | None = None, file_lane: Lane | None = None,
        colourise_model=None,
    ):
        super().__init__(parent)
        self.library = library
        self.lane = lane
        # Export's and Import's copies, apart from ``lane``: a copy waited there behind Score Ticked (minutes) or Compare.
        self.file_lane = file_lane if file_lane is not None else Lane("model files", parent=self)
        self._current_photo = current_photo  # callable -> PhotoSource | None (the Colourise page's selection)
        # callable -> (name | None, photos): the Colourise page's model and how many photos it holds, so that deleting
        # that model says beforehand that they will be coloured again, and afterwards with what.
        self._colourise_model = colourise_model or (lambda: (None, 0))
        self._compare_job = None
        self._compare_token = 0
        self._checked: set[str] = set(settings.read_list("models/compare"))
        self._build()
        self.library.changed.connect(self._fill)
        self._fill()

    def _build(self) -> None:
        self.table = QTreeWidget()
        self.table.setAccessibleName("Model library")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setItemDelegate(_RowDelegate(self.table))
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.table.header()
        header.setStretchLastSection(False)
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Tick models to compare them; double-click one to colour photos with it")
        self.empty_label = QLabel("No models yet: train one on the Train tab, or Import a .safetensors model file.")
        self.empty_label.setWordWrap(True)

        self.use_button = QPushButton("Use")
        self.use_button.setToolTip("Colour photos with the selected model")
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Rename the selected model (F2)")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Move the selected model's file to the trash (Delete)")
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add a .safetensors model file to your library")
        self.reveal_button = QPushButton("Show File")
        self.reveal_button.setToolTip("Show the model file in the file manager")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save a copy of the selected model's .safetensors file where you choose, to share it")
        self.compare_button = QPushButton("Compare Ticked…")
        self.compare_button.setToolTip("Colour one photo (the one selected on the Colourise tab, or one you choose) with every ticked model")
        buttons = QHBoxLayout()
        for button in (self.use_button, self.rename_button, self.delete_button, self.reveal_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.score_button = QPushButton("Score Ticked…")
        self.score_button.setToolTip(
            f"Score every ticked model on a folder of colour photos you choose ({SCORE_LIMIT} spread over it, at {SCORE_SIDE} px),"
            " next to the grey baseline: how close, how right in hue, how vivid"
        )
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.score_button)

        self.compare_area = QScrollArea()
        self.compare_area.setAccessibleName("Models compared")
        self.compare_area.setWidgetResizable(True)
        self._tiles = QWidget()
        self._tiles_layout = QHBoxLayout(self._tiles)
        self._tiles_layout.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.compare_hint = QLabel(
            "Tick one or more models and press Compare Ticked to see them beside the grey photo,"
            " or Score Ticked to score them next to the grey baseline on a folder of colour photos."
        )
        self.compare_hint.setWordWrap(True)
        # A wrapped label in a row of tiles is given a narrow column (five lines at 230 px): two lines read better.
        self.compare_hint.setMinimumWidth(self.compare_hint.fontMetrics().horizontalAdvance(self.compare_hint.text()) // 2 + 40)
        self._tiles_layout.addWidget(self.compare_hint)
        self.compare_area.setWidget(self._tiles)
        self.compare_area.setMinimumHeight(TILE_HEIGHT + 60)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.empty_label)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.compare_area)
        splitter.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemDoubleClicked.connect(lambda item, _col: self.use_model_requested.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        self.use_button.clicked.connect(lambda: self.selected_name() and self.use_model_requested.emit(self.selected_name()))
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self.import_dialog)
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.compare_button.clicked.connect(self.compare_checked)
        self.score_button.clicked.connect(self.score_checked)

    # -- the table ------------------------------------------------------------------------
    def _fill(self) -> None:
        selected = self.selected_name()
        self.table.blockSignals(True)
        self.table.setSortingEnabled(False)
        self.table.clear()
        for entry in self.library.entries():
            self.table.addTopLevelItem(self._row(entry))
        self.table.setSortingEnabled(True)
        self.table.blockSignals(False)
        self.empty_label.setVisible(not self.library.entries())
        for row in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == selected:
                self.table.setCurrentItem(item)
        self._update_buttons()

    def _row(self, entry: LibraryEntry) -> QTreeWidgetItem:
        info = entry.info
        measured_on = validated_on(info.training or {}) if info is not None else None
        name = shown_name(entry)
        if info is None:
            values = [name, "unreadable", "", entry.error, "", "", ""]
        else:
            values = [
                name,
                info.arch,
                parameters_text(info.parameters) or "–",
                trained_on(info.training or {}) or "–",
                epochs_text(info.epochs) or "–",
                validation_text((info.training or {}).get("metrics") or {}, measured_on) or "–",
                (info.created or "")[:10],
            ]
        problem = entry.problem
        if problem:  # as `colourise models` says it, where what it was trained on would be
            values[3] = problem
        item = QTreeWidgetItem(values)
        item.setData(0, Qt.ItemDataRole.UserRole, entry.name)
        item.setToolTip(0, str(entry.path))
        item.setToolTip(3, values[3])
        if measured_on == "training photos" and values[5] != "–":
            item.setToolTip(5, ON_TRAINING_PHOTOS)
        if info is not None and not problem:  # (ticked, it would fail to compare and to score)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if entry.name in self._checked else Qt.CheckState.Unchecked)
        if info is not None:
            item.setData(2, Qt.ItemDataRole.ToolTipRole, f"{info.parameters:,} parameters")
        if problem:
            self._grey_out(item, problem)
        return item

    def _grey_out(self, item: QTreeWidgetItem, reason: str) -> None:
        """Show a model that cannot colour here in the disabled text colour, with why in every cell's tooltip (it
        stays selectable: it can still be renamed, deleted, exported or shown)."""
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for column in range(self.table.columnCount()):
            item.setForeground(column, grey)
            shown = item.toolTip(column)
            item.setToolTip(column, reason if shown in ("", reason) else f"{shown}\n{reason}")

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == event.Type.PaletteChange and hasattr(self, "table"):  # (greyed rows take the new grey)
            self._fill()
        super().changeEvent(event)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        name = item.data(0, Qt.ItemDataRole.UserRole)
        if item.checkState(0) == Qt.CheckState.Checked:
            self._checked.add(name)
        else:
            self._checked.discard(name)
        settings.write("models/compare", sorted(self._checked))
        self._update_buttons()

    def names(self) -> list[str]:
        return [self.table.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole) for row in range(self.table.topLevelItemCount())]

    def selected_name(self) -> str | None:
        item = self.table.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None and item.isSelected() else None

    def select(self, name: str) -> None:
        for row in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == name:
                self.table.setCurrentItem(item)

    def set_checked(self, names: list[str]) -> None:
        for row in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(row)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                wanted = item.data(0, Qt.ItemDataRole.UserRole) in names
                item.setCheckState(0, Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def checked_names(self) -> list[str]:
        usable = {entry.name for entry in self.library.usable()}
        return [n for n in self.names() if n in self._checked and n in usable]

    def _update_buttons(self) -> None:
        entry = self.library.find(self.selected_name() or "")
        editable = entry is not None and not entry.bundled
        self.use_button.setEnabled(entry is not None and entry.info is not None and not entry.problem)
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.reveal_button.setEnabled(entry is not None)
        self.export_button.setEnabled(entry is not None and entry.info is not None)
        for button in (self.rename_button, self.delete_button):
            if entry is not None and entry.bundled:
                button.setToolTip("Bundled models come with the app and cannot be changed")
        self.compare_button.setEnabled(len(self.checked_names()) >= 1 and self._compare_job is None)
        self.score_button.setEnabled(len(self.checked_names()) >= 1 and self._compare_job is None)

    # -- rename, delete, reveal -----------------------------------------------------------
    def rename_selected(self) -> None:
        """Ask for a new name; a name that cannot be used is explained in the dialog, which stays open."""
        name = self.selected_name()
        if not name:
            return
        text, problem = name, ""
        while True:
            dialog = RenameDialog(name, text, problem, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            text = dialog.textValue().strip()
            if not text or text == name:
                return
            problem = self._rename(name, text)
            if not problem:
                return

    def rename_model(self, name: str, new_name: str) -> bool:
        """Rename a user model (the library refuses bundled models, bad names and names already taken).

        Pages using the model follow the new name (``Library.renamed``): nothing is coloured again.
        """
        problem = self._rename(name, new_name)
        return self._refuse(problem) if problem else True

    def _rename(self, name: str, new_name: str) -> str:
        """Rename; "" when done, else the one-line reason it was refused."""
        from engine.inference import model_key

        entry = self.library.find(name)
        old_key = model_key(entry.path) if entry is not None else ""
        try:
            target = model_library.rename_model(name, new_name)
        except ColouriseError as exc:
            return str(exc)
        if name in self._checked:
            self._checked.discard(name)
            self._checked.add(new_name)
            settings.write("models/compare", sorted(self._checked))
        self.library.renamed.emit(name, new_name, old_key, model_key(target))
        self.library.refresh()
        self.select(new_name)
        self.status_message.emit(f"Renamed {name} to {new_name}.")
        return ""

    def delete_selected(self) -> None:
        """Ask, then move the selected model to the trash; where there is none, ask again before deleting for good."""
        name = self.selected_name()
        entry = self.library.find(name or "")
        if entry is None or entry.bundled:
            return
        if confirm_delete(self, "Delete Model", f"Move the model “{name}” to the trash?\n\n{self._colourise_note(name)}{unbroken(entry.path)}"):
            self.delete_model(name)

    def _colourise_note(self, name: str) -> str:
        """A paragraph on what deleting ``name`` does to the Colourise tab when it colours with it; else ''."""
        used, photos = self._colourise_model()
        if used != name:
            return ""
        after = self.library.find(self.library.default_name(without=name) or "")  # (what the Colourise tab turns to)
        default = f"the default model, “{shown_name(after)}”" if after is not None else ""
        if not photos:
            then = f"it will switch to {default}" if default else "no other model is left for it"
            return f"The Colourise tab uses it: {then}.\n\n"
        then = f"they will be coloured again with {default}" if default else "no other model is left to colour them with"
        return f"The Colourise tab colours its {_photos(photos)} with it: {then}.\n\n"

    def _colourise_now(self) -> str:
        """What the Colourise tab colours with now, after its model was deleted (for the status bar)."""
        used, photos = self._colourise_model()
        if used is None:
            return ": the Colourise tab has no model left to colour with"
        return f": the Colourise tab now colours its {_photos(photos)} with {used}" if photos else f": the Colourise tab now uses {used}"

    def delete_model(self, name: str, confirm_permanent: bool = True) -> bool:
        """Move a user model's file to the trash; if there is no trash, delete it for good only once the user agrees."""
        entry = self.library.find(name)
        if entry is None or entry.bundled:
            return self._refuse(f"{name}: only your own models can be deleted")
        in_use = self._colourise_model()[0] == name
        try:
            move_to_trash(entry.path)
            where = "moved to the trash"
        except OSError as exc:
            if confirm_permanent:
                if not confirm_delete(
                    self,
                    "Delete Model for Good",
                    f"There is no trash for this file ({exc.strerror or exc}).\n\n"
                    f"Delete “{name}” for good? It cannot be brought back.\n\n{unbroken(entry.path)}",
                ):
                    self.status_message.emit(f"Kept {name}: it could not go to the trash.")
                    return False
            try:
                model_library.delete_model(name)  # no trash: the file goes for good, as the user agreed
            except ColouriseError as exc2:
                return self._refuse(str(exc2), file=entry.path.name)
            where = "deleted for good"
        self._checked.discard(name)
        self.library.refresh()  # (the Colourise tab turns to the default as it hears of it)
        self.status_message.emit(f"{name} {where}{self._colourise_now() if in_use else ''}.")
        return True

    def reveal_selected(self) -> None:
        entry = self.library.find(self.selected_name() or "")
        if entry is not None:
            reveal_in_file_manager(entry.path, self)

    def export_selected(self) -> None:
        """Ask where to save a copy of the selected model's file (named after the model), then copy it there."""
        name = self.selected_name()
        if not name:
            return
        start = Path(settings.read("folders/export", str(Path.home()), str)) / f"{name}{model_library.MODEL_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self, "Export Model", str(start), "Colourise models (*.safetensors)")
        if path:
            settings.write("folders/export", str(Path(path).parent))
            self.export_model(name, Path(path))

    def export_model(self, name: str, target: Path) -> bool:
        """Copy the model's file to ``target`` (on a worker: a model can be large); ``exported`` or a warning follows."""
        entry = self.library.find(name)
        if entry is None:
            return self._refuse(f"{name}: no longer in your library")
        self.status_message.emit(f"Exporting {name}…")
        # A file there is replaced only as the file dialog confirmed it, and into the trash; never a library model.
        self.file_lane.submit(
            partial(model_library.export_model, move_to_trash=trash_if_possible), entry.path, target, name="export",
            on_finished=lambda result: self._on_exported(name, *result), on_error=lambda message: self._refuse(f"Export failed: {message}"),
        )
        return True

    def _on_exported(self, name: str, written: Path, trashed: bool) -> None:
        replaced = " (the file it replaced is in the trash)" if trashed else ""
        self.status_message.emit(f"Exported {name} to {written}{replaced}.")
        self.exported.emit(written)

    def _refuse(self, message: str, file: str = "") -> bool:
        """Say ``message`` (``"<file>: <reason>"`` shows ``file`` whole on a line of its own); False, for ``return``."""
        self.status_message.emit(message)
        QMessageBox.warning(self, "Colourise", name_then_reason(message, file))
        return False

    # -- import ---------------------------------------------------------------------------
    def import_dialog(self) -> None:
        start = settings.read("folders/import", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Import a model", start, "Colourise models (*.safetensors);;All files (*)")
        if path:
            settings.write("folders/import", str(Path(path).parent))
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Check the file is a complete, safe Colourise model (on a worker), then copy it into the library."""
        if path.suffix.lower() != ".safetensors":
            self._on_import_failed(f"{path.name}: not a .safetensors model file (Colourise never opens pickle files from others)")
            return
        self.status_message.emit(f"Checking {path.name}…")
        self.file_lane.submit(import_once, path, name="import", on_finished=self._on_imported, on_error=self._on_import_failed)

    def _on_imported(self, result: tuple[Path, bool]) -> None:
        target, added = result
        self.library.refresh()
        self.select(target.stem)
        if added:
            self.status_message.emit(f"Imported {target.stem} into your library ({user_models_dir()}).")
        else:
            self.status_message.emit(f"That model is in your library already, as {target.stem}.")
        self.imported.emit(target)

    def _on_import_failed(self, message: str) -> None:
        self.status_message.emit(f"Import failed: {message}")
        self.import_failed.emit(message)
        QMessageBox.warning(self, "Import failed", f"This model cannot be imported.\n\n{message}")

    # -- compare --------------------------------------------------------------------------
    def compare_checked(self) -> None:
        source = self._current_photo() if self._current_photo else None
        if source is None:
            start = settings.read("folders/open", str(Path.home()), str)
            path, _ = QFileDialog.getOpenFileName(self, "Choose a photo to compare on", start)
            if not path:
                return
            source = PhotoSource.file(path)
        self.compare(source, self.checked_names())

    def compare(self, source: PhotoSource, names: list[str]) -> None:
        """Colour ``source`` with each named model; the tiles appear as each finishes."""
        models = self._usable(names)
        if models:
            self._run_below(_compare, source, models, name="compare", on_event=self._add_tile, on_finished=self._on_compared, what="Compare")
            self.status_message.emit(f"Colouring {source.name} with {len(models)} model{'s' if len(models) != 1 else ''}…")

    def _usable(self, names: list[str]) -> list[tuple[str, Path]]:
        """``(name, path)`` of the named models that can colour (an unreadable file cannot)."""
        return [(n, self.library.find(n).path) for n in names if self.library.find(n) and self.library.find(n).info]

    def _run_below(self, fn, *args, name: str, on_event, on_finished, what: str) -> None:
        """Run ``fn`` for the bottom area, emptied first: one job at a time there (a new one stops the last)."""
        if self._compare_job is not None:
            self._compare_job.stop()
        self._clear_tiles()
        self._compare_token += 1
        token = self._compare_token

        def finished(result) -> None:
            if token == self._compare_token:
                self._compare_job = None
                self._update_buttons()
                on_finished(result)

        self._compare_job = self.lane.submit(
            fn, *args, name=name,
            on_progress=lambda event: token == self._compare_token and on_event(event),
            on_finished=finished, on_error=lambda message: self._on_compare_failed(token, message, what),
        )  # fmt: skip
        self._update_buttons()

    def score_checked(self) -> None:
        start = settings.read("models/score_folder", settings.read("folders/open", str(Path.home()), str), str)
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of colour photos to score the ticked models on", start)
        if folder:
            settings.write("models/score_folder", folder)
            self.score(Path(folder), self.checked_names())

    def score(self, folder: Path, names: list[str]) -> None:
        """Score each named model on ``folder`` (the bottom area shows the table, a row as each model finishes)."""
        models = self._usable(names)
        if not models:
            return
        self._run_below(
            score_models, models, folder, name="score", on_event=self._on_score_event,
            on_finished=lambda count: self._on_scored(count, folder), what="Scoring",
        )  # fmt: skip
        self.scores = ScoresTable()  # (the events come through the event loop, after it is there)
        self._tiles_layout.addWidget(self.scores)
        self.status_message.emit(f"Scoring {len(models)} model{'s' if len(models) != 1 else ''} on {folder.name}…")

    def _on_score_event(self, event) -> None:
        if isinstance(event, ScoringPhoto):
            self.status_message.emit(f"Scoring {event.model}: photo {event.index + 1} of {event.total}…")
        elif isinstance(event, ModelScored):
            self.scores.add(event)

    def _on_scored(self, count, folder: Path) -> None:
        if count is not None:
            photos = max(self.scores.photo_counts(), default=0)
            if photos:
                self.status_message.emit(f"Scored {count} model{'s' if count != 1 else ''} on {photos} photo{'s' if photos != 1 else ''} of {folder.name}.")
            else:
                self.status_message.emit(f"No colour photos to score on in {folder.name} (greyscale and unreadable ones are skipped).")
            self.scored.emit(count)

    def _clear_tiles(self) -> None:
        while self._tiles_layout.count():
            widget = self._tiles_layout.takeAt(0).widget()
            if widget is not None and widget is not self.compare_hint:
                widget.deleteLater()
        self.compare_hint.hide()
        self.tiles: list[tuple[str, QLabel]] = []

    def _add_tile(self, event: Compared) -> None:
        tile = QWidget()
        layout = QVBoxLayout(tile)
        layout.setContentsMargins(0, 0, 0, 0)
        picture = QLabel()
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if event.image is not None:
            pixmap = QPixmap.fromImage(event.image)
            picture.setPixmap(pixmap.scaledToHeight(TILE_HEIGHT, Qt.TransformationMode.SmoothTransformation))
        caption = QLabel(event.model)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption.setWordWrap(True)
        caption.setMaximumWidth(max(TILE_HEIGHT, picture.pixmap().width() if event.image is not None else TILE_HEIGHT))
        layout.addWidget(picture)
        layout.addWidget(caption)
        self._tiles_layout.addWidget(tile)
        self.tiles.append((event.model, picture))

    def _on_compared(self, count) -> None:
        if count is not None:
            self.status_message.emit(f"Compared {count} model{'s' if count != 1 else ''}.")
            self.compared.emit(count)

    def _on_compare_failed(self, token: int, message: str, what: str = "Compare") -> None:
        if token != self._compare_token:
            return
        self._compare_job = None
        self._update_buttons()
        self.status_message.emit(f"{what} failed: {message}")
        QMessageBox.warning(self, "Colourise", f"{what} failed: {message}")


def _photos(count: int) -> str:
    return f"{count:,} photo{'s' if count != 1 else ''}"


def import_once(path: Path) -> tuple[Path, bool]:
    """``(library file, whether it was added)``: a file the library holds already, byte for byte, is not added
    again under another name (importing the same download twice once made a second, identical model)."""
    same = model_library.same_model(path)
    return (same.path, False) if same is not None else (model_library.import_model(path), True)
