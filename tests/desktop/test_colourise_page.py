"""The Colourise page: drops fill the queue, photos get coloured, saving never overwrites, bad files say why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from desktop.widgets.confirm import as_typed, unbroken
from desktop.widgets.photo_queue import QueueState
from engine.photo import read_photo


def drop(window, paths: list[Path]) -> None:
    """What the system does when files are dropped on the window: drag-enter, then drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    where = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


def mean_saturation(image: QImage) -> float:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    return float((rgb.max(-1) - rgb.min(-1)).mean())


@pytest.fixture
def photos(tmp_path, grey_photo) -> dict[str, Path]:
    folder = tmp_path / "album"
    return {
        "single": grey_photo(tmp_path / "loose.png", seed=1),
        "folder": folder,
        "in_folder": grey_photo(folder / "one.jpg", seed=2),
        "nested": grey_photo(folder / "deeper" / "two.png", seed=3),
        "not_a_photo": (folder / "notes.txt").write_text("ignored: not a photo suffix") and folder / "notes.txt",
    }


def test_drop_of_files_and_a_folder_fills_the_queue_and_saves_outputs(window, qtbot, photos, tmp_path, wait_all_coloured):
    page = window.colourise_page
    drop(window, [photos["single"], photos["folder"]])
    wait_all_coloured(page, 3)
    names = [page.items[k].source.name for k in page.queue.keys()]
    assert sorted(names) == ["loose.png", "one.jpg", "two.png"]  # the .txt in the folder is not a photo
    assert all(page.queue.state(k) == QueueState.DONE for k in page.queue.keys())

    out = tmp_path / "out"
    with qtbot.waitSignal(page.saved, timeout=20_000) as saved:
        assert page.save_all_to(out)
    assert saved.args[0].succeeded == 3 and saved.args[0].failed == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["deeper/two-colourised.png", "loose-colourised.png", "one-colourised.jpg"]  # (its sub-folder kept)
    with Image.open(out / "loose-colourised.png") as im:
        assert im.mode == "RGB" and im.size == (48, 32)
        assert mean_saturation(QImage(str(out / "loose-colourised.png"))) > 3  # it has colour


def test_a_folder_dropped_again_after_saving_into_it_leaves_its_colour_versions_out(window, qtbot, photos, wait_all_coloured):
    page = window.colourise_page
    drop(window, [photos["folder"]])
    wait_all_coloured(page, 2)
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(photos["folder"])  # what Save All offers first: the photos' own folder
    assert page.clear_queue()  # (nothing unsaved: it does not ask)
    left_out = "2 colour versions Colourise saved were left out (open one by itself to colour it again)."
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("Added"), timeout=20_000) as added:
        drop(window, [photos["folder"]])
    assert added.args[0] == f"Added 2 photos to the queue; {left_out}"
    assert sorted(page.items[k].source.name for k in page.queue.keys()) == ["one.jpg", "two.png"]
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: "already" in text, timeout=20_000) as again:
        drop(window, [photos["folder"]])
    assert again.args[0] == f"Those photos are in the queue already; {left_out}"
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("Added"), timeout=20_000) as named:
        drop(window, [photos["folder"] / "one-colourised.jpg"])  # named by itself: the user asked for it
    assert named.args[0] == "Added 1 photo to the queue."
    wait_all_coloured(page, 3)
    version = next(k for k in page.queue.keys() if page.items[k].source.name == "one-colourised.jpg")
    assert page.queue.item_text(version).endswith("In colour already")  # its EXIF says Colourise saved it
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(photos["folder"].parent / "coloured only")
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("No photos"), timeout=20_000) as none:
        drop(window, [photos["folder"].parent / "coloured only"])
    assert none.args[0] == f"No photos to colour there; {left_out.replace('2 colour', '3 colour')}"


