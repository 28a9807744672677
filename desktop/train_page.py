"""The Train page: pick photos and a recipe, train on a worker thread, watch it learn.

The engine's ``train(config, state)`` runs on the training lane; its events
arrive here as signals and update the loss plot (log scale), speed, ETA,
progress, validation metrics and the preview strip. Stop asks the engine to stop
at its next step, which writes a checkpoint; Resume continues that run folder.
A finished model is already in the library when its event arrives.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import settings
from desktop.form_fields import Field, FieldError, guard_wheel_in, label_for
from desktop.library_model import Library
from desktop.model_keeper import ModelKeeper
from desktop.widgets.confirm import confirm
from desktop.widgets.elided_label import ElidedLabel
from desktop.widgets.loss_plot import LossPlot
from desktop.widgets.preview_strip import PreviewStrip
from desktop.widgets.scroll_when_short import MinimumHeightForWidth, ScrollWhenShort
from desktop.workers import Job, Lane
from engine.events import (
    CheckpointSaved,
    LossLogged,
    PreviewReady,
    TrainingCancelled,
    TrainingFailed,
    TrainingFinished,
    TrainingStarted,
    TrainingStep,
    ValidationDone,
)
from engine.library import user_models_dir
from engine.model_summary import ON_TRAINING_PHOTOS, TRAINING_PHOTOS_MARK

# (TrainConfig field, label, choices or None, tooltip): the recipe settings the form shows.
FINISHED_USE_TIP = "Switch to the Colourise tab with the new model"
METRICS_TIP = "Validation metrics after the last validation (higher PSNR, SSIM and AuC are better)"
ESTIMATE_FIELDS = ("epochs", "batch_size", "image_size")  # spin boxes the time estimate follows
RECIPE_FIELDS = [
    ("epochs", "Epochs", None, "Passes over the training photos"),
    ("batch_size", "Batch size", None, "Photos per training step; lower it if memory runs out"),
    ("image_size", "Image size", None, "Side in pixels of the square training crops"),
    ("lr", "Learning rate", None, "Step size of the optimiser, e.g. 0.001"),
    ("optimizer", "Optimiser", "optimizers", "How the weights are updated"),
    ("schedule", "Schedule", "schedules", "How the learning rate changes during training"),
    ("weight_decay", "Weight decay", None, "Pull towards small weights (regularisation)"),
    ("loss", "Loss", "losses", "What the training minimises; auto picks the architecture's own"),
    ("val_fraction", "Validation share", None, "Share of the photos held out for validation when no validation folder is given"),
    ("seed", "Seed", None, "Same seed and data: the same run"),
    ("pretrained", "Pretrained encoder", None, "Start the encoder from ImageNet weights (architectures that have one)"),
]
# Alt+letter for the fields that have a letter to spare: the menu bar's F, E, V, T, M and H are taken,
# as are the page's buttons' S, O, U and W (a mnemonic that clashed would only cycle between the two).
FIELD_MNEMONICS = {"epochs": "E&pochs", "batch_size": "&Batch size", "image_size": "&Image size", "lr": "&Learning rate",
                   "weight_decay": "Wei&ght decay"}
METRIC_LABELS = {
    "psnr": "PSNR",
    "ssim": "SSIM",
    "auc": "AuC (a/b error)",
    "hue_accuracy": "Hue accuracy",
    "colourfulness": "Colourfulness",
    "colourfulness_gap": "Colourfulness gap",
    "chroma_ratio": "Chroma ratio",
}


def runs_dir() -> Path:
    """Where the window's training runs live: next to the user's model library."""
    return user_models_dir().parent / "runs"


class FolderPicker(QWidget):
    """A folder path with a Browse button."""

    def __init__(self, placeholder: str, tip: str, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setAccessibleName(name)  # (the form's label names this composite, not its field)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setToolTip(tip)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton("Browse…")
        self.button.setToolTip(tip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)  # the form's label (and its Alt+letter) focus the path
        self.button.clicked.connect(self._browse)

    def _browse(self) -> None:
        start = self.edit.text() or settings.read("folders/train", str(Path.home()), str)
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of photos", start)
        if folder:
            settings.write("folders/train", str(Path(folder).parent))
            self.edit.setText(folder)
            self.edit.editingFinished.emit()

    def path(self) -> str:
        return self.edit.text().strip()


class TrainPage(QWidget):
    status_message = Signal(str)
    """A short note for the window's status bar."""
    training_started = Signal()
    """A training run (new or resumed) was submitted."""
    training_ended = Signal(object)
    """The run ended: a TrainingFinished, TrainingCancelled or TrainingFailed event."""
    scan_finished = Signal(str, object)
    """A dataset folder scan ended: ("data" or "val", its ``engine.data.FolderScan``)."""
    use_model_requested = Signal(str)
    """The user wants to colour photos with the model of this name."""
    stepped = Signal(int)
    """The running training reported a step (its number)."""

    def __init__(
        self, library: Library, train_lane: Lane, scan_lane: Lane, parent: QWidget | None = None, keeper: ModelKeeper | None = None
    ):
        super().__init__(parent)
        self.library = library
        self.train_lane = train_lane
        self.scan_lane = scan_lane
        self._job: Job | None = None
        self._scan_jobs: dict[str, tuple[int, Job]] = {}
        self._scan_token = 0
        self.fields: dict[str, Field] = {}
        self.arch_fields: dict[str, Field] = {}
        self._run_dir: Path | None = None
        self._last_model: str | None = None
        self._last_finished = None  # the TrainingFinished of the last run: its run folder finds its model renamed
        self._renamed_look: tuple[tuple, Path | None] | None = None  # ((run folder, library's files), what was found)
        self._finished_text = ""  # the Finished line last shown for it
        self._finished_path = ""  # ... and its model's file ("" once removed from the library)
        self._last_event = None  # how the last run ended
        self._validated_on: str | None = None  # where the run's validation is measured: "validation photos" or "training photos"
        self._total_steps = 0
        self._arch: str | None = None  # the architecture the form shows
        self._checkpoint_step: int | None = None  # where a stopped run's checkpoint is
        self.run_picker = None
        self._photos: int | None = None  # usable photos in the training folder, once counted
        self._data_scan = None  # what the training folder holds, once counted (an engine.data.FolderScan)
        # The window's one keeper (shared with the Runs page), on the training lane: torch work stays on the
        # thread that trains (a keep on the scan lane right after Stop hung 2 test runs in about 12).
        self.keeper = keeper or ModelKeeper(library, train_lane, self)
        self.keeper.kept.connect(self._on_kept)
        self.keeper.failed.connect(self._on_keep_failed)
        self.keeper.busy_changed.connect(self._update_use_button)
        self._keep_asked: str | None = None  # the run folder this page asked the keeper for
        self._results_run: Path | None = None  # the run whose metrics and previews are shown (None: the training's own)
        # The runs so far (engine.runs.RunSummary), whose speeds give the time estimate; None: not read yet
        # (read once a folder of photos is known, on the scan lane, not at start-up).
        self._runs: list | None = None
        self._reading_runs = False
        self._problem_shown = False  # the state line says why a Start failed
        self._line_before_refusal: tuple[str, bool] | None = None  # (the state line, its button shown) a refused Start replaced
        self._arch_note = None  # the values the line about a change of architecture tells of
        self._scanned = {"data": None, "val": None}  # the folders counted last
        self._build()
        self.library.changed.connect(self._fill_start_from)
        # Colour Photos With It follows the finished model when it is renamed or removed on the Models tab.
        self.library.renamed.connect(self._follow_renamed_model)
        self.library.changed.connect(self._show_finished_model)
        self._fill_start_from()
        self._restore()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        from engine.device import describe_devices
        from engine.models import get_architecture, list_models

        self.data_picker = FolderPicker("A folder of colour photos (searched recursively)", "The photos the model learns colour from", "Training photos folder")
        self.val_picker = FolderPicker(
            "Optional: a separate folder of validation photos", "Photos to measure progress on; empty: a share of the training photos",
            "Validation photos folder",
        )
        # The notes under the folders keep the height of their usual lines (a count, the files it skips, the
        # photos the crops enlarge): one that grew as a folder was counted or an image size typed moved every
        # field below it, and a click meant for one landed in the next.
        self.data_summary = _steady_label("Choose a folder of colour photos.", lines=4)
        self.val_summary = _steady_label("", lines=2)
        self.arch_box = QComboBox()
        for name in list_models():
            self.arch_box.addItem(name, name)
            self.arch_box.setItemData(self.arch_box.count() - 1, get_architecture(name).description, Qt.ItemDataRole.ToolTipRole)
        self.arch_box.setToolTip("The network to train")
        self.arch_description = _steady_label("", lines=3)  # (each architecture's fits 3 lines: the form stays put)
        # What a change of architecture or of what to start from did to the settings: above the buttons, outside
        # the form, its room kept while hidden. In the form, it pushed the fields down as it came and pulled them
        # up at the next edit, and a click meant for Batch size opened the Device list (a QA pass).
        self.choice_note = _steady_label("", lines=2)
        keep_room = self.choice_note.sizePolicy()
        keep_room.setRetainSizeWhenHidden(True)
        self.choice_note.setSizePolicy(keep_room)
        self.choice_note.hide()
        self.start_from = QComboBox()
        self.start_from.setToolTip("Train a new model (its encoder starts from ImageNet weights when Pretrained encoder is ticked), or go on teaching a model in your library (fine-tuning)")
        self.device_box = QComboBox()
        for choice, label in describe_devices():
            self.device_box.addItem(label, choice)
        self.device_box.setToolTip("Where the training runs: a CUDA GPU is much faster than the CPU")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("the architecture's name")
        self.name_edit.setClearButtonEnabled(True)
        self.name_edit.setToolTip("The new model's name in the library: letters, digits, '-', '_' and '.' (a number is added if it is taken)")

        dataset = QGroupBox("Photos")
        form = QFormLayout(dataset)
        form.addRow("T&raining:", self.data_picker)  # (the label's buddy: the composite's first field takes the focus)
        form.addRow("", self.data_summary)
        form.addRow("V&alidation:", self.val_picker)
        form.addRow("", self.val_summary)

        model = QGroupBox("Model")
        form = QFormLayout(model)
        form.addRow("Ar&chitecture:", self.arch_box)
        form.addRow("", self.arch_description)
        form.addRow("Start from:", self.start_from)
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Device:", self.device_box)
        self.log_boxes = _tracker_boxes()
        trackers = QHBoxLayout()
        for box in self.log_boxes.values():
            trackers.addWidget(box)
        trackers.addStretch(1)
        form.addRow("Also log to:", trackers)

        self.recipe_box = QGroupBox("Training settings")
        self.recipe_form = QFormLayout(self.recipe_box)
        self.arch_box_group = QGroupBox("Architecture settings")
        self.arch_form = QFormLayout(self.arch_box_group)

        self.start_button = QPushButton("&Start")
        self.start_button.setToolTip("Start training (Ctrl+Return)")
        self.stop_button = QPushButton("St&op")
        self.stop_button.setToolTip("Stop after the current step and keep a checkpoint to resume from")
        self.resume_button = QPushButton("Res&ume")
        self.resume_button.setToolTip("Continue the last stopped run from its checkpoint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.resume_button)

        settings_column = QWidget()
        column = QVBoxLayout(settings_column)
        column.addWidget(dataset)
        column.addWidget(model)
        column.addWidget(self.recipe_box)
        column.addWidget(self.arch_box_group)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setAccessibleName("Training settings")
        scroll.setWidgetResizable(True)
        # Always there: a scroll bar that came and went as the form grew narrowed it, and its notes wrapped anew.
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        scroll.setWidget(settings_column)
        guard_wheel_in(settings_column)  # scrolling the form never changes a setting (fields built later guard themselves)
        self.settings_scroll = scroll
        scroll.setMinimumWidth(420)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(self.choice_note)
        left_layout.addLayout(buttons)
        self.runs_link = QLabel(f"Runs are kept in <a href='runs'>{html.escape(str(runs_dir()))}</a>")
        self.runs_link.setToolTip("Open the run folder: configs, metrics logs, previews and checkpoints of every run")
        self.runs_link.setWordWrap(True)
        self.runs_link.linkActivated.connect(lambda _link: self.open_run_folder())
        left_layout.addWidget(self.runs_link)

        self.plot = LossPlot()
        self.progress = QProgressBar()
        self.progress.setFormat("%p %")
        self.progress.setValue(0)
        keep_room = self.progress.sizePolicy()
        keep_room.setRetainSizeWhenHidden(True)  # hidden beside a refused Start: the figures and curves stay put
        self.progress.setSizePolicy(keep_room)
        self.state_label = QLabel("Not training.")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The finished model's file, on a line of its own under the Finished line, shortened in the middle where
        # narrow (the whole path in its tooltip): wrapped with the line, it broke at a hyphen ("…/qa-" over "ft").
        self.model_path_label = ElidedLabel()
        self.model_path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_path_label.hide()
        self.speed_label = QLabel("–")
        self.eta_label = QLabel("–")
        self.step_label = QLabel("–")
        self.metrics_label = QLabel("–")
        self.metrics_label.setWordWrap(True)
        self.metrics_label.setToolTip(METRICS_TIP)
        self.use_button = QPushButton("Colour Photos &With It")
        self.use_button.setToolTip(FINISHED_USE_TIP)
        self.use_button.hide()
        numbers = QGridLayout()
        for row, (title, widget) in enumerate(
            [("Step:", self.step_label), ("Speed:", self.speed_label), ("Time left:", self.eta_label), ("Validation:", self.metrics_label)]
        ):
            numbers.addWidget(QLabel(title), row, 0, Qt.AlignmentFlag.AlignTop)
            numbers.addWidget(widget, row, 1)
        numbers.setColumnStretch(1, 1)
        self.previews = PreviewStrip()
        right = MinimumHeightForWidth()  # (its wrapped lines counted as they wrap: the column scrolls by them)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        state_row = QHBoxLayout()
        state_lines = QVBoxLayout()
        state_lines.addWidget(self.state_label)
        state_lines.addWidget(self.model_path_label)
        state_row.addLayout(state_lines, 1)
        state_row.addWidget(self.use_button)
        right_layout.addLayout(state_row)
        right_layout.addWidget(self.progress)
        right_layout.addLayout(numbers)
        right_layout.addWidget(self.plot, 1)
        right_layout.addWidget(self.previews)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        # At the window's smallest the state line and the validation metrics wrap onto more lines than Qt counts
        # for its minimum: squeezed in, they cut off the metrics' first line, the plot's axis and the previews' bar.
        # Only the plot counts for the window's minimum: with the whole column, it grew as training started and
        # previews came (491, 531, 539 px high); the column scrolls to the rest instead.
        self.right_scroll = ScrollWhenShort(right, least=self.plot)
        self.right_scroll.setAccessibleName("Training progress")
        splitter.addWidget(left)
        splitter.addWidget(self.right_scroll)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([460, 820])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.arch_box.currentIndexChanged.connect(self._on_arch_changed)
        self.device_box.currentIndexChanged.connect(self._show_estimate)
        self.start_from.currentIndexChanged.connect(self._on_start_from_chosen)
        self.data_picker.edit.editingFinished.connect(lambda: self.scan("data"))
        self.val_picker.edit.editingFinished.connect(lambda: self.scan("val"))
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(self.resume)
        self.use_button.clicked.connect(self._use_model)
        self._update_buttons()

    def _restore(self) -> None:
        from engine.training.recipe import default_arch

        arch = settings.read("train/arch", "", str) or default_arch()
        self.arch_box.blockSignals(True)
        self.arch_box.setCurrentIndex(max(0, self.arch_box.findData(arch)))
        self.arch_box.blockSignals(False)
        self._on_arch_changed()
        device = settings.read("train/device", "auto", str)
        self.device_box.setCurrentIndex(max(0, self.device_box.findData(device)))
        self.data_picker.edit.setText(settings.read("train/data", "", str))
        self.val_picker.edit.setText(settings.read("train/val", "", str))
        for name in settings.read("train/log", "", str).split(","):
            if name in self.log_boxes and self.log_boxes[name].isEnabled():
                self.log_boxes[name].setChecked(True)
        run = settings.read("train/last_run", "", str)
        if run and (Path(run) / "checkpoint.pt").is_file():
            self._run_dir = Path(run)
            self.scan_lane.submit(_read_stopped_run, self._run_dir, name="last-run", on_finished=self._on_last_run_read)
        for kind in ("data", "val"):
            if (self.data_picker if kind == "data" else self.val_picker).path():
                self.scan(kind)
        self._update_buttons()

    # -- form -----------------------------------------------------------------------------
    def _recipe(self, arch: str):
        """The recommended settings for ``arch`` (for a fine-tune when one is chosen), sized for the counted training folder."""
        from engine.training.recipe import recipe_for

        photos = self._data_scan.colour if self._photos and self._data_scan is not None else self._photos
        return recipe_for(arch, photos, fine_tune=bool(self.start_from.currentData()), val_fraction=self._held_out_share())

    def _held_out_share(self) -> float | None:
        """The share of the folder the run would hold out for validation (None: the recipe's)."""
        if self.val_picker.path():
            return 0.0  # a validation folder of its own: every photo of the folder trains
        try:
            return self.field("val_fraction").value()
        except (FieldError, KeyError, AttributeError):  # the form is not built yet, or holds no number
            return None

    def _on_arch_changed(self, _index: int = -1) -> None:
        """Rebuild the form for the chosen architecture, keeping what the user typed; say what changed."""
        from engine.models import get_architecture
        from engine.training import list_losses
        from engine.training.config import OPTIMIZERS, SCHEDULES, whole_range

        arch = self.arch_box.currentData()
        if not arch:
            return
        previous_arch, self._arch = self._arch, arch
        before = {name: (field.label, field.value_or_text(), field.touched) for name, field in {**self.fields, **self.arch_fields}.items()}
        self.arch_description.setText(get_architecture(arch).description)
        defaults = self._recipe(arch)
        choices = {"optimizers": list(OPTIMIZERS), "schedules": list(SCHEDULES), "losses": list_losses()}
        _clear_form(self.recipe_form)
        self.fields = {}
        has_encoder = "load_pretrained_encoder" in get_architecture(arch).capabilities
        for name, label, choice_key, tip in RECIPE_FIELDS:
            if name == "pretrained" and not has_encoder:
                continue
            field = Field(name, label, getattr(defaults, name), choices.get(choice_key) if choice_key else None, tip)
            self.fields[name] = field
            self.recipe_form.addRow(f"{FIELD_MNEMONICS.get(name, label)}:", field.widget)
            if name == "epochs":  # how long those epochs would take, under them (``_show_estimate``), always there
                self.estimate_label = _steady_label("", lines=2)
                self.recipe_form.addRow("", self.estimate_label)
            if whole_range(name) is not None:  # the spin box takes what Start takes (batch size 0 was refused only there)
                low, high = whole_range(name)
                field.widget.setRange(low, min(high, 2**31 - 1))
            if name in ESTIMATE_FIELDS:
                field.widget.valueChanged.connect(self._show_estimate)
            if name == "image_size":  # crops come in multiples of the stride; the photos smaller than them, under the folder
                stride = get_architecture(arch).stride
                field.widget.setSingleStep(stride)
                field.widget.setToolTip(f"{tip} (a multiple of {stride} for {arch}: other sizes are rounded down)")
                field.widget.valueChanged.connect(self._show_data_summary)
        _clear_form(self.arch_form)
        self.arch_fields = {}
        for name, value in defaults.arch_params.items():
            field = Field(name, label_for(name), value, tip=f"{arch} parameter {name} (default {value})")
            self.arch_fields[name] = field
            self.arch_form.addRow(f"{label_for(name)}:", field.widget)
        self.arch_box_group.setVisible(bool(self.arch_fields))
        self._set_tab_order()
        kept, changed = [], []
        for name, field in {**self.fields, **self.arch_fields}.items():
            if name not in before:
                continue
            label, old_value, touched = before[name]
            if touched:
                field.set_value(old_value)
                kept.append(label.lower())
            elif field.value_or_text() != old_value:  # (numbers as the fields write them: 9,000)
                changed.append(f"{label.lower()} {field.shown(old_value)} → {field.shown(field.value_or_text())}")
        for field in (*self.fields.values(), *self.arch_fields.values()):
            field.changed.connect(self._on_form_edited)
        renamed = self._follow_name(previous_arch, arch)
        if previous_arch and previous_arch != arch:
            self._say_form_change(f"Architecture {arch}", changed, kept, renamed)
        self._on_start_from_changed()
        self._show_estimate()
        self._show_data_summary()

    def _set_tab_order(self) -> None:
        """Tab goes down the form as it reads, the action buttons last (the recipe rows, built after the
        rest of the page, came after the buttons)."""
        chain = [self.data_picker.edit, self.data_picker.button, self.val_picker.edit, self.val_picker.button,
                 self.arch_box, self.start_from, self.name_edit, self.device_box, *self.log_boxes.values()]
        chain += [field.widget for field in (*self.fields.values(), *self.arch_fields.values())]
        chain += [self.start_button, self.stop_button, self.resume_button, self.use_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _follow_name(self, previous_arch: str | None, arch: str) -> str:
        """A model name derived from the old architecture's follows the new one; a name of the user's own stays."""
        self.name_edit.setPlaceholderText(f"{arch} (the architecture's name)")
        name = self.name_edit.text().strip()
        if previous_arch and name.startswith(previous_arch) and previous_arch != arch:
            self.name_edit.setText(arch + name[len(previous_arch):])
            return f"name {name} → {self.name_edit.text()}"
        return ""

    def _say_form_change(self, what: str, changed: list[str], kept: list[str], renamed: str = "") -> None:
        """The line above Start: what a choice (``what``: 'Architecture x', 'Fine-tune y') set and kept."""
        parts = []
        if changed or renamed:
            parts.append("set " + ", ".join(changed + ([renamed] if renamed else [])))
        if kept:
            parts.append("kept your " + ", ".join(kept))
        text = f"{what}: " + ("; ".join(parts) if parts else "same settings") + "."
        self.choice_note.setText(text)
        self.choice_note.show()
        # The values it tells of: the line goes once one of them is changed again (``_on_form_edited``).
        self._arch_note = {name: field.value_or_text() for name, field in {**self.fields, **self.arch_fields}.items()}
        self.status_message.emit(text)

    def _on_form_edited(self, *_args) -> None:
        """A setting changed: a line about the form as it was goes (what a change of architecture set, why Start
        refused), so that nothing on screen describes values no longer there."""
        note = getattr(self, "_arch_note", None)
        if note and any(field.value_or_text() != note.get(name) for name, field in {**self.fields, **self.arch_fields}.items()):
            self._clear_arch_note()
        self._clear_problem()

    def _clear_arch_note(self) -> None:
        self._arch_note = None
        self.choice_note.hide()
        self.choice_note.setText("")

    def _clear_problem(self) -> None:
        """Why the last Start (or run) failed goes once the form or a folder changes."""
        if self._problem_shown and not self.is_training():
            self._problem_shown = False
            line, button = self._line_before_refusal or ("Not training.", False)
            self._line_before_refusal = None
            if self._last_model is not None and line.startswith("Finished:"):
                line = self._finished_text  # (as the library has it now: renamed, say)
            self._show_state(line)
            if button:
                self.use_button.show()

    def _fill_recipe_for_folder(self, recipe=None, chosen: bool = False) -> tuple[list[str], list[str]]:
        """A newly counted folder, or a new choice of what to start from: fields the user has not changed take
        the recipe's values (``recipe``: already read for the current choice). A run's own settings on the form
        stay through a folder count, but give way to a choice the user made (``chosen``).
        Returns what changed ('learning rate 0.001 → 0.0003') and the labels of what the user typed, kept."""
        arch = self.arch_box.currentData()
        changed, kept = [], []
        if not arch:
            return changed, kept
        recipe = recipe or self._recipe(arch)
        for name, field in self.fields.items():
            if field.touched:
                kept.append(field.label.lower())
            elif chosen or not field.held:
                old = field.value_or_text()
                field.fill(getattr(recipe, name))
                if field.value_or_text() != old:
                    changed.append(f"{field.label.lower()} {field.shown(old)} → {field.shown(field.value_or_text())}")
        return changed, kept

    def _fill_start_from(self) -> None:
        current = self.start_from.currentData()
        self.start_from.blockSignals(True)
        self.start_from.clear()
        self.start_from.addItem("New model", "")
        for entry in self.library.usable():
            self.start_from.addItem(f"Fine-tune {entry.name} ({entry.info.arch})", entry.name)
        self.start_from.setCurrentIndex(max(0, self.start_from.findData(current)))
        self.start_from.blockSignals(False)
        self._on_start_from_changed()

    def _on_start_from_chosen(self, _index: int) -> None:
        """The user chose what to start from: the recipe for it replaces all but what they typed, and a line says so."""
        self._on_start_from_changed(chosen=True)

    def _on_start_from_changed(self, _index: int = -1, chosen: bool = False) -> None:
        """A fine-tune fixes the architecture and the settings that shape the model's weights to the chosen
        model's, and starts from the shorter, gentler fine-tune recipe."""
        from engine.models import get_architecture
        from engine.training.config import default_model_name

        name = self.start_from.currentData()
        entry = self.library.find(name) if name else None
        fine_tune = entry is not None and entry.info is not None
        if fine_tune and self.arch_box.currentData() != entry.info.arch:
            self.arch_box.setCurrentIndex(self.arch_box.findData(entry.info.arch))  # rebuilds the form, calls back here
            return
        arch = self.arch_box.currentData()
        if not arch:
            return  # the form is not built yet
        self.arch_box.setEnabled(not fine_tune and not self.is_training())
        adjustable = get_architecture(arch).adjustable if fine_tune else frozenset()
        recipe = self._recipe(arch)
        for field in self.arch_fields.values():
            # Shown as the app's choice, so that what the user typed (and only that) survives a change of mind.
            if fine_tune and field.name in entry.info.config and not (field.touched and field.name in adjustable):
                field.fill(entry.info.config[field.name])
            elif not fine_tune and not field.touched and (chosen or not field.held) and field.name in recipe.arch_params:
                field.fill(recipe.arch_params[field.name])
            field.set_enabled(not fine_tune or field.name in adjustable)  # the rest shape the weights
        if "pretrained" in self.fields:
            self.fields["pretrained"].set_enabled(not fine_tune)
        changed, kept = self._fill_recipe_for_folder(recipe, chosen)
        if chosen:
            self._say_form_change(self.start_from.currentText().split(" (")[0], changed, kept)
        self.name_edit.setPlaceholderText(
            f"{default_model_name('', arch, name)} (the model's name)" if fine_tune else f"{arch} (the architecture's name)"
        )

    def show_run_settings(self, config) -> None:
        """Fill the form with a run's own settings (the run Resume continues), kept through later folder counts."""
        init_from = Path(config.init_from).stem if config.init_from else ""
        self.start_from.blockSignals(True)
        self.start_from.setCurrentIndex(max(0, self.start_from.findData(init_from)))
        self.start_from.blockSignals(False)
        self._arch = None  # the form is rebuilt for the run: no change of mind to report
        self.arch_box.blockSignals(True)
        self.arch_box.setCurrentIndex(max(0, self.arch_box.findData(config.arch)))
        self.arch_box.blockSignals(False)
        self._on_arch_changed()
        for name, field in self.fields.items():
            field.hold(getattr(config, name))
        for name, field in self.arch_fields.items():
            if name in config.arch_params:
                field.hold(config.arch_params[name])
        self.name_edit.setText(config.name)
        self.device_box.setCurrentIndex(max(0, self.device_box.findData(config.device)))
        for name, box in self.log_boxes.items():
            box.setChecked(name in config.log and box.property("available"))
        for kind, picker, folders in (("data", self.data_picker, config.data), ("val", self.val_picker, config.val)):
            folder = ", ".join(str(f) for f in folders)
            if folder != picker.path():
                picker.edit.setText(folder)
                self.scan(kind)
        self._show_estimate()

    def _show_saved_results(self, summary, triplets: list, config=None) -> None:
        """A run's last validation metrics and previews, as its files keep them (a remembered or resumed run);
        ``config``: the run's, whose model says whether the previews' grey inputs carry hints (marked on them)."""
        from engine.models.registry import takes_hints
        from engine.training.trainer import PREVIEW_HINTS

        if summary.val_loss is not None:
            self._show_metrics(summary.val_loss, summary.metrics, summary.validated_on)
        self.previews.held_out = summary.validated_on != "training photos"  # (set live by TrainingStarted only)
        if triplets:
            epoch = Path(summary.preview).stem.removeprefix("epoch-")
            hints = PREVIEW_HINTS if config is not None and takes_hints(config.arch, config.arch_params) else 0
            self.previews.set_triplets(triplets, int(epoch) if epoch.isdigit() else 0, hints)
        else:
            self.previews.clear()
        self._results_run = Path(summary.path)

    def _show_metrics(self, loss: float, metrics: dict[str, float], measured_on: str | None) -> None:
        """The Validation figures, marked " (training photos)" as the Models tab marks them where nothing was held out
        (only the previews' caption said so)."""
        on_training = measured_on == "training photos"
        self.metrics_label.setText(_metrics_text(loss, metrics) + (TRAINING_PHOTOS_MARK if on_training else ""))
        self.metrics_label.setToolTip(ON_TRAINING_PHOTOS if on_training else METRICS_TIP)

    def field(self, name: str) -> Field:
        """The form field for a training setting or an architecture parameter."""
        return self.fields.get(name) or self.arch_fields[name]

    def config(self):
        """The TrainConfig the form describes; raises ``FormProblems`` (one line naming every bad setting) when it cannot work."""
        from engine.training import TrainConfig
        from engine.training.config import MAX_STEP_PIXELS

        arch = self.arch_box.currentData()
        problems: list[tuple[QWidget | None, str]] = []
        data = self.data_picker.path()
        if not data:
            problems.append((self.data_picker.edit, "choose a folder of colour photos to train on"))
        elif not Path(data).expanduser().is_dir():
            problems.append((self.data_picker.edit, f"{data}: no such folder"))
        elif self._data_scan is not None and self._data_scan.usable == 0 and self._scanned["data"] == data:
            # Counted already: the run would only fail, after making a run folder ('no usable colour photos in …').
            problems.append((self.data_picker.edit, f"{data}: {self._data_scan.summary()}: nothing to train on"))
        val = self.val_picker.path()
        if val and not Path(val).expanduser().is_dir():
            problems.append((self.val_picker.edit, f"{val}: no such folder"))
        from engine.library import name_problem

        name_reason = name_problem(self.name_edit.text().strip()) if self.name_edit.text().strip() else ""
        if name_reason:  # (the Models page's Rename refuses the same names)
            problems.append((self.name_edit, f"Name: {name_reason}"))
        base = self._recipe(arch).to_dict()  # settings the form does not show (warm-up, augmentation ...)
        fields = {**self.fields, **self.arch_fields}
        values = {}
        for name, field in fields.items():
            try:
                values[name] = field.value()
            except FieldError as exc:
                problems.append((field.widget, str(exc)))
                values[name] = base["arch_params"].get(name, field.default) if name in self.arch_fields else base[name]
        batch, size = values.get("batch_size"), values.get("image_size")
        if isinstance(batch, int) and isinstance(size, int) and size > 0 and batch * size**2 > MAX_STEP_PIXELS:
            # Said of the batch size, not the image size: a batch that fits exists at every image size the form
            # takes (one 2048 px crop is 4 million pixels), and the image size is what the model learns at.
            fits = max(1, MAX_STEP_PIXELS // size**2)
            problems.append((self.fields["batch_size"].widget,
                             f"Batch size: {batch:,} crops of {size} px are {batch * size**2 / 1e6:.0f} million pixels a step "
                             f"(the limit is {MAX_STEP_PIXELS / 1e6:.0f} million): at most {fits:,} at this image size"))
            values["batch_size"] = fits  # (the rest is checked as it would be with a batch that fits)
        # ``validate`` names the first bad setting: it is set aside (the recipe's value) and the rest checked again.
        for _ in range(len(fields) + 1):
            config = TrainConfig.from_dict(
                {
                    **base,
                    **{name: values[name] for name in self.fields},
                    "arch_params": {name: values[name] for name in self.arch_fields},
                    "data": [data or "."],  # (a missing folder is said above)
                    "val": [val] if val else [],
                    "init_from": self.start_from.currentData() or "",
                    "name": self.name_edit.text().strip(),
                    "device": self.device_box.currentData() or "auto",
                    "run_dir": str(runs_dir()),
                    "log": [name for name, box in self.log_boxes.items() if box.isChecked()],
                }
            )
            try:
                config.validate()
                break
            except ValueError as exc:  # "lr: expected ..." reads "Learning rate: expected ..." on the form
                key, colon, reason = str(exc).partition(": ")
                name = key.removeprefix("arch_params.")
                field = fields.get(name) if colon else None
                if field is None or any(widget is field.widget for widget, _ in problems):
                    problems.append((None, str(exc)))
                    break
                problems.append((field.widget, f"{field.label}: {reason}"))
                values[name] = base["arch_params"].get(name, field.default) if name in self.arch_fields else base[name]
        if problems:
            raise FormProblems(problems, [self.data_picker.edit, self.val_picker.edit, self.name_edit]
                               + [field.widget for field in fields.values()])
        return config

    # -- dataset scans --------------------------------------------------------------------
    def scan(self, kind: str) -> None:
        """Count usable, greyscale and broken photos in the training ("data") or validation ("val") folder."""
        picker, label = (self.data_picker, self.data_summary) if kind == "data" else (self.val_picker, self.val_summary)
        folder = picker.path()
        settings.write(f"train/{kind}", folder)
        if folder != self._scanned[kind]:  # another folder: the line about the last one's failure goes
            self._clear_problem()
            self._scanned[kind] = folder
        old = self._scan_jobs.pop(kind, None)
        if old is not None:
            old[1].stop()
        if kind == "data":
            self._data_scan = None
        if not folder:
            label.setText("Choose a folder of colour photos." if kind == "data" else "")
            return
        label.setToolTip("")  # (the files the last count left out)
        if not Path(folder).expanduser().is_dir():
            label.setText(f"{folder}: no such folder")
            return
        label.setText("Counting photos…")
        from engine.data import scan_photo_folder

        self._scan_token += 1
        token = self._scan_token
        self._scan_jobs[kind] = (token, self.scan_lane.submit(
            scan_photo_folder, Path(folder).expanduser(), name=f"scan-{kind}",
            on_progress=lambda found: self._on_scan_count(kind, token, found.count),
            on_finished=lambda scan: self._on_scanned(kind, token, scan),
            on_error=lambda message: self._on_scanned(kind, token, None, message),
        ))

    def _on_scan_count(self, kind: str, token: int, count: int) -> None:
        if self._scan_jobs.get(kind, (None,))[0] == token:
            label = self.data_summary if kind == "data" else self.val_summary
            label.setText(f"{count:,} image files; checking which have colour…")

    def _on_scanned(self, kind: str, token: int, scan, error: str = "") -> None:
        if self._scan_jobs.get(kind, (None,))[0] != token:
            return
        del self._scan_jobs[kind]
        label = self.data_summary if kind == "data" else self.val_summary
        if scan is None:
            label.setText(error or "")
            return
        if kind == "data":
            self._data_scan = scan
            self._photos = scan.usable or None
            self._fill_recipe_for_folder()
            self._show_data_summary()
        else:
            label.setText(scan.summary())
            label.setToolTip(_skipped_tip(scan, self.val_picker.path()))
            self._fill_recipe_for_folder()  # nothing of the training folder is held out now: fewer epochs give the steps
        self._show_estimate()
        self.scan_finished.emit(kind, scan)

    def _show_data_summary(self, *_args) -> None:
        """Under the training folder: what it holds, and how many photos the crops would enlarge."""
        scan = self._data_scan
        if scan is None:
            return
        text = scan.summary()
        if scan.usable == 0:
            text += ": nothing to train on"
        crop = self._crop_size()
        small = scan.smaller_than(crop) if crop else 0
        if small:
            count = f"all {small:,} are" if small == scan.usable > 1 else f"{small:,} {'are' if small > 1 else 'is'}"
            text += f"; {count} smaller than the {crop} px crops and will be enlarged, which blurs colours"
        self.data_summary.setText(text)
        self.data_summary.setToolTip(_skipped_tip(scan, self.data_picker.path()))

    def _crop_size(self) -> int | None:
        """The side of the crops the form's image size trains on (``engine.training.config.crop_size``)."""
        from engine.models import get_architecture
        from engine.training.config import crop_size

        arch = self.arch_box.currentData()
        if "image_size" not in self.fields or not arch:
            return None
        return crop_size(self.fields["image_size"].value(), get_architecture(arch).stride)

    # -- how long a run would take ---------------------------------------------------------
    def _read_runs(self) -> None:
        from engine.runs import list_runs

        if not self._reading_runs:
            self._reading_runs = True
            self.scan_lane.submit(list_runs, runs_dir(), name="read-runs", on_finished=self._on_runs_read, on_end=self._on_runs_ended)

    def _on_runs_read(self, runs) -> None:
        self._runs = runs
        self._show_estimate()

    def _on_runs_ended(self) -> None:
        self._reading_runs = False

    def estimate(self):
        """``(seconds, run)``: how long the form's run would take at the speed ``run`` (an earlier run of the
        same architecture, crop size and device on this computer) trained; None when no such run is known."""
        from engine.runs import measured_speed

        try:
            epochs, batch, size, held = (self.field(n).value() for n in ("epochs", "batch_size", "image_size", "val_fraction"))
        except (FieldError, KeyError):
            return None
        run = measured_speed(self._runs or [], self.arch_box.currentData(), size, self.device_box.currentData() or "auto")
        if run is None or not self._photos or batch <= 0:
            return None
        photos = self._photos if self.val_picker.path() else round(self._photos * (1 - held))  # (about: split by name)
        return epochs * max(1, photos // batch) * batch / run.images_per_second, run

    def _show_estimate(self, *_args) -> None:
        """Under Epochs: about how long the run would take on this computer, from an earlier run's speed."""
        label = getattr(self, "estimate_label", None)
        if label is None:
            return
        if self._runs is None and self._photos:
            self._read_runs()  # (then here again)
        estimate = self.estimate()
        if estimate is None:  # a placeholder keeps the row, and the fields under it, where they are
            if self._photos:
                label.setText("About … once a run like this has trained here.")
            elif self._data_scan is not None:  # counted: none of its photos has colour
                label.setText("About … once the folder holds colour photos.")
            else:
                label.setText("About … once a folder is counted.")
            label.setToolTip("The time comes from the speed of an earlier run of the same architecture and crop size on this device")
            return
        seconds, run = estimate
        label.setText(estimate_text(seconds))
        label.setToolTip(
            f"At {run.images_per_second:,.1f} images/s: the speed of {run.name}, the last {run.arch} run on "
            f"{run.settings.get('image_size')} px crops here."
        )

    # -- training -------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self._job is not None

    def start(self) -> bool:
        """Start a new run from the form; False (with the reason shown) when the form cannot work."""
        if self.is_training():
            return False
        try:
            config = self.config()
        except ValueError as exc:
            if not self._problem_shown:  # a finished or stopped run's line: back once the form changes (_clear_problem)
                self._line_before_refusal = (self.state_label.text(), self.use_button.isVisible())
            self._show_state(f"Cannot start: {exc}.", problem=True, refused=True)
            # Beside the refusal, the last run's Colour Photos With It read as the refused run's.
            self.use_button.hide()
            self.status_message.emit(f"Cannot start training: {exc}.")
            widget = getattr(exc, "widget", None)
            if widget is not None:  # the first setting named, ready to be typed over
                self.settings_scroll.ensureWidgetVisible(widget)
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                select_all = getattr(widget, "selectAll", None)
                if select_all is not None:
                    select_all()
            return False
        self._clear_arch_note()  # (a new run: what the form was set to before it is history)
        settings.write("train/arch", config.arch)
        settings.write("train/device", config.device)
        settings.write("train/log", ",".join(config.log))
        self.plot.clear()
        self.previews.clear()
        from engine.training import train  # loaded at start-up by the window's warm-up job

        self._launch(train, config, f"Preparing {config.model_name}: reading photos…")
        return True

    def resume(self, run_dir: str | Path | None = None) -> bool:
        """Continue a stopped run (the last one, or ``run_dir``) from its checkpoint."""
        if self.is_training():
            return False
        run = Path(run_dir) if run_dir else self._run_dir
        if run is None:
            self.choose_run_to_resume()
            return False
        from engine.training import resume_config, train

        try:
            config = resume_config(run)
        except ValueError as exc:
            self._show_state(f"Cannot resume: {exc}")
            return False
        changed = self._changed_since_stop(config) if run == self._run_dir else []  # (the run the form shows)
        if changed and not confirm(
            self, "Colourise",
            f"Resume continues {run.name} with its own settings: {', '.join(changed)}.\n\n"
            "Start begins a new run with yours. Resume with the run's settings?",
        ):
            return False
        self.show_run_settings(config)
        if self._results_run != run:  # another run's metrics and previews are on screen: this one's instead
            self._show_saved_results(*_read_saved_results(run), config)
        self._show_history(run)
        self._launch(train, config, f"Resuming {run.name}…", fresh=False)
        return True

    def _changed_since_stop(self, config) -> list[str]:
        """The settings the form now holds that differ from the stopped run's own, as 'epochs 200 (yours: 100)'.

        Resume continues a run as it was started (its schedule, its step count, its checkpoint's optimiser), so
        the form's values are set aside: the user is asked first, not shown the form snapping back.
        """
        own = {**{name: getattr(config, name) for name in self.fields}, **config.arch_params}
        changed = []
        for name, field in {**self.fields, **self.arch_fields}.items():
            if name in own and field.shown(field.value_or_text()) != field.shown(own[name]):
                changed.append(f"{field.label.lower()} {field.shown(own[name])} (yours: {field.shown(field.value_or_text())})")
        return changed

    def choose_run_to_resume(self):
        """Open the list of stopped runs; the one chosen is resumed. Returns the (window-modal) dialog."""
        from desktop.run_picker import RunPicker

        picker = RunPicker(runs_dir(), self.scan_lane, self)
        picker.accepted.connect(self._on_run_chosen)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.open()
        self.run_picker = picker
        return picker

    def _on_run_chosen(self) -> None:
        run = self.run_picker.chosen() if self.run_picker is not None else None
        if run is not None:
            self.resume(run)

    def open_run_folder(self) -> None:
        """Show the folder the window's training runs are kept in."""
        from desktop.run_picker import open_folder

        open_folder(runs_dir(), self)

    def _use_model(self) -> None:
        """Colour photos with the model just trained; a stopped run's is first kept, as it stands, in the library."""
        stopped = isinstance(self._last_event, TrainingCancelled) and self._last_event.checkpoint
        name = self._last_model or (self.keeper.kept_name(self._last_event.run_dir) if stopped else None)
        if name:
            self.use_model_requested.emit(name)
        elif stopped and self.keeper.keep(self._last_event.run_dir):
            self._keep_asked = str(self._last_event.run_dir)

    def _update_use_button(self, *_busy) -> None:
        # A stopped run's model waits for any keep, the Runs page's too (one at a time); a finished one never does,
        # but is gone once removed from the library.
        if self._last_model is not None:
            self.use_button.setEnabled(self.library.find(self._last_model) is not None)
        else:
            self.use_button.setEnabled(not self.keeper.busy)

    def _follow_renamed_model(self, old: str, new: str, *_keys) -> None:
        if self._last_model == old:
            self._last_model = new  # (the Finished line follows when the library is read again, just after)

    def _show_finished_model(self, *, at_finish: bool = False) -> None:
        """The finished model's line and button as the library now has it: its name and file, or that it was removed."""
        name = self._last_model
        if name is None:
            return
        entry = self.library.find(name)
        if entry is None and not at_finish and self._last_finished is not None:
            # Renamed outside the window (a file manager, the command line), as the Runs tab finds it: the library
            # file byte for byte like the run folder's own copy. (Headers only, read once the name has gone.)
            renamed = self._renamed_copy(self._last_finished.run_dir, self._last_finished.model_path.parent)
            entry = self.library.find(renamed.stem) if renamed is not None else None
            if entry is not None:
                name = self._last_model = entry.name
        text = (f"Finished: model “{name}” is in your library:" if entry is not None
                else f"Finished: model “{name}” has since been removed from your library.")
        showing = at_finish or self.state_label.text() == self._finished_text  # (not over what the page said since: a form mistake)
        self._finished_text, self._finished_path = text, str(entry.path) if entry is not None else ""
        if showing:
            self._show_state(text)
        self.use_button.setToolTip(FINISHED_USE_TIP if entry is not None else f"“{name}” is no longer in your library")
        self._update_use_button()

    def _renamed_copy(self, run_dir, library: Path) -> Path | None:
        """``engine.runs.library_copy_of``, looked up again only when the library's files (names, sizes, times) have
        changed since the last look: every library change read every model's header on the UI thread while the model
        stayed missing, a change elsewhere (the bundled models) too."""
        from engine.runs import library_copy_of

        key = (str(run_dir), _model_files(library))
        if self._renamed_look is None or self._renamed_look[0] != key:
            self._renamed_look = (key, library_copy_of(run_dir, library))
        return self._renamed_look[1]

    def _on_kept(self, run_dir: str, name: str) -> None:
        if run_dir != self._keep_asked:
            return
        self._keep_asked = None
        self.status_message.emit(f"Kept “{name}” in your library: the model as it stood when training stopped.")
        self.use_model_requested.emit(name)

    def _on_keep_failed(self, run_dir: str, message: str) -> None:
        if run_dir != self._keep_asked:
            return
        self._keep_asked = None
        self.status_message.emit(f"Could not keep the model: {message}")

    def _launch(self, fn, config, text: str, fresh: bool = True) -> None:
        """Train ``config`` on the training lane; ``fresh``: a new run (a resumed one keeps its last metrics in view)."""
        self._total_steps = 0
        self._line_before_refusal = None  # (a new run's line from now)
        self.use_button.hide()
        self.progress.setRange(0, 0)  # busy until the first step
        self._show_state(text)
        for label in (self.step_label, self.speed_label, self.eta_label) + ((self.metrics_label,) if fresh else ()):
            label.setText("–")  # nothing from an earlier run stays on screen
        if fresh:
            self._results_run = None
        self._job = self.train_lane.submit(
            fn, config, name="train", on_progress=self._on_event, on_finished=self._on_finished, on_error=self._on_errored
        )
        self._update_buttons()
        self.training_started.emit()

    def stop(self) -> None:
        """Stop after the current step; the engine writes a checkpoint to resume from."""
        if self._job is not None:
            self._job.stop()
            self._show_state("Stopping after this step; keeping a checkpoint…")
            self.stop_button.setEnabled(False)

    def _show_history(self, run: Path) -> None:
        """A resumed run's whole loss history: what is drawn already, or else what its metrics log holds."""
        checkpoint_step = self._checkpoint_step
        if self.plot.run == run and self.plot.train.count:
            if checkpoint_step is not None:
                self.plot.truncate_after(checkpoint_step)  # the run redoes the steps after its checkpoint
            return
        self.plot.clear()
        self._load_history(run)
        self.plot.run = run

    def _load_history(self, run: Path) -> None:
        """Put a run's earlier losses back on the plot (from its metrics log, every logged row)."""
        from engine.runs import read_rows

        self._draw_rows(read_rows(run))  # (unreadable: nothing drawn; the run itself resumes from its checkpoint)

    def _draw_rows(self, rows: list[dict]) -> None:
        for row in rows:
            add = {"train": self.plot.add_train, "val": self.plot.add_val}.get(row.get("type"))
            try:
                if add is not None:
                    add(float(row["epoch"]), float(row["loss"]), int(row["step"]))
            except (ValueError, KeyError, TypeError):
                continue  # not one of our rows: the rest still draws
        self.plot.flush()

    def _on_last_run_read(self, result: tuple) -> None:
        """At launch: the stopped run that Resume would continue, said and drawn, so that nobody resumes blind."""
        summary, rows, config, triplets = result
        if self.is_training() or self._run_dir is None or Path(summary.path) != self._run_dir:
            return  # the user got there first
        if not summary.resumable:  # finished, or training in another process, since it was remembered
            self._run_dir = None
            self._update_buttons()
            return
        of_total = f" of {summary.total_steps:,}" if summary.total_steps else ""
        how = "stopped" if summary.message == "stopped by the user" else summary.message.split(";")[0]
        self._show_state(f"Last run, {summary.name}: {how}, at step {summary.steps:,}{of_total}. Resume continues it.")
        self.step_label.setText(f"{summary.steps:,}{of_total}")
        if summary.total_steps:
            self.progress.setRange(0, summary.total_steps)
            self.progress.setValue(min(summary.steps, summary.total_steps))
        if not self.plot.train.count:
            self.plot.clear()
            self._draw_rows(rows)
            self.plot.run = self._run_dir
        if config is not None:
            self.show_run_settings(config)  # what Resume would continue, not the form's defaults
        self._show_saved_results(summary, triplets, config)

    def _on_event(self, event) -> None:
        if isinstance(event, LossLogged):
            # The rows metrics.jsonl got (each the mean loss of its steps), not each step's own loss: the curve a
            # resumed or past run reads back is drawn from them, and had another texture from the resume on.
            for step, epoch, loss in event.rows:
                self.plot.add_train(epoch, loss, step)
        elif isinstance(event, TrainingStep):
            self.progress.setRange(0, event.total_steps)
            self.progress.setValue(event.step)
            self.step_label.setText(f"{event.step:,} of {event.total_steps:,} (epoch {_epoch_text(event.epoch)}), loss {event.loss:.4f}")
            self.speed_label.setText(f"{event.images_per_second:,.1f} images/s")
            self.eta_label.setText(_duration(event.eta_seconds))
            self.stepped.emit(event.step)
        elif isinstance(event, ValidationDone):
            self.plot.add_val(event.epoch, event.loss, event.step)
            self._show_metrics(event.loss, event.metrics, self._validated_on)
        elif isinstance(event, PreviewReady):
            self.previews.set_triplets(event.triplets, event.epoch, event.hints)
        elif isinstance(event, TrainingStarted):
            self._run_dir = event.run_dir
            self._results_run = event.run_dir
            self.plot.run = event.run_dir
            settings.write("train/last_run", str(event.run_dir))
            self._total_steps = event.total_steps
            self.progress.setRange(0, max(1, event.total_steps))
            self.progress.setValue(event.start_step)
            from engine.data import skipped_text

            self.previews.held_out = event.val_held_out
            self._validated_on = "validation photos" if event.val_held_out else "training photos"
            if event.val_held_out:
                text = f"Training on {event.device}: {event.train_photos} photos, {event.val_photos} for validation"
            else:
                text = (f"Training on {event.device}: {event.train_photos} photos, validating on {event.val_photos} of them "
                        "(nothing held out: scores are on photos it trains on)")
            skipped = skipped_text(len(event.skipped_grey), len(event.skipped_copies), len(event.skipped_broken), len(event.skipped_colourised))
            if skipped:
                text += f" ({skipped} skipped)"
            if event.enlarged:
                text += f"; {len(event.enlarged):,} enlarged to the {event.crop_size} px crops"
            for change in (event.world_change, event.photos_change):  # a resume's: what its steps now are
                if change:
                    text += f"; {change}"
            self._show_state(text + ".")
        elif isinstance(event, CheckpointSaved):
            self.status_message.emit(f"Checkpoint saved at step {event.step:,}.")

    def _on_finished(self, event) -> None:
        self._job = None
        self._last_event = event
        self._checkpoint_step = None
        self.eta_label.setText("–")  # nothing is left to do, whichever way it ended
        self.speed_label.setText("–")
        self._runs = None  # (its speed estimates the next run's time: read them again)
        self._show_estimate()
        if isinstance(event, TrainingFinished):
            self.plot.flush()
            self._run_dir = None
            settings.write("train/last_run", "")
            self.library.refresh()
            self._last_model = event.model_path.stem
            self._last_finished = event
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
            self._show_finished_model(at_finish=True)
            self.use_button.show()
            self.status_message.emit(f"Training finished: {self._last_model} added to the library.")
        elif isinstance(event, TrainingCancelled):
            self._run_dir = event.run_dir if event.checkpoint else self._run_dir
            self._checkpoint_step = event.step if event.checkpoint else None
            where = f" Checkpoint kept at step {event.step:,}: Resume continues from there." if event.checkpoint else ""
            self._show_state(f"Stopped.{where}")
            self.status_message.emit("Training stopped.")
            self._last_model = None
            if event.checkpoint:  # its model can be used as it stands (desktop.model_keeper)
                self.use_button.setToolTip(
                    f"Keep the model as it stands at step {event.step:,} in your library (Resume can still finish the run) "
                    "and colour photos with it"
                )
                self._update_use_button()
                self.use_button.show()
            self._end_progress(event.step)
        elif isinstance(event, TrainingFailed):
            if self.plot.train.count == 0:
                self.plot.clear()  # nothing drawn: no axes left from an earlier run
            _discard_empty_run(event.run_dir)
            self._show_state(f"Training failed: {event.message}", problem=True)
            self.status_message.emit(f"Training failed: {event.message}")
            self._end_progress()
        self._update_buttons()
        self.training_ended.emit(event)

    def _end_progress(self, step: int | None = None) -> None:
        """A stopped or failed run's bar keeps the progress it reached (it was reset to 0 %, as if the run had not
        begun), at its last ``step`` when known (the bar's updates are throttled: the last may not have been
        drawn); one still busy, ended before its first step, reads 0 %."""
        if step and self._total_steps:
            self.progress.setRange(0, self._total_steps)
            self.progress.setValue(min(step, self._total_steps))
        elif self.progress.maximum() == 0:
            self.progress.setRange(0, max(1, self._total_steps))
            self.progress.setValue(0)

    def _on_errored(self, message: str) -> None:
        self._on_finished(TrainingFailed(message, self._run_dir))

    def _show_state(self, text: str, problem: bool = False, refused: bool = False) -> None:
        """``problem``: why a Start failed, said until the form or a folder changes (``_clear_problem``);
        ``refused``: a Start refused, said without the last run's progress bar, whose 100 % read as the refused run's
        (the last run's figures, curves and previews stay, under their own headings: they help to fix the form)."""
        self.state_label.setText(text)
        finished = bool(self._finished_path) and text == self._finished_text  # (its model's file under it)
        keep_room = self.model_path_label.sizePolicy()  # (a refusal keeps its room, as the bar's: the figures stay put)
        keep_room.setRetainSizeWhenHidden(refused and not self.model_path_label.isHidden())
        self.model_path_label.setSizePolicy(keep_room)
        self.model_path_label.setText(self._finished_path if finished else "")
        self.model_path_label.setVisible(finished)
        self._problem_shown = problem
        self.progress.setVisible(not refused)
        if problem:  # whole here, where the status bar cuts it at a narrow window: in view, the column scrolled up to it
            self.right_scroll.ensureWidgetVisible(self.state_label, 0, 0)

    def _update_buttons(self) -> None:
        training = self.is_training()
        self.start_button.setEnabled(not training)
        self.stop_button.setEnabled(training)
        self.resume_button.setEnabled(not training and self._run_dir is not None)
        self.resume_button.setToolTip(
            f"Continue {self._run_dir.name} from its checkpoint" if self._run_dir else "No stopped run to continue"
        )
        self.recipe_box.setEnabled(not training)
        self.arch_box_group.setEnabled(not training)
        fine_tune = bool(self.start_from.currentData())
        self.arch_box.setEnabled(not training and not fine_tune)
        for widget in (self.start_from, self.device_box, self.name_edit, self.data_picker, self.val_picker):
            widget.setEnabled(not training)
        for name, box in self.log_boxes.items():
            box.setEnabled(not training and box.property("available"))


class FormProblems(ValueError):
    """Every setting of the form that cannot work: ``str()`` names them all on one line ("; " between them),
    in the form's order; ``widget`` is the first one's field (None: a problem of no one field)."""

    def __init__(self, problems: list[tuple[QWidget | None, str]], order: list[QWidget]):
        place = {id(widget): index for index, widget in enumerate(order)}
        problems = sorted(problems, key=lambda problem: place.get(id(problem[0]), len(order)))
        super().__init__("; ".join(message for _, message in problems))
        self.widget = problems[0][0]


def _model_files(folder: Path) -> tuple:
    """The folder's model files as (name, [size, time of change]) (``engine.photo.file_mark``): one stat each, no file opened."""
    from engine.photo import file_mark

    try:
        paths = sorted(folder.glob("*.safetensors"))
    except OSError:
        return ()
    return tuple((path.name, tuple(mark)) for path in paths if (mark := file_mark(path)) is not None)  # (gone since listed: left out)


def _read_stopped_run(run: Path) -> tuple:
    """On a worker: a run's summary, its metrics log's rows, its config (None: unreadable) and last previews."""
    from engine.runs import read_rows
    from engine.training import resume_config

    try:
        config = resume_config(run)
    except ValueError:
        config = None
    summary, triplets = _read_saved_results(run)
    return summary, read_rows(run), config, triplets


def _read_saved_results(run: Path) -> tuple:
    """A run's summary (its last validation metrics among them) and its last previews' (grey, prediction, original)."""
    from engine.runs import read_run
    from engine.training.runfolder import read_preview

    summary = read_run(run)
    return summary, read_preview(summary.preview) if summary.preview else []


def _skipped_tip(scan, folder: str) -> str:
    """The files a folder count left out, one a line with the reason (the summary line only counts them)."""
    lines = scan.skipped_lines(Path(folder).expanduser() if folder else None)
    return "Left out:\n" + "\n".join(lines) if lines else ""


def _steady_label(text: str, lines: int) -> QLabel:
    """A word-wrapped note that keeps the height of ``lines`` lines whatever it says (the form under it stays put)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setMinimumHeight(label.fontMetrics().boundingRect(0, 0, 1000, 0, 0, "\n".join("X" * lines)).height())
    return label


def _tracker_boxes() -> dict[str, QCheckBox]:
    """A tick box per experiment tracker; one whose package is missing is off and says how to install it."""
    from engine.training.trackers import missing

    boxes = {}
    for name, label, tip in (("tensorboard", "TensorBoard", "Event files in the run folder: tensorboard --logdir <runs folder>"),
                             ("wandb", "Weights && Biases", "Offline W&B logs in the run folder (WANDB_MODE=online streams them)")):
        box = QCheckBox(label)
        reason = missing(name)
        box.setProperty("available", reason is None)
        box.setEnabled(reason is None)
        box.setToolTip(tip if reason is None else reason.replace(f"--log {name} needs", "Needs"))
        boxes[name] = box
    return boxes


# A run folder holding only these failed before its first step: a failed Start leaves nothing behind.
EMPTY_RUN_FILES = {"config.toml", "dataset.json", "status.json", "run.lock"}


def _discard_empty_run(run_dir: Path | None) -> bool:
    """Remove a run folder that a failed Start left with nothing in it to look at or resume; True if removed.

    The engine makes a run's folder only once its model and photos are checked, so a Start refused for
    those leaves none; a run that fails right after (its first step, say) can still leave one with nothing
    in it. Only the window removes those (its Start is tried again and again while a form is being fixed).
    """
    import shutil

    if run_dir is None or not Path(run_dir).is_dir():
        return False
    try:
        if not {p.name for p in Path(run_dir).iterdir()} <= EMPTY_RUN_FILES:
            return False
        shutil.rmtree(run_dir)
    except OSError:
        return False  # left as it is: a folder too many beats an error message
    return True


def _metrics_text(loss: float, metrics: dict[str, float]) -> str:
    from engine.metrics import format_metric

    parts = [f"loss {loss:.4f}"]
    parts += [f"{label} {format_metric(name, metrics[name])}" for name, label in METRIC_LABELS.items() if name in metrics]
    return " · ".join(parts)


def _epoch_text(epoch: float) -> str:
    """'33' at the end of an epoch, '33.25' within one (not '33.00')."""
    return f"{round(epoch):,}" if abs(epoch - round(epoch)) < 0.005 else f"{epoch:,.2f}"


def _duration(seconds: float) -> str:
    from engine.runs import format_duration

    if seconds != seconds or seconds == float("inf"):  # NaN: no estimate yet
        return "estimating…"
    return format_duration(seconds)


def estimate_text(seconds: float) -> str:
    """The line under Epochs for a run estimated at ``seconds``: "Under a second" where it read "About 0 s"."""
    from engine.runs import format_duration

    about = "Under a second" if seconds < 1 else f"About {format_duration(seconds)}"
    return f"{about} on this computer (validation aside)."


def _clear_form(form: QFormLayout) -> None:
    while form.rowCount():
        form.removeRow(0)


def confirm_stop_for_close(parent: QWidget) -> bool:
    """Ask whether to stop training so the window can close (the engine's stop writes a checkpoint at its step)."""
    return confirm(
        parent, "Colourise", "A model is training. Stop it and quit?\n\n"
        "Training stops after the current step and saves a checkpoint there; Resume on the Train tab continues from it."
    )
