"""The main window: four pages (Colourise, Train, Runs, Models), menus, drops, settings, a careful close."""

from __future__ import annotations

import html
import importlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QIcon, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMessageBox, QPushButton, QSizeGrip, QTabWidget, QWidget

from desktop import settings
from desktop.colourise_page import ColourisePage
from desktop.drops import URI_LIST, describe_formats, local_paths
from desktop.library_model import Library
from desktop.recent import RecentMenu
from desktop.workers import Lane
from engine import __version__
from engine.library import DEFAULT_MODEL, resources_dir

TABS = ("Colourise", "Train", "Runs", "Models")
# Dropped or given at launch, these are models to import, not photos (pickle formats are refused, with the reason).
MODEL_SUFFIXES = (".safetensors", ".pt", ".pth", ".ckpt")
CLOSE_WAIT_MS = 5000  # at exit, how long to wait for the photo lane to finish its current step
SHUTDOWN_WAIT_S = 120  # after the window closed: the longest a stuck job may hold up the exit
NOTE_MS = 8000  # how long a passing note stays in the status bar
DEFAULT_WINDOW_SIZE = QSize(1200, 780)  # the window's size on a first launch (no bigger than the screen)
RESULT_MS = 10_000  # ... and a result the user waits for (a save's), which a kept line does not cover meanwhile
# Keys that act on the focused photo view or hint point rather than through a menu (Help > Keyboard Shortcuts).
WIDGET_KEYS = [
    ("Photo view", "Pan a zoomed photo, or move the split line", "Arrows (Shift: further)"),
    ("Photo view", "Zoom in, zoom out", "+, -"),
    ("Photo view", "Fit to window, actual pixels", "0, 1"),
    ("Hint mode", 'Add a point in the middle of the "After" side in view', "Enter"),
    ("Hint mode", "Select the next point, the one before", "N, Shift+N"),
    ("Hint mode", "Move the selected point (none selected: pan)", "Arrows (Shift: further)"),
    ("Hint mode", "Taking a colour from the photo: move the mark, take the colour under it", "Arrows (Shift: further), Enter"),
    ("Hint mode", "Stop taking a colour from the photo, or deselect the point", "Esc"),
]

LINEAGE_HTML = """
<p>The architectures come from a university study of convolutional encoder-decoders
that colour photos in CIE Lab space (they predict the a/b colour channels from the
lightness L):</p>
<ul>
<li><b>Model 1 “alpha”</b>: a tiny encoder-decoder, the study's first try;</li>
<li><b>Model 2 “beta”</b>: a deeper encoder-decoder (the study's sepia model);</li>
<li><b>Model 3</b>: an encoder-decoder with U-Net skip connections;</li>
<li><b>ConvAE</b>: a plain convolutional autoencoder;</li>
<li><b>ColorizationNet</b>: ResNet-18 features with an upsampling decoder.</li>
</ul>
"""


ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)  # resources/icons/colourise-<size>.png
ABOUT_ICON_SIDE = 64  # view pixels: the icon in the About box, as Qt's own about box sizes it


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resources_dir() / "icons"
    for size in ICON_SIZES:
        path = folder / f"colourise-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon


def about_icon(ratio: float) -> QPixmap:
    """The app's icon for the About box, ``ABOUT_ICON_SIDE`` view pixels wide on a screen of ``ratio`` screen
    pixels per view pixel, from the smallest icon file that is no smaller (else the largest), never enlarged."""
    side = round(ABOUT_ICON_SIDE * ratio)
    files = [resources_dir() / "icons" / f"colourise-{size}.png" for size in ICON_SIZES if size >= side] or [
        resources_dir() / "icons" / f"colourise-{size}.png" for size in reversed(ICON_SIZES)
    ]
    pixmap = next((QPixmap(str(path)) for path in files if path.is_file()), QPixmap())
    if pixmap.isNull():
        return pixmap
    if max(pixmap.width(), pixmap.height()) > side:
        pixmap = pixmap.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def default_geometry(available: QRect) -> QRect:
    """Where the window opens with no saved place to take: ``DEFAULT_WINDOW_SIZE``, no bigger than the screen's
    ``available`` area, centred in it."""
    rect = QRect(QPoint(), DEFAULT_WINDOW_SIZE.boundedTo(available.size()))
    rect.moveCenter(available.center())
    return rect