def test_a_before_and_after_is_saved_beside_and_the_photo_still_counts_as_unsaved(
    window, qtbot, photos, tmp_path, wait_all_coloured, monkeypatch
):
    page = window.colourise_page
    page.add_paths([photos["single"]])
    wait_all_coloured(page, 1)
    key = page.queue.current_key()
    assert page.save_before_after_action.isEnabled() and page.save_before_after_action in window.menuBar().actions()[0].menu().actions()
    said = []
    page.status_result.connect(lambda text, _folder: said.append(text))
    with qtbot.waitSignal(page.saved, timeout=20_000) as saved:
        assert page.save_to_file(key, tmp_path / "shared" / "loose-before-after.png", before_after=True)
    assert saved.args[0].succeeded == 1 and said[-1] == f"Saved 1 before-and-after picture to {tmp_path / 'shared'}."
    with Image.open(tmp_path / "shared" / "loose-before-after.png") as im:
        assert im.size == (2 * 48 + 2, 32)  # the 48 x 32 photo twice, a 2 px gap
        assert mean_saturation(QImage(str(tmp_path / "shared" / "loose-before-after.png")).copy(0, 0, 48, 32)) == 0  # the grey original
    assert not page.queue.item_text(key).endswith("Saved") and page.unsaved() == [key]  # its colour version is not saved yet
    assert not list((tmp_path / "shared").glob("*.hints.json"))
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _parent, title, path, _filter, **_options: offered.append((title, Path(path).name)) or ("", ""))
    page.bar.save_button.click()  # the button and the menu item each open the dialog with their own offer
    page.save_before_after_action.trigger()
    assert offered == [("Save the coloured photo", "loose-colourised.png"), ("Save the photo before and after", "loose-before-after-2.png")]  # (a free name)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    assert page.save_to_file(key, photos["single"], before_after=True) is False and "never overwrites originals" in warned[0]


def test_a_folder_of_files_colourise_does_not_read_says_what_was_left_out(window, qtbot, tmp_path):
    folder = tmp_path / "gifs"
    (folder / "deeper").mkdir(parents=True)
    Image.new("L", (8, 8)).save(folder / "grandma.gif")
    page = window.colourise_page
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("No photos"), timeout=20_000) as none:
        page.add_paths([folder])
    # was: "No photos to colour there." with no word of the GIF
    assert none.args[0] == "No photos to colour there; 1 GIF file was left out (Colourise reads JPEG, PNG, TIFF, BMP and WebP)."
    Image.new("L", (8, 8)).save(folder / "deeper" / "a.gif")
    (folder / "deeper" / "notes.txt").write_text("not a photo")
    (folder / "README").write_text("no suffix")
    (folder / ".hidden.gif").write_bytes(b"left out as find_photos leaves it out: unsaid")
    (folder / "a-colourised.png.hints.json").write_text('{"points": []}')  # Colourise's own: unsaid
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("No photos"), timeout=20_000) as none:
        page.add_paths([folder])
    assert none.args[0] == (
        "No photos to colour there; 2 GIF files, 1 TXT file and 1 file without a suffix were left out (Colourise reads JPEG, PNG, TIFF, BMP and WebP)."
    )


def test_rows_of_photos_in_sub_folders_name_their_sub_folder_and_come_in_a_file_managers_order(window, qtbot, tmp_path, grey_photo):
    """Two rows read "1908FamilyPhoto.jpg", one of the opened folder's, one of its sub-folder family/'s, told apart by
    their tooltips alone; and the rows ran upper-case names first, then lower-case ones with family/'s photos among
    them (found by QA)."""
    import os

    folder = tmp_path / "scans"
    for name in ("1908FamilyPhoto.jpg", "Zebra.png", "apple.png", "family/1908FamilyPhoto.jpg", "family/Aunt.png"):
        grey_photo(folder / name)
    loose = grey_photo(tmp_path / "loose.png")
    page = window.colourise_page
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("Added"), timeout=20_000):
        page.add_paths([folder, loose])
    rows = [page.queue.item_text(key).split("\n")[0] for key in page.queue.keys()]
    in_family = os.path.join("family", "")
    assert rows == ["loose.png", "1908FamilyPhoto.jpg", "apple.png", "Zebra.png", f"{in_family}1908FamilyPhoto.jpg", f"{in_family}Aunt.png"]
    assert [page.items[key].source.name for key in page.queue.keys()][4] == "1908FamilyPhoto.jpg"  # (saved by its own name)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_in_a_folder_is_left_out_and_said_not_queued_to_fail(window, qtbot, photos):
    """A FIFO called pipe.png in an opened folder got a row that said "Failed: not a regular file"; it is no photo."""
    import os

    os.mkfifo(photos["folder"] / "pipe.png")
    page = window.colourise_page
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("Added"), timeout=20_000) as added:
        page.add_paths([photos["folder"]])  # (the pipe is looked at, never opened: that would wait for a writer forever)
    assert added.args[0] == "Added 2 photos to the queue; pipe.png was left out (not a regular file)."
    assert sorted(page.items[k].source.name for k in page.queue.keys()) == ["one.jpg", "two.png"]


