"""A drop-down of the model library: bundled models marked, unreadable ones and those of an unknown architecture
shown but not choosable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from engine.library import LibraryEntry


class ModelPicker(QComboBox):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setToolTip("The model that colours the photos (bundled and your own)")
        self.setMinimumContentsLength(16)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    def fill(self, entries: list[LibraryEntry], choice: str | None) -> None:
        """List ``entries`` (each with its description as tooltip) and select ``choice``, without signalling."""
        self.blockSignals(True)
        self.clear()
        for entry in entries:
            self.addItem(entry.name + (" (bundled)" if entry.bundled else ""), entry.name)
            index = self.count() - 1
            if entry.info is None or entry.problem:  # (it would fail on every photo)
                self.model().item(index).setEnabled(False)
                self.setItemData(index, entry.problem or f"Unreadable: {entry.error}", Qt.ItemDataRole.ToolTipRole)
            else:
                description = entry.info.training.get("description") or f"architecture {entry.info.arch}"
                self.setItemData(index, description, Qt.ItemDataRole.ToolTipRole)
        if choice is not None:
            self.setCurrentIndex(self.findData(choice))
        self.blockSignals(False)

    def select(self, name: str) -> bool:
        """Choose model ``name``; False when it is not listed or cannot be chosen (unreadable, an unknown architecture)."""
        index = self.findData(name)
        if index < 0 or not self.model().item(index).isEnabled():
            return False
        self.setCurrentIndex(index)
        return True