def default_model_summary(library: Library) -> str:
    """What the About box says about the default model, read from its metadata."""
    entry = library.find(DEFAULT_MODEL)
    if entry is None or entry.info is None:
        return "The default model is not installed in this copy of Colourise; train one on the Train tab."
    info = entry.info
    training = info.training or {}
    text = f"The default model (architecture <b>{html.escape(info.arch)}</b>, {info.parameters:,} parameters)"
    described = training.get("data_description") or training.get("data_summary")
    folders = training.get("data") or []
    if isinstance(folders, str):
        folders = [folders]
    if described:
        text += f" was trained on {html.escape(str(described))}"
    elif folders:
        names = ", ".join(html.escape(Path(str(f)).name or str(f)) for f in folders)
        photos = training.get("train_photos")
        text += f" was trained on {f'{photos:,} ' if photos else ''}photos from {names}"
    else:
        text += " does not say what it was trained on"
    if info.epochs:
        text += f" for {info.epochs:g} epochs"
    return text + "."


def unsaved_work_text(names: list[str], hinted: int, shown: int = 3) -> str:
    """"2 photos have colour hints that are not saved: a.jpg, b.png." naming the first ``shown`` photos, then how
    many more; ``hinted`` of them have hints, the others a strength of their own."""
    count = len(names)
    listed = ", ".join(names[:shown]) + (f" and {count - shown:,} more" if count > shown else "")
    if hinted == count:
        what = "colour hints"
    elif hinted:
        what = "colour hints or strengths"
    else:
        what = "a colour strength" if count == 1 else "colour strengths"
    return f"{count:,} photo{'s have' if count != 1 else ' has'} {what} that {'is' if what == 'a colour strength' else 'are'} not saved: {listed}."


def unsaved_work_details(count: int, hinted: int, no_hints_model: str | None = None) -> str:
    """What Save and Quit Without Saving do with ``count`` photos' work (``hinted`` of them with hints), "it" for one
    photo and "them" for several; ``no_hints_model``: the chosen model, where it takes no hints."""
    if count == 1:
        save = ("Save saves it in colour, at its own strength and with its hints beside it (.hints.json) to carry on "
                "later: into the file it was saved to before, if any, else into a folder you choose.")
    else:
        save = ("Save saves them in colour, each at its own strength and with its hints beside it (.hints.json) to carry "
                "on later: a photo saved before into that file again, the others into a folder you choose.")
    # A model that takes no hints colours the photos without them: said, where "with its hints beside it" alone
    # let one think they coloured the saved photos.
    without = ""
    if hinted and no_hints_model is not None:
        the_hinted = ("it without its hints (they are saved beside it all the same)" if count == 1
                      else "the hinted photo without its hints (they are saved beside it all the same)" if hinted == 1
                      else "the hinted photos without them (their hints are saved beside them all the same)")
        without = f" The model chosen, “{no_hints_model}”, takes no hints: it colours {the_hinted}."
    return f"{save}{without} Quitting without saving loses {'it' if count == 1 else 'them'}."