def test_save_refuses_the_original_before_asking_to_replace_and_offers_the_dialog_again(window, qtbot, photos, tmp_path_factory, wait_all_coloured, monkeypatch):
    """Typing the original's name once asked "replace it?", then refused, then closed the dialog."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    page = window.colourise_page
    page.add_paths([photos["single"]])
    wait_all_coloured(page, 1)
    # (outside the photos' folders, where a file Colourise did not save is protected too)
    taken = tmp_path_factory.mktemp("elsewhere") / "taken.png"
    taken.write_bytes(b"someone else's file")
    beside = photos["single"].with_name("retouched.png")  # beside the photo, a file Colourise did not save
    beside.write_bytes(b"a colour version touched up by hand")
    answers = [str(photos["single"]), str(beside), str(taken), str(taken)]
    offered, warned, asked = [], [], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _parent, _title, path, _filter, **_options: offered.append(Path(path)) or (answers.pop(0), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    replies = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, _title, text, *_buttons: asked.append(text) or replies.pop(0))
    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_selected()
    assert len(warned) == 2 and all("never overwrites originals" in text for text in warned)  # refused, not asked about
    assert "did not save" in warned[1]
    assert asked == [f"taken.png already exists in the folder\n{unbroken(taken.parent)}\nReplace it?"] * 2  # No: the dialog again; Yes: saved
    assert as_typed(unbroken(taken.parent)) == str(taken.parent)  # (the folder on a line of its own, never broken inside)
    assert offered[1:] == [photos["single"], beside, taken]  # each time the dialog opens where the refused name was
    assert beside.read_bytes() == b"a colour version touched up by hand"
    assert Image.open(taken).size == (48, 32)


def test_save_refuses_a_name_too_long_for_the_disk_and_opens_the_dialog_again(window, qtbot, photos, tmp_path, wait_all_coloured, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    page = window.colourise_page
    page.add_paths([photos["single"]])
    wait_all_coloured(page, 1)
    too_long, fine = tmp_path / ("grandma " * 40 + ".png"), tmp_path / "grandma.png"
    answers, warned = [str(too_long), str(fine)], []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_options: (answers.pop(0), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_selected()  # (raised OSError on the UI thread: the click did nothing and said nothing)
    assert warned == [f"{unbroken('grandma grandma grandma grandma grandma …grandma .png')}\nfile name too long. Choose another name."]
    assert Image.open(fine).size == (48, 32)


def test_selected_photo_shows_before_and_after_at_full_size(window, qtbot, photos):
    page = window.colourise_page
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([photos["single"]])
    view = page.view
    assert view.before is not None and view.after is not None
    assert (view.after.image.width(), view.after.image.height()) == (48, 32)
    assert mean_saturation(view.before.image) == 0  # the grey original
    assert view.accessibleName() == "Before and after: loose.png"  # what a screen reader says of the view
    assert mean_saturation(view.after.image) > 3


def test_strength_slider_recolours_the_shown_photo(window, qtbot, photos):
    page = window.colourise_page
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([photos["single"]])
    full = mean_saturation(page.view.after.image)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(0)
    assert mean_saturation(page.view.after.image) == 0  # strength 0: grey
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(200)
    assert mean_saturation(page.view.after.image) > full  # twice the colour
    assert page.bar.strength_label.text() == "200\u00a0%"


@pytest.fixture
def folder_of_seven(tmp_path, grey_photo, monkeypatch) -> Path:
    """A folder of seven photos, queued three a turn (a folder of thousands, in miniature)."""
    import desktop.colourise_page

    monkeypatch.setattr(desktop.colourise_page, "QUEUED_A_TURN", 3)
    for index in range(7):
        grey_photo(tmp_path / "scans" / f"scan-{index}.png", seed=index)
    return tmp_path / "scans"


def test_a_folder_of_many_photos_is_queued_in_turns_each_photo_once(window, qtbot, folder_of_seven, wait_all_coloured):
    page = window.colourise_page
    said = []

    def on_status(text: str) -> None:
        said.append(text)
        if text.startswith("Adding photos: 3 of 7"):
            page.add_paths([folder_of_seven])  # the same folder again, while it is being queued

    page.status_message.connect(on_status)
    page.add_paths([folder_of_seven])
    qtbot.waitUntil(lambda: any(text.startswith("Added 7 photos") for text in said), timeout=10_000)
    qtbot.waitUntil(lambda: "Those photos are in the queue already." in said, timeout=10_000)
    assert [text for text in said if text.startswith("Adding")] == ["Adding photos: 3 of 7…", "Adding photos: 6 of 7…"]
    assert [page.items[key].source.name for key in page.queue.keys()] == [f"scan-{index}.png" for index in range(7)]
    assert page.items[page.queue.current_key()].source.name == "scan-0.png"
    wait_all_coloured(page, 7)


def test_clearing_the_queue_while_a_folder_is_being_queued_stops_its_other_turns(window, qtbot, folder_of_seven):
    page = window.colourise_page
    said, cleared = [], []

    def on_status(text: str) -> None:
        said.append(text)
        if text.startswith("Adding photos: 3 of 7") and len(page.queue.keys()) == 3 and not cleared:
            cleared.append(page.clear_queue())

    page.status_message.connect(on_status)
    page.add_paths([folder_of_seven])
    qtbot.waitUntil(lambda: any(text.startswith("Cleared the queue (3 photos)") for text in said), timeout=10_000)
    qtbot.wait(50)  # turns that were due run now, and must find the round over (nothing else signals it)
    assert cleared == [True] and page.queue.keys() == [] and not any(text.startswith("Added") for text in said)
    page.add_paths([folder_of_seven])  # the same photos can be opened again at once
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 7, timeout=10_000)


def test_a_bad_file_shows_its_reason_and_the_others_go_on(window, qtbot, photos, tmp_path, wait_all_coloured):
    page = window.colourise_page
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    page.add_paths([broken, photos["single"]])
    wait_all_coloured(page, 2)
    by_name = {page.items[k].source.name: k for k in page.queue.keys()}
    assert page.queue.state(by_name["broken.jpg"]) == QueueState.FAILED
    reason = page.queue.reason(by_name["broken.jpg"])
    assert reason and "broken.jpg" not in reason  # the item names the file already; the reason says why
    assert reason in page.queue.item_text(by_name["broken.jpg"])
    assert page.queue.state(by_name["loose.png"]) == QueueState.DONE


def b_shown_and_a_failing_when_told(page, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    """Photos A and B coloured, B shown; from now on A, when shown, is a slow unreadable photo that fails once
    the returned event is set. -> (a, b, event)"""
    import threading

    import desktop.colourise_preview
    from engine.errors import PhotoError

    page.add_paths([grey_photo(tmp_path / "a.png", seed=1), grey_photo(tmp_path / "b.png", seed=2)])
    wait_all_coloured(page, 2)
    a, b = page.queue.keys()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == b and final, timeout=20_000):
        page.queue.select(b)
    a_fails = threading.Event()
    real_show_item = desktop.colourise_preview.show_item

    def show_item(generation, key, source, *args, state):
        if key == a:
            a_fails.wait(20)
            raise PhotoError(source.path, "truncated or corrupt")
        return real_show_item(generation, key, source, *args, state=state)

    monkeypatch.setattr(desktop.colourise_preview, "show_item", show_item)
    return a, b, a_fails


def test_a_photo_that_fails_to_show_after_another_was_selected_marks_only_itself_failed(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    """Selecting A, then B before A's decode failed, marked B failed (the error took the shown photo's key)."""
    page = window.colourise_page
    a, b, a_fails = b_shown_and_a_failing_when_told(page, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured)
    page.queue.select(a)
    page.queue.select(b)  # (A fails only once B has been selected)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == b and final, timeout=20_000):
        a_fails.set()
    qtbot.waitUntil(lambda: page.queue.state(a) == QueueState.FAILED, timeout=20_000)  # (B's view may come first)
    assert page.queue.state(b) == QueueState.DONE and page.bar.save_button.isEnabled()
    assert page.queue.item_text(a) == "a.png\nFailed: truncated or corrupt"  # A's own row says why
    assert page.view.after is not None and page.view.accessibleName() == "Before and after: b.png"


def test_a_photo_removed_while_it_is_shown_says_nothing_when_its_colouring_fails_after(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    """Removing the photo being opened left a late status line about it ("a.png: truncated or corrupt") once its job failed."""
    page = window.colourise_page
    a, b, a_fails = b_shown_and_a_failing_when_told(page, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured)
    page.queue.select(a)
    said = []
    page.status_message.connect(said.append)
    assert page.remove_photos([a])  # (B is shown again: its job waits behind A's on the one photo lane; A fails once gone)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == b and final, timeout=20_000):
        a_fails.set()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert not [line for line in said if "a.png" in line or "corrupt" in line], said
    assert page.queue.keys() == [b] and page.queue.state(b) == QueueState.DONE and page.queue.selected_keys() == [b]


def test_saving_never_overwrites_originals_or_existing_files(window, qtbot, tmp_path, monkeypatch, grey_photo, wait_all_coloured):
    page = window.colourise_page
    folder = tmp_path / "photos"
    original = grey_photo(folder / "a.png")
    original_bytes = original.read_bytes()
    page.add_paths([original])
    wait_all_coloured(page, 1)

    existing = folder / "a-colourised.png"
    existing.write_bytes(b"precious")  # not saved by Colourise, in the photos' own folder: an original
    asked = []
    monkeypatch.setattr(page, "ask_replace", lambda paths: asked.append(paths) or "keep")
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(folder)  # the photos' own folder
    assert asked == []  # not even offered for replacing: saved beside it
    assert existing.read_bytes() == b"precious"
    assert original.read_bytes() == original_bytes
    assert (folder / "a-colourised-2.png").is_file()

    monkeypatch.setattr(page, "ask_replace", lambda paths: "cancel")
    assert not page.save_all_to(folder)
    assert not (folder / "a-colourised-3.png").exists()

    # Saving one photo onto its own original is refused outright.
    warnings = []
    monkeypatch.setattr("desktop.colourise_page.QMessageBox.warning", lambda *a: warnings.append(a[2]))
    assert not page.save_to_file(page.queue.keys()[0], original)
    assert "never overwrites originals" in warnings[0]
    assert original.read_bytes() == original_bytes


def test_replace_never_writes_a_photo_colourise_did_not_save_in_the_photos_folder(window, qtbot, tmp_path, monkeypatch, grey_photo, wait_all_coloured):
    # photos/a.png is queued; photos/a-colourised.png is a scan of the user's that is not in the queue
    page = window.colourise_page
    folder = tmp_path / "photos"
    page.add_paths([grey_photo(folder / "a.png")])
    wait_all_coloured(page, 1)
    scan = grey_photo(folder / "a-colourised.png")
    scan_bytes = scan.read_bytes()
    monkeypatch.setattr(page, "ask_replace", lambda paths: "replace")
    with qtbot.waitSignal(page.saved, timeout=60_000):
        assert page.save_all_to(folder)
    assert scan.read_bytes() == scan_bytes
    assert read_photo(folder / "a-colourised-2.png").pixels.ndim == 3
    assert page.queue.state(page.queue.keys()[0]) == QueueState.DONE  # the photo itself did not fail
    warnings = []
    monkeypatch.setattr("desktop.colourise_page.QMessageBox.warning", lambda *a: warnings.append(a[2]))
    assert not page.save_to_file(page.queue.keys()[0], scan)
    assert warnings == [f"{unbroken('a-colourised.png')}\nthat is a photo Colourise did not save; Colourise never overwrites originals. Choose another name."]
    assert scan.read_bytes() == scan_bytes
    with qtbot.waitSignal(page.saved, timeout=60_000):  # the colour version it saved is its own to replace
        assert page.save_to_file(page.queue.keys()[0], folder / "a-colourised-2.png")


def test_replace_when_the_user_says_so(window, qtbot, tmp_path, monkeypatch, grey_photo, wait_all_coloured):
    page = window.colourise_page
    page.add_paths([grey_photo(tmp_path / "in" / "b.png")])
    wait_all_coloured(page, 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "b-colourised.png").write_bytes(b"old")
    monkeypatch.setattr(page, "ask_replace", lambda paths: "replace")
    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_all_to(out)
    assert (out / "b-colourised.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in out.iterdir()) == ["b-colourised.png"]


def test_paste_an_image_and_save_it_as_png(window, qtbot, tmp_path, wait_all_coloured):
    page = window.colourise_page
    image = QImage(40, 30, QImage.Format.Format_RGB888)
    image.fill(QColor(90, 90, 90))
    QGuiApplication.clipboard().setImage(image)
    page.paste()
    wait_all_coloured(page, 1)
    key = page.queue.keys()[0]
    assert page.items[key].source.name == "pasted-1.png"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_all_to(tmp_path / "out")
    assert (tmp_path / "out" / "pasted-1-colourised.png").is_file()


def test_format_choice_and_a_second_model(window, qtbot, tmp_path, library_dir, grey_photo, save_lineage_model, wait_all_coloured):
    save_lineage_model(library_dir / "beta-ish.safetensors", seed=1)
    window.library.refresh()
    page = window.colourise_page
    page.add_paths([grey_photo(tmp_path / "c.png")])
    wait_all_coloured(page, 1)
    first = page.items[page.queue.keys()[0]].thumbs.copy()
    assert page.select_model("beta-ish")
    wait_all_coloured(page, 1)
    assert len(page.items[page.queue.keys()[0]].thumbs) == len(first) + 1  # a prediction per model
    page.format_box.setCurrentIndex(page.format_box.findData("jpg"))
    with qtbot.waitSignal(page.saved, timeout=20_000):
        page.save_all_to(tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["c-colourised.jpg"]


def test_cancel_stops_the_queue(window, qtbot, tmp_path, grey_photo):
    page = window.colourise_page
    page.cancel()  # nothing running: harmless
    paths = [grey_photo(tmp_path / "many" / f"{i}.png", seed=i) for i in range(6)]
    page.add_paths(paths)
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 6)
    page.cancel()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    states = [page.queue.state(k) for k in page.queue.keys()]
    assert QueueState.WORKING not in states
    assert QueueState.WAITING in states  # the rest waits for the next go


def test_no_models_says_what_to_do(qtbot, library_dir, save_lineage_model):
    from desktop.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    page = win.colourise_page
    assert page.notice.isVisibleTo(win)
    assert "No models yet" in page.notice.text()
    assert not page.bar.save_all_button.isEnabled()
    save_lineage_model(library_dir / "fresh.safetensors")
    qtbot.waitUntil(lambda: page.current_model_name() == "fresh", timeout=10_000)  # the folder watcher saw it
    assert not page.notice.isVisibleTo(win)
    win.close()


def test_the_model_choice_and_strength_are_remembered(window, qtbot, library_dir, save_lineage_model):
    from desktop.main_window import MainWindow

    save_lineage_model(library_dir / "zeta.safetensors")
    window.library.refresh()
    window.colourise_page.select_model("zeta")
    window.colourise_page.strength.setValue(140)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.colourise_page.current_model_name() == "zeta"
    assert again.colourise_page.strength.value() == 140
    again.close()


@pytest.mark.parametrize("training", ['"a string"', "null", "[1, 2]", "3.5", '{"epochs": "x", "metrics": [], "data": 1}'])
def test_the_window_starts_with_odd_model_files_in_the_library(qtbot, library_dir, save_lineage_model, training):
    """One odd file must never stop the app: it is listed (unknown fields) or shown as unreadable."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    from desktop.main_window import MainWindow

    good = save_lineage_model(library_dir / "good.safetensors")
    with safe_open(str(good), framework="pt") as f:
        metadata, tensors = dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}
    save_file(tensors, str(library_dir / "odd.safetensors"), metadata={**metadata, "training": training})
    save_file(tensors, str(library_dir / "bad-config.safetensors"), metadata={**metadata, "config": "[1]"})
    (library_dir / "garbage.safetensors").write_bytes(b"not a model")
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    page = win.colourise_page
    qtbot.waitUntil(lambda: page.current_model_name() in ("good", "odd"), timeout=10_000)
    win.close()


