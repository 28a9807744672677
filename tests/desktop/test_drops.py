"""Drops onto the window: files however the source sends them, drag-enter's list as the fallback, a word when nothing is usable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop.drops import local_paths


def _mime(urls=(), uri_list: bytes | None = None, text: str | None = None, html: str | None = None) -> QMimeData:
    mime = QMimeData()
    if urls:
        mime.setUrls([QUrl.fromLocalFile(str(u)) for u in urls])
    if uri_list is not None:
        mime.setData("text/uri-list", QByteArray(uri_list))
    if text is not None:
        mime.setText(text)
    if html is not None:
        mime.setHtml(html)
    return mime


def test_local_paths_read_every_way_a_file_manager_sends_files(tmp_path):
    a, b = tmp_path / "a b.png", tmp_path / "ü.jpg"
    a.write_bytes(b"x")
    b.write_bytes(b"x")
    assert local_paths(_mime(urls=[a])) == [a]
    raw = f"# dragged from a file manager\r\n{QUrl.fromLocalFile(str(a)).toString(QUrl.ComponentFormattingOption.FullyEncoded)}\r\n{QUrl.fromLocalFile(str(b)).toEncoded().data().decode()}\r\n"
    assert local_paths(_mime(uri_list=raw.encode())) == [a, b]
    assert local_paths(_mime(text=f"{a}\n{b}\n")) == [a, b]
    assert local_paths(_mime(text="just some words")) == []
    assert local_paths(_mime(urls=[a], uri_list=QUrl.fromLocalFile(str(a)).toEncoded().data())) == [a]  # no repeats
    assert local_paths(_mime(uri_list=b"https://example.org/photo.jpg\r\n")) == []  # not a local file
    assert local_paths(None) == []


def _drag(window, enter_mime: QMimeData, drop_mime: QMimeData) -> QDropEvent:
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(QPointF(50, 50), actions, enter_mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), actions, drop_mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return drop


def test_a_drop_with_an_empty_url_list_uses_what_drag_enter_carried(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    photos = [grey_photo(tmp_path / f"p{i}.png", seed=i) for i in range(2)]
    window.show_tab("Models")
    drop = _drag(window, _mime(urls=photos), QMimeData())  # as the X11 drop arrived: no URLs at all
    assert drop.isAccepted()
    assert window.tabs.currentIndex() == 0
    wait_all_coloured(window.colourise_page, 2)
    assert sorted(Path(item.source.path) for item in window.colourise_page.items.values()) == photos


def test_a_drop_of_uri_list_bytes_only_adds_the_files(window, tmp_path, grey_photo, wait_all_coloured):
    photo = grey_photo(tmp_path / "only bytes.png")
    raw = b"#comment\r\n" + QUrl.fromLocalFile(str(photo)).toEncoded().data() + b"\r\n"
    _drag(window, _mime(uri_list=raw), _mime(uri_list=raw))
    wait_all_coloured(window.colourise_page, 1)


def test_a_drop_holding_nothing_usable_says_so(window, qtbot):
    mime = _mime(html="<b>bold words</b>")
    mime.setData("text/uri-list", QByteArray(b"https://example.org/\r\n"))
    drop = _drag(window, mime, mime)
    assert not drop.isAccepted()
    message = window.statusBar().currentMessage()
    assert message.startswith("Nothing to add: the drop held no files or picture") and "text/html" in message
    assert window.colourise_page.items == {}


def test_a_dropped_model_file_is_imported_and_photos_beside_it_are_queued(window, qtbot, tmp_path, grey_photo, save_lineage_model, library_dir, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    model = save_lineage_model(tmp_path / "downloads" / "grandpas-model.safetensors", seed=3)
    pickle = tmp_path / "downloads" / "old.pth"
    pickle.write_bytes(b"not opened")
    photo = grey_photo(tmp_path / "p.png")
    with qtbot.waitSignal(window.models_page.imported, timeout=20_000):
        _drag(window, _mime(urls=[model, pickle, photo]), _mime(urls=[model, pickle, photo]))
    assert (library_dir / "grandpas-model.safetensors").is_file()
    assert window.library.find("grandpas-model") is not None
    assert warned and "old.pth: not a .safetensors model file" in warned[0]
    qtbot.waitUntil(lambda: len(window.colourise_page.queue.keys()) == 1)  # only the photo joined the queue
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Colourise"