class MainWindow(QMainWindow):
    closed = Signal()
    """The window closed (after any training was stopped)."""
    warmed_up = Signal()
    """The engine's modules are imported and every page is built: what start-up makes is made."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Colourise")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.library = Library(self)
        self.photo_lane = Lane("photos", parent=self)
        self.train_lane = Lane("training", parent=self)
        self.misc_lane = Lane("misc", parent=self)
        self.file_lane = Lane("files", parent=self)  # file copies (Export), not to wait behind the misc lane's scoring
        self._model_keeper = None  # keeps stopped runs' models for the Train and Runs pages (desktop.model_keeper)
        self._closing = False
        self._quit_after_save = False  # Save on quitting: close once that save has ended well
        self._drag_paths: list[Path] = []  # what the current drag carried at drag-enter
        self._tab_restored = False  # photos opened at launch keep the Colourise tab in front

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Pages")
        self.tabs.setDocumentMode(True)
        self.colourise_page = ColourisePage(self.library, self.photo_lane)
        self.tabs.addTab(self.colourise_page, "Colourise")
        # The other pages pull in pyqtgraph and the training code: built just after the window shows.
        self._train_page = None
        self._models_page = None
        self._runs_page = None
        for name in TABS[1:]:
            self.tabs.addTab(QWidget(), name)
        self.setCentralWidget(self.tabs)
        self.colourise_page.status_message.connect(self.show_status)
        self._kept_status = ""  # a line kept in the status bar (keep_status)
        self._result = ""  # a result in the status bar (show_result) until its time is up
        self._shown_result = ""  # ... as shown: its folder shortened in the middle where the bar has no room for it
        self._result_timer = QTimer(self)
        self._result_timer.setSingleShot(True)
        self._result_timer.timeout.connect(self._end_result)
        self._result_folder: Path | None = None  # the folder the result is about
        self.show_folder_button = QPushButton("Show Folder")  # beside the result: where the photos saved went
        self.show_folder_button.setToolTip("Show the folder the photos were saved in, in the file manager")
        self.show_folder_button.clicked.connect(self._show_result_folder)
        self.statusBar().addPermanentWidget(self.show_folder_button)
        self.show_folder_button.hide()
        self.statusBar().installEventFilter(self)  # (a result's folder is fitted again to the bar's new room)
        self.show_folder_button.installEventFilter(self)
        self.colourise_page.status_kept.connect(self.keep_status)
        self.colourise_page.status_result.connect(self.show_result)
        self.statusBar().messageChanged.connect(self._restore_kept_status)
        self.colourise_page.save_ended.connect(self._on_save_ended)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._make_menus()
        self._restore()
        self.statusBar().showMessage("Ready.")

    # -- pages built on first need --------------------------------------------------------
    @property
    def model_keeper(self):
        """The window's one keeper of stopped runs' models: two pages asking at once keep one model, one at a time."""
        if self._model_keeper is None:
            from desktop.model_keeper import ModelKeeper

            self._model_keeper = ModelKeeper(self.library, self.train_lane, self)
        return self._model_keeper

    @property
    def train_page(self):
        if self._train_page is None:
            from desktop.train_page import TrainPage

            page = TrainPage(self.library, self.train_lane, self.misc_lane, keeper=self.model_keeper)
            page.status_message.connect(self.show_status)
            page.use_model_requested.connect(self.use_model)
            page.training_started.connect(self._update_train_actions)
            page.training_ended.connect(self._on_training_ended)
            page.training_ended.connect(lambda _event: self._runs_page and self._runs_page.refresh())
            self._replace_tab(TABS.index("Train"), page)
            self._train_page = page
        return self._train_page

    @property
    def models_page(self):
        if self._models_page is None:
            from desktop.models_page import ModelsPage

            page = ModelsPage(
                self.library, self.misc_lane, current_photo=self._selected_photo_source, file_lane=self.file_lane,
                colourise_model=lambda: (self.colourise_page.current_model_name(), len(self.colourise_page.items)),
            )
            page.status_message.connect(self.show_status)
            page.use_model_requested.connect(self.use_model)
            self._replace_tab(TABS.index("Models"), page)
            self._models_page = page
        return self._models_page

    @property
    def runs_page(self):
        if self._runs_page is None:
            from desktop.runs_page import RunsPage
            from desktop.train_page import runs_dir

            page = RunsPage(self.library, self.misc_lane, runs_dir(), keeper=self.model_keeper)
            page.status_message.connect(self.show_status)
            page.use_model_requested.connect(self.use_model)
            page.resume_requested.connect(self._resume_run)
            page.set_training(self._train_page is not None and self._train_page.is_training())
            self._replace_tab(TABS.index("Runs"), page)
            self._runs_page = page
        return self._runs_page

    def _page(self, name: str):
        """Build the page of tab ``name`` if it is not built yet."""
        return {"Train": lambda: self.train_page, "Runs": lambda: self.runs_page, "Models": lambda: self.models_page}.get(name, lambda: None)()

    def warm_up(self) -> None:
        """Import the engine's models, training and colouring code on a worker, then build the other pages.

        Importing them takes seconds (torchvision); on a worker the window stays
        responsive meanwhile, and the pages' own imports (and the first hint's) are then instant.
        """
        # One after the other on the one-thread lane; engine.training brings engine.data.
        modules = ("engine.models", "engine.training", "engine.inference", "engine.propagation")
        for module in modules:
            last = module == modules[-1]
            self.misc_lane.submit(importlib.import_module, module, name="warm-up", on_end=self._on_warmed_up if last else None)

    def _on_warmed_up(self) -> None:
        self.build_pages()
        self.warmed_up.emit()

    def build_pages(self) -> None:
        """Build the Train and Models pages now (called once the window is on screen)."""
        _ = self.train_page, self.models_page

    def _replace_tab(self, index: int, page: QWidget) -> None:
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        old = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, page, TABS[index])
        old.deleteLater()
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)

    def _on_tab_changed(self, index: int) -> None:
        self._page(TABS[index])
        settings.write("window/tab", index)

    def show_tab(self, name: str) -> None:
        self._page(name)
        self.tabs.setCurrentIndex(TABS.index(name))

    def _selected_photo_source(self):
        page = self.colourise_page
        key = page.queue.current_key()
        return page.items[key].source if key in page.items else None

    # -- menus ----------------------------------------------------------------------------
    def _make_menus(self) -> None:
        page = self.colourise_page
        groups = page.actions_for_menus()
        file_menu = self.menuBar().addMenu("&File")
        self._add_actions(file_menu, groups["open"])
        self.recent_menu = RecentMenu(self.open_photos, self)
        file_menu.addMenu(self.recent_menu)
        self.sample_action = self._action("Open &Sample Photos", None, self.open_sample, "Add the greyscale sample photos that come with Colourise, to try it")
        file_menu.addAction(self.sample_action)
        file_menu.addSeparator()
        self._add_actions(file_menu, groups["save"])
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", "Ctrl+Q", self.close, "Close Colourise"))  # StandardKey.Quit is empty on some platforms
        edit_menu = self.menuBar().addMenu("&Edit")
        self._add_actions(edit_menu, groups["edit"])
        view_menu = self.menuBar().addMenu("&View")
        self._add_actions(view_menu, groups["view"])
        view_menu.addSeparator()
        for index, name in enumerate(TABS):
            view_menu.addAction(self._action(f"&{name}", f"Alt+{index + 1}", lambda _=False, n=name: self.show_tab(n), f"Show the {name} tab"))
        train_menu = self.menuBar().addMenu("&Train")
        self.start_training_action = self._action("&Start Training", "Ctrl+Return", self._start_training, "Train a model with the Train tab's settings")
        self.stop_training_action = self._action("S&top Training", "Ctrl+.", lambda: self.train_page.stop(), "Stop training and keep a checkpoint")
        self.resume_training_action = self._action("&Resume a Run…", None, self._resume_training, "Choose a stopped training run to continue")
        self.open_runs_action = self._action("&Open Run Folder", None, lambda: self.train_page.open_run_folder(), "Show where training runs are kept")
        self._add_actions(
            train_menu, [self.start_training_action, self.stop_training_action, self.resume_training_action, None, self.open_runs_action]
        )
        self._update_train_actions()
        models_menu = self.menuBar().addMenu("&Models")
        self._add_actions(
            models_menu,
            [
                self._action("&Import Model…", "Ctrl+I", lambda: self.models_page.import_dialog(), "Add a .safetensors model file to your library"),
                self._action("&Compare Ticked Models", None, self._compare, "Colour the selected photo with every ticked model"),
            ],
        )
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard Shortcuts", "F1", self.show_shortcuts, "Every keyboard shortcut of the window")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About Colourise", None, self.about, "Versions, the model lineage and the default model's data"))
        help_menu.addAction(self._action("About &Qt", None, QApplication.aboutQt, "The Qt toolkit"))
        for act in self.findChildren(QAction):
            if act.shortcut().isEmpty():
                continue
            self.addAction(act)  # shortcuts work whichever page has the focus

    def _action(self, text: str, shortcut, slot, tip: str) -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(slot)
        return act

    @staticmethod
    def _add_actions(menu: QMenu, actions) -> None:
        for act in actions:
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)

    def _start_training(self) -> None:
        self.show_tab("Train")
        self.train_page.start()

    def _resume_training(self) -> None:
        self.show_tab("Train")
        if not self.train_page.is_training():
            self.train_page.choose_run_to_resume()

    def _resume_run(self, run_dir: str) -> None:
        if self.train_page.is_training():  # (one run trains at a time: the Train tab would show the other one)
            self.show_status(f"Cannot resume {Path(run_dir).name}: another run is training; resume it once that one ends.")
            return
        self.show_tab("Train")
        self.train_page.resume(run_dir)  # (a run that cannot resume says why on the Train tab)

    def _compare(self) -> None:
        self.show_tab("Models")
        self.models_page.compare_checked()

    def open_sample(self) -> None:
        samples = sorted((resources_dir() / "samples").glob("*.jpg"))
        if samples:
            self.show_tab("Colourise")
            self.colourise_page.add_paths(samples, remember=False)  # ones already queued are not added twice

    def use_model(self, name: str) -> None:
        """Colour photos with the named model: pick it on the Colourise page and show that page."""
        self.library.refresh()
        if self.colourise_page.select_model(name):
            self.show_tab("Colourise")
            return
        entry = self.library.find(name)
        if entry is None:
            why = "it is no longer in your library"
        else:
            why = entry.problem or f"its file cannot be read ({entry.error or 'unreadable'})"
        self.show_status(f"Cannot colour photos with “{name}”: {why}.")

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        """(menu, command, keys) for every menu command that has a shortcut, in menu order."""
        rows = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is None:
                continue
            for act in menu.actions():
                if not act.shortcut().isEmpty():
                    keys = ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in act.shortcuts())
                    rows.append((menu_action.text().replace("&", ""), act.text().replace("&", "").rstrip("…"), keys))
        return rows + WIDGET_KEYS

    def show_shortcuts(self) -> None:
        """Help > Keyboard Shortcuts: a table of every shortcut, by menu."""
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout

        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard Shortcuts")
        rows = self.shortcut_rows()
        table = QTableWidget(len(rows), 3, dialog)
        table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        # Menu and Keys as wide as their words, Command the rest, its long lines (the photo view's) wrapped: a Command
        # column as wide as its longest line pushed Keys out of sight.
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setWordWrap(True)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # (a line or two each)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(table)
        layout.addWidget(buttons)
        dialog.resize(self._shortcuts_dialog_width(table, layout), 560)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog = dialog
        dialog.open()

    def _shortcuts_dialog_width(self, table, layout) -> int:
        """Wide enough for every column's longest line where the screen has room (at least 520 px); Command wraps in
        what is left."""
        table.resizeColumnsToContents()
        columns = sum(table.horizontalHeader().sectionSize(column) for column in range(table.columnCount()))
        margins = layout.contentsMargins()
        chrome = 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width() + margins.left() + margins.right()
        screen = (self.screen() or QApplication.primaryScreen()).availableGeometry()
        return max(520, min(columns + chrome, screen.width() * 9 // 10))

    def open_photos(self, paths) -> None:
        """Photos given at launch (or by another program): the Colourise page shows them, whatever tab was last open.

        Model files among them (``MODEL_SUFFIXES``) are imported into the library instead.
        """
        self._tab_restored = True  # a restored tab must not take over after this
        photos = self._import_models(paths)
        if photos:
            self.show_tab("Colourise")
            self.colourise_page.add_paths(photos)

    def _import_models(self, paths) -> list[Path]:
        """Import the model files among ``paths`` (shown on the Models tab); returns the rest."""
        paths = [Path(p) for p in paths]
        models = [p for p in paths if p.suffix.lower() in MODEL_SUFFIXES]
        if models:
            self.show_tab("Models")
            for path in models:  # (a pickle file is refused there, with the reason)
                self.models_page.import_file(path)
        return [p for p in paths if p.suffix.lower() not in MODEL_SUFFIXES]

    def about(self) -> None:
        import torch
        from PySide6 import __version__ as pyside_version

        text = (
            f"<h3>Colourise {__version__}</h3>"
            "<p>Brings colour to greyscale photographs, and lets you train your own colourising models.</p>"
            f"{LINEAGE_HTML}"
            "<p>The default architecture, <b>colour_unet</b>, builds on that lineage: a U-Net over an ImageNet-pretrained "
            "EfficientNet-Lite0 encoder, predicting colour as both bins and values.</p>"
            f"<p>{default_model_summary(self.library)}</p>"
            f"<p><small>PyTorch {torch.__version__} · Qt for Python {pyside_version}</small></p>"
        )
        # Not QMessageBox.about: at 200 % it showed a 32 px image of the window icon enlarged, blurred.
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Colourise", text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIconPixmap(about_icon(self.devicePixelRatioF()))
        box.exec()

    def show_status(self, text: str) -> None:
        self._result = ""  # (newer news than a result shown)
        self._result_timer.stop()
        self.show_folder_button.hide()
        self.statusBar().showMessage(text, NOTE_MS)

    def show_result(self, text: str, folder: Path | None = None) -> None:
        """``text`` in the status bar for ``RESULT_MS`` (a save's result), with Show Folder for ``folder``: a line
        kept meanwhile (Hint mode's) waits until then, and a menu's tip shown over it gives it back. The kept line
        took over at once: nothing said a Save All in hint mode had ended."""
        self._result, self._result_folder = text, folder
        self.show_folder_button.setVisible(folder is not None)
        self.statusBar().layout().activate()  # (Show Folder in its place: the room left for the line)
        self._show_result_line()
        self._result_timer.start(RESULT_MS)

    def _show_result_line(self) -> None:
        self._shown_result = self._result_line()
        self.statusBar().showMessage(self._shown_result)

    def _result_line(self) -> str:
        """The result as it fits the status bar: whole where there is room, else its folder shortened in the middle
        (it was cut to 32 characters at any width, the line ending half-way across a wide window)."""
        text, folder = self._result, str(self._result_folder or "")
        metrics = self.statusBar().fontMetrics()
        room = self._message_room()
        if not folder or folder not in text or metrics.horizontalAdvance(text) <= room:
            return text
        before, _, after = text.partition(folder)
        least = "\u2026" + folder[len(str(Path(folder).parent)) :]  # (at least "…/family")
        folder_room = max(room - metrics.horizontalAdvance(before + after), metrics.horizontalAdvance(least))
        return before + metrics.elidedText(folder, Qt.TextElideMode.ElideMiddle, folder_room) + after

    def _message_room(self) -> int:
        """The width the status bar draws a message in, as QStatusBar reckons it: from 6 px in to 2 px short of the
        first permanent widget shown (or the size grip, or 12 px short of its end)."""
        bar = self.statusBar()
        right = bar.width() - 12
        grip = bar.findChild(QSizeGrip)
        if grip is not None and grip.isVisible():
            right = min(right, grip.x())
        if self.show_folder_button.isVisible():
            right = min(right, self.show_folder_button.x() - 2)
        return right - 6

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        resized = event.type() in (QEvent.Type.Resize, QEvent.Type.Move)
        if resized and watched in (self.statusBar(), self.show_folder_button) and self._result:
            if self.statusBar().currentMessage() == self._shown_result and self._result_line() != self._shown_result:
                self._show_result_line()  # (not over a note or a tip shown since)
        return super().eventFilter(watched, event)

    def _end_result(self) -> None:
        """The result's time is up: the kept line comes back (or nothing)."""
        shown, self._result = self._shown_result if self._result else "", ""
        self.show_folder_button.hide()
        if shown and self.statusBar().currentMessage() == shown:
            self.statusBar().clearMessage()

    def _show_result_folder(self) -> None:
        from desktop.widgets.show_folder import show_folder

        if self._result_folder is not None:
            show_folder(self, self._result_folder)

    def keep_status(self, text: str) -> None:
        """``text`` in the status bar while it holds (an instruction): back once a passing note after it ends
        (8 s) or a menu's tip goes, and only then over a result (``show_result``). "": none any more."""
        before, self._kept_status = self._kept_status, text
        if self._result:
            return  # (shown when the result's time is up)
        if text:
            self.statusBar().showMessage(text)
        elif self.statusBar().currentMessage() == before:  # (not a note another page has shown since)
            self.statusBar().clearMessage()

    def _restore_kept_status(self, text: str) -> None:
        if text:
            return
        if self._result:  # a tip over the result went
            self._show_result_line()
        elif self._kept_status:
            self.statusBar().showMessage(self._kept_status)

    # -- drag and drop anywhere -----------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        self._drag_paths = local_paths(mime)  # a drop may arrive with less than this: kept as its fallback
        if self._drag_paths or mime.hasImage() or mime.hasFormat(URI_LIST):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self._drag_paths = []
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        files = local_paths(mime) or self._drag_paths
        self._drag_paths = []
        if files:
            self.open_photos(files)
        elif mime is not None and mime.hasImage() and not QImage(mime.imageData()).isNull():
            self.show_tab("Colourise")
            self.colourise_page.add_image(QImage(mime.imageData()), "dropped.png")
        else:
            self.show_status(f"Nothing to add: the drop held no files or picture (it offered {describe_formats(mime)}).")
            event.ignore()
            return
        event.acceptProposedAction()

    # -- settings and closing -------------------------------------------------------------
    def _restore(self) -> None:
        geometry = settings.read("window/geometry", None)
        # Qt refuses a geometry saved while the display was scaled otherwise (2x then 1.5x) and keeps none of it,
        # not even the size: the window opened at its minimum. It then opens as on a first launch.
        restored = isinstance(geometry, QByteArray) and not geometry.isEmpty() and self.restoreGeometry(geometry)
        if not restored or not self._on_a_screen():
            screen = self.screen() or QGuiApplication.primaryScreen()
            self.setGeometry(default_geometry(screen.availableGeometry()))
        state = settings.read("window/state", None)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = settings.read("window/tab", 0, int)
        if 0 <= tab < len(TABS) and tab:
            QTimer.singleShot(0, lambda: self._tab_restored or self.show_tab(TABS[tab]))

    def _on_a_screen(self) -> bool:
        return any(screen.availableGeometry().intersects(self.geometry()) for screen in QGuiApplication.screens())

    def _save_settings(self) -> None:
        settings.write("window/geometry", self.saveGeometry())
        settings.write("window/state", self.saveState())
        settings.settings().sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closing and not self._confirm_unsaved_work():
            event.ignore()
            return
        training = self._train_page is not None and self._train_page.is_training()
        if training and not self._closing:
            from desktop.train_page import confirm_stop_for_close

            if not confirm_stop_for_close(self):
                event.ignore()
                return
            # Stop cleanly: the engine writes its checkpoint; the window closes when the run has ended.
            self._closing = True
            self.train_page.stop()
            self.show_status("Stopping the training and saving a checkpoint before closing…")
            event.ignore()
            return
        if training:
            event.ignore()  # still waiting for the run to end
            return
        self._save_settings()
        self.stop_workers()
        event.accept()
        self.closed.emit()

    def _confirm_unsaved_work(self) -> bool:
        """Whether to quit now, while photos hold the user's own work not saved as it is (hints, strengths): asks
        Save, Quit Without Saving or Cancel. Save starts saving them and keeps the window open; it closes
        once every one of them is saved, and stays open if the save fails or is cancelled."""
        page = self.colourise_page
        if self._quit_after_save:
            self.show_status("Saving the photos before quitting; Esc stops the save.")
            return False
        keys = page.unsaved_work()
        if not keys:
            return True
        answer = self.ask_unsaved_work(keys)
        if answer == "discard":
            return True
        if answer == "save":
            self._quit_after_save = page.save_work(keys)
            if self._quit_after_save:
                self.show_status("Saving the photos before quitting…")
        return False

    def ask_unsaved_work(self, keys: list[int]) -> str:
        """Ask what to do about these photos' work before quitting: "save", "discard" or "cancel"."""
        page = self.colourise_page
        names = [page.items[key].source.name for key in keys]
        hinted = len(set(keys) & set(page.hints.unsaved()))
        box = QMessageBox(QMessageBox.Icon.Warning, "Colourise", unsaved_work_text(names, hinted), parent=self)
        no_hints_model = page.current_model_name() if not page.hints.takes_hints else None
        box.setInformativeText(unsaved_work_details(len(keys), hinted, no_hints_model))
        save = box.addButton("&Save", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Quit &Without Saving", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "discard" if clicked is discard else "cancel"

    def _on_save_ended(self, all_saved: bool) -> None:
        """A save ended: quit now if it was Save on quitting and the photos' work is all saved."""
        if not self._quit_after_save:
            return
        self._quit_after_save = False
        if all_saved and not self.colourise_page.unsaved_work():
            QTimer.singleShot(0, self.close)
        else:
            self.show_status("Not quitting: some photos are not saved as they are (nothing was lost).")

    def _update_train_actions(self) -> None:
        """Start and Resume while no run trains; Stop while one does."""
        training = self._train_page is not None and self._train_page.is_training()
        self.start_training_action.setEnabled(not training)
        self.resume_training_action.setEnabled(not training)
        self.stop_training_action.setEnabled(training)
        if self._runs_page is not None:
            self._runs_page.set_training(training)

    def stop_workers(self, wait_ms: int = CLOSE_WAIT_MS) -> bool:
        """Ask every job to stop and wait for the lanes to go idle; False if one is still busy after ``wait_ms`` each."""
        self.colourise_page.stop_all()
        # (the hints lane too: a hint's full-size render running at exit aborted the process, "terminate called")
        lanes = (self.photo_lane, self.misc_lane, self.file_lane, self.train_lane, self.colourise_page.hints.lane)
        for lane in lanes:
            lane.stop_all()
        return all([lane.wait(wait_ms) for lane in lanes])

    def shut_down(self) -> None:
        """The orderly end, after ``closed``: workers stopped and joined, timers stopped, widgets deleted.

        Nothing of the window may outlive the QApplication or be left to the garbage
        collector at interpreter exit (pyqtgraph items, worker signal objects, threads).
        """
        from PySide6.QtCore import QCoreApplication, QEvent

        import time

        give_up = time.monotonic() + SHUTDOWN_WAIT_S
        while not self.stop_workers() and time.monotonic() < give_up:
            pass  # a job between two should_stop checks ends soon; its thread must end before Python's teardown
        for timer in self.findChildren(QTimer):
            timer.stop()
        self.library.blockSignals(True)  # no file-system notice reaches half-deleted pages
        self.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def _on_training_ended(self, _event) -> None:
        self._update_train_actions()
        if self._closing:
            self._closing = False
            QTimer.singleShot(0, self.close)