def test_a_photo_in_colour_already_says_so_in_its_row(window, qtbot, tmp_path, grey_photo, colour_photo, wait_all_coloured):
    from desktop.widgets.photo_queue import IN_COLOUR_TIP

    page = window.colourise_page
    page.add_paths([grey_photo(tmp_path / "grey.png"), colour_photo(tmp_path / "colour.png")])
    wait_all_coloured(page, 2)
    rows = {page.queue.item(row).text().split("\n")[0]: page.queue.item(row) for row in range(2)}
    assert rows["grey.png"].text() == "grey.png\nDone" and IN_COLOUR_TIP not in rows["grey.png"].toolTip()
    assert rows["colour.png"].text() == "colour.png\nDone · In colour already" and IN_COLOUR_TIP in rows["colour.png"].toolTip()


def test_a_photo_removed_while_it_is_being_coloured_is_not_reported_finished(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    """A colouring job that ended after its photo left the queue still announced that photo finished
    (``item_finished``: hints were loaded for it, its row set in colour)."""
    import threading

    import desktop.colourise_page
    from engine.task import TaskState

    page = window.colourise_page
    started, go_on = threading.Event(), threading.Event()
    real_prepare_item = desktop.colourise_page.prepare_item

    def prepare_item(key, source, *args, state):
        if source.name == "a.png":  # a slow photo: it finishes only once it has left the queue, not stopping early
            started.set()
            go_on.wait(20)
            return real_prepare_item(key, source, *args, state=TaskState())
        return real_prepare_item(key, source, *args, state=state)

    monkeypatch.setattr(desktop.colourise_page, "prepare_item", prepare_item)
    finished = []
    page.item_finished.connect(finished.append)
    page.add_paths([grey_photo(tmp_path / "a.png", seed=1), grey_photo(tmp_path / "b.png", seed=2)])
    qtbot.waitUntil(lambda: started.is_set() and len(page.queue.keys()) == 2, timeout=20_000)
    a, b = page.queue.keys()
    assert page.remove_photos([a])
    go_on.set()
    wait_all_coloured(page, 1)
    assert a not in finished and b in finished
    assert page.queue.keys() == [b] and a not in page.items


def test_save_all_keeps_the_sub_folders_of_the_folder_the_photos_were_opened_from(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    """Save All wrote every photo into one flat folder: the family/ copy became 1908FamilyPhoto-colourised-2.png, and
    two photos of one name from two folders could no longer be told apart. It keeps sub-folders, as ``colourise images`` does."""
    photos = tmp_path / "photos"
    for relative in ("1908FamilyPhoto.jpg", "family/1908FamilyPhoto.jpg", "travel/1920s/x.jpg"):
        grey_photo(photos / relative, seed=len(relative))
    loose = grey_photo(tmp_path / "loose.png")
    page = window.colourise_page
    page.add_paths([photos, loose])
    wait_all_coloured(page, 4)
    page.format_box.setCurrentIndex(page.format_box.findData("png"))
    out = photos / "coloured"
    with qtbot.waitSignal(page.saved, timeout=20_000) as saved:
        assert page.save_all_to(out)
    assert saved.args[0].succeeded == 4
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.png"))
    assert written == [
        "1908FamilyPhoto-colourised.png", "family/1908FamilyPhoto-colourised.png", "loose-colourised.png", "travel/1920s/x-colourised.png",
    ]
