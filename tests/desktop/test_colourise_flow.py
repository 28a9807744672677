"""The Colourise page's flow around the queue: Cancel and Colour the Rest, Save All, Clear Queue, what is selected."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from desktop.colourise_page import EMPTY_TEXT
from desktop.colourise_queue import QueueState
from desktop.widgets.confirm import unbroken


def _queue(page, qtbot, paths) -> None:
    page.add_paths(paths)
    qtbot.waitUntil(lambda: len(page.queue.keys()) == len(paths))


def test_after_cancel_the_bar_goes_and_colour_the_rest_finishes_the_queue(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / f"{i}.png", seed=i) for i in range(6)])
    page.cancel()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    waiting = page.photos.counts()[QueueState.WAITING]
    assert waiting > 0
    assert page.progress_row.isHidden()  # no stale "Colouring 3 of 6 [Cancel]"
    assert not page.paused_row.isHidden() and f"{waiting} photo" in page.paused_row.label.text()
    assert page.colour_rest_action.isEnabled() and not page.cancel_action.isEnabled()
    assert page.colour_rest_action in window.findChildren(type(page.colour_rest_action))
    page.paused_row.button.click()
    wait_all_coloured(page, 6)
    assert page.paused_row.isHidden() and not page.colour_rest_action.isEnabled() and page.progress_row.isHidden()


def test_the_progress_counts_every_queued_photo(window, qtbot, tmp_path, grey_photo):
    page = window.colourise_page
    texts = []
    original = page.progress_row.show_step
    page.progress_row.show_step = lambda text, *a, **k: (texts.append(text), original(text, *a, **k))
    _queue(page, qtbot, [grey_photo(tmp_path / f"{i}.png", seed=i) for i in range(5)])
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=30_000)
    colouring = [t for t in texts if t.startswith("Colouring")]
    assert colouring and all(t.endswith("of 5") for t in colouring), colouring


def test_save_all_shows_the_photos_it_coloured_as_done(window, qtbot, tmp_path, grey_photo):
    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / f"{i}.png", seed=i) for i in range(4)])
    page.cancel()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert page.photos.counts()[QueueState.WAITING] > 0
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_all_to(tmp_path / "out")
    qtbot.waitUntil(lambda: all(page.photos.state(k) == QueueState.DONE for k in page.photos.keys()), timeout=30_000)
    for key in page.photos.keys():
        assert not page.queue.item(page.queue.keys().index(key)).icon().isNull()
        assert page.photos.items[key].thumbs  # a coloured thumbnail, not a blank page
        shown = page.queue.iconSize().width() * page.queue.devicePixelRatioF()
        assert all(max(t.width(), t.height()) <= shown for t in page.photos.items[key].thumbs.values())  # kept as shown
    assert len(list((tmp_path / "out").iterdir())) == 4
    assert page.paused_row.isHidden() and not page.colour_rest_action.isEnabled()  # none waits any more


def test_save_all_again_as_bmp_in_the_photos_folder_offers_to_replace_what_it_saved(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    """BMP has no room for the tag that says Colourise saved a file: what this window saved is its own all the same."""
    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / f"{i}.bmp", seed=i) for i in range(2)])
    wait_all_coloured(page, 2)
    page.bar.format_box.setCurrentIndex(page.bar.format_box.findData("same"))  # BMP photos saved as BMP
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_all_to(tmp_path)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=30_000)  # (the save's job ends after it says it saved)
    asked = []
    page.ask_replace = lambda existing: asked.append(sorted(p.name for p in existing)) or "replace"
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_all_to(tmp_path)
    assert asked == [["0-colourised.bmp", "1-colourised.bmp"]]  # not saved beside them as 0-colourised-2.bmp
    assert sorted(p.name for p in tmp_path.glob("*-colourised*.bmp")) == ["0-colourised.bmp", "1-colourised.bmp"]


def test_bmps_saved_in_the_photos_folder_in_an_earlier_session_are_offered_to_replace_too(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    """The queue's record of what it saved goes with the queue; the folder's own record (engine.photo.SAVED_RECORD) stays."""
    page = window.colourise_page
    photos = [grey_photo(tmp_path / f"{i}.bmp", seed=i) for i in range(2)]
    _queue(page, qtbot, photos)
    wait_all_coloured(page, 2)
    page.bar.format_box.setCurrentIndex(page.bar.format_box.findData("same"))
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_all_to(tmp_path)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=30_000)
    assert page.clear_queue()  # (all saved: it does not ask)
    _queue(page, qtbot, photos)
    wait_all_coloured(page, 2)
    asked = []
    page.ask_replace = lambda existing: asked.append(sorted(p.name for p in existing)) or "replace"
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_all_to(tmp_path)
    assert asked == [["0-colourised.bmp", "1-colourised.bmp"]]  # was: none asked, saved beside them as -2
    assert sorted(p.name for p in tmp_path.glob("*-colourised*.bmp")) == ["0-colourised.bmp", "1-colourised.bmp"]


def test_clear_queue_asks_when_coloured_photos_are_unsaved_then_shows_the_empty_hint(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / f"{i}.png", seed=i) for i in range(3)])
    wait_all_coloured(page, 3)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, title, text, *a: asked.append(text) or QMessageBox.StandardButton.No)
    assert not page.clear_queue()
    assert "3 coloured photos have not been saved" in asked[-1] and len(page.queue.keys()) == 3
    with qtbot.waitSignal(page.saved, timeout=30_000):
        page.save_all_to(tmp_path / "out")
    asked.clear()
    assert page.clear_queue()  # everything saved: nothing to lose, nothing asked
    assert asked == [] and page.queue.keys() == []
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=10_000)
    assert page.view._placeholder == EMPTY_TEXT and "File > Open Sample Photos" in EMPTY_TEXT


def test_added_photos_are_selected(window, qtbot, tmp_path, grey_photo):
    from PySide6.QtGui import QImage

    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / "first.png")])
    page.add_paths([grey_photo(tmp_path / "second.png", seed=1), grey_photo(tmp_path / "third.png", seed=2)])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 3)
    assert page.items[page.queue.current_key()].source.name == "second.png"
    image = QImage(20, 10, QImage.Format.Format_RGB32)
    image.fill(0x808080)
    key = page.add_image(image)
    assert page.queue.current_key() == key


def test_save_offers_a_free_name_then_the_file_it_saved_before(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    from desktop import settings

    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / "pier.png")])
    wait_all_coloured(page, 1)
    key = page.queue.current_key()
    out = tmp_path / "out"
    out.mkdir()
    (out / "pier-colourised.png").write_bytes(b"an earlier session's photo")
    settings.write("folders/save", str(out))
    assert page.suggested_save_path(key) == out / "pier-colourised-2.png"  # never the taken name first
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_to_file(key, out / "mine.png")
    assert page.suggested_save_path(key) == out / "mine.png"  # saving again updates it (the dialog asks)
    page.bar.format_box.setCurrentIndex(page.bar.format_box.findData("jpg"))
    assert page.suggested_save_path(key) == out / "pier-colourised.jpg"  # another format: another file


def test_save_offers_a_photo_from_a_sub_folder_in_the_sub_folder_save_all_uses_made_only_when_saved_there(
    window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured
):
    """Save (Ctrl+S) offered family/1908FamilyPhoto.jpg, from a folder opened, in the last save folder itself, beside the
    other 1908FamilyPhoto's colours, where Save All puts it in out/family/."""
    from PySide6.QtWidgets import QFileDialog

    from desktop import settings

    page = window.colourise_page
    photos = tmp_path / "photos"
    for seed, place in enumerate(("1908FamilyPhoto.jpg", "family/1908FamilyPhoto.jpg", "family/1912Wedding.jpg")):
        grey_photo(photos / place, seed=seed)
    page.add_paths([photos])
    wait_all_coloured(page, 3)
    key = {page.items[key].source.path: key for key in page.photos.keys()}
    family = key[photos / "family" / "1908FamilyPhoto.jpg"]
    assert page.suggested_save_path(family) == photos / "family" / "1908FamilyPhoto-colourised.jpg"  # never saved: beside it
    out = tmp_path / "out"
    out.mkdir()
    settings.write("folders/save", str(out))
    assert page.suggested_save_path(key[photos / "1908FamilyPhoto.jpg"]) == out / "1908FamilyPhoto-colourised.jpg"
    assert page.suggested_save_path(family) == out / "family" / "1908FamilyPhoto-colourised.jpg"

    page.queue.select(family)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, offer, *_a, **_k: offered.append((offer, Path(offer).parent.is_dir())) or ("", ""))
    page.save_action.trigger()
    # The dialog opens in the sub-folder (one not there, it opens elsewhere), and cancelled, leaves none behind.
    assert offered == [(str(out / "family" / "1908FamilyPhoto-colourised.jpg"), True)]
    assert os.listdir(out) == []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, offer, *_a, **_k: (offer, ""))
    with qtbot.waitSignal(page.saved, timeout=30_000):
        page.save_action.trigger()
    assert os.listdir(out / "family") == ["1908FamilyPhoto-colourised.jpg"] and page.queue.item_text(family).endswith("Saved")
    # The last save folder is still out, not out/family: the next photo of family/ goes beside it, not into family/family/.
    assert page.suggested_save_path(key[photos / "family" / "1912Wedding.jpg"]) == out / "family" / "1912Wedding-colourised.jpg"


def test_a_save_declined_or_failed_leaves_no_sub_folder_it_made_and_a_declined_one_says_it_did_not_start(
    window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured
):
    """Save (Ctrl+S) makes the sub-folder it offers (out/family/) and takes it away unless the photo is saved there. A Save
    declined while another save ran ("Still saving the previous photos.") said it had started, and it, like a save whose
    write failed, left that sub-folder behind, empty."""
    import errno

    from PySide6.QtWidgets import QFileDialog

    from desktop import settings

    page = window.colourise_page
    photos = tmp_path / "photos"
    for seed, place in enumerate(("1912Wedding.jpg", "family/1908FamilyPhoto.jpg")):
        grey_photo(photos / place, seed=seed)
    page.add_paths([photos])
    wait_all_coloured(page, 2)
    key = {page.items[key].source.path: key for key in page.photos.keys()}
    wedding, family = key[photos / "1912Wedding.jpg"], key[photos / "family" / "1908FamilyPhoto.jpg"]
    out = tmp_path / "out"
    out.mkdir()
    said, warned = [], []
    page.status_message.connect(said.append)
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, offer, *_a, **_k: (offer, ""))

    page.queue.select(family)
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_to_file(wedding, tmp_path / "1912Wedding-colourised.jpg")
        settings.write("folders/save", str(out))
        page.save_action.trigger()  # while the wedding is saved: declined
        assert said[-1] == "Still saving the previous photos." and os.listdir(out) == []
        assert page.save_to_file(family, out / "1908FamilyPhoto-colourised.jpg") is False  # (no save started)
    assert (tmp_path / "1912Wedding-colourised.jpg").is_file() and os.listdir(out) == []

    def full_disk(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("engine.batch._write", full_disk)
    with qtbot.waitSignal(page.saved, timeout=30_000) as saved:
        page.save_action.trigger()
    assert saved.args[0].failed == 1 and warned[-1] == "Saving failed:\n1908FamilyPhoto.jpg\nno space left on device"
    assert os.listdir(out) == []  # the sub-folder made for it is gone again; the save folder, there before, stays
    assert not page.queue.item_text(family).endswith("Saved")

    (out / "family").mkdir()  # a sub-folder there before this save is not this save's to take away
    with qtbot.waitSignal(page.saved, timeout=30_000):
        page.save_action.trigger()
    assert os.listdir(out) == ["family"] and os.listdir(out / "family") == []


def test_save_all_first_offers_the_photos_own_folder_then_the_last_one_used(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    from PySide6.QtWidgets import QFileDialog

    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / "album" / "pier.png")])
    wait_all_coloured(page, 1)
    offered = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda _p, _title, start: offered.append(start) or "")
    page.save_all()
    assert offered == [str(tmp_path / "album")]  # not the home folder
    with qtbot.waitSignal(page.saved, timeout=30_000):
        page.save_all_to(tmp_path / "out")
    page.save_all()
    assert offered[-1] == str(tmp_path / "out")


def test_a_failed_save_says_why_and_leaves_the_photo_coloured_and_saveable(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    """A save failed for its target's sake (here a folder named where a file is) marked the photo failed for
    good: Save greyed, the row "Failed". And "grandma 1952.06" typed in Save As kept ".06" as its format and failed."""
    from PySide6.QtWidgets import QFileDialog

    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / "album" / "grandma 1952.06.jpg")])
    wait_all_coloured(page, 1)
    key = page.queue.current_key()
    not_a_folder = tmp_path / "notes"
    not_a_folder.write_text("a file where a folder is named")
    warned, said = [], []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    page.status_result.connect(lambda text, _folder: said.append(text))
    with qtbot.waitSignal(page.saved, timeout=30_000) as saved:
        assert page.save_to_file(key, not_a_folder / "scans" / "grandma.png")
    assert saved.args[0].failed == 1 and said[-1] == "Saved 0 photos; 1 failed."
    assert len(warned) == 1 and warned[0].startswith(f"Saving failed:\n{unbroken('grandma 1952.06.jpg')}\n") and warned[0].count("\n") == 2
    assert page.queue.state(key) == QueueState.DONE and page.queue.item_text(key) == "grandma 1952.06.jpg\nDone"
    assert page.bar.save_button.isEnabled() and page.save_action.isEnabled() and page.bar.save_all_button.isEnabled()

    qtbot.waitUntil(lambda: not page.is_busy(), timeout=10_000)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_options: (str(out / "grandma 1952.06"), ""))
    with qtbot.waitSignal(page.saved, timeout=30_000) as saved:
        page.save_action.trigger()  # typed without a format's suffix: ".06" is none
    assert saved.args[0].succeeded == 1 and len(warned) == 1
    assert (out / "grandma 1952.06.jpg").is_file()  # the photo's own format (the format box says "same")
    assert page.queue.item_text(key) == "grandma 1952.06.jpg\nDone · Saved"


def test_a_photo_whose_saved_name_is_too_long_fails_alone_and_save_offers_a_name_that_fits(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured):
    """A photo named to the file system's limit has no room for "-colourised": asking whether such a name
    existed raised OSError [Errno 36] on the UI thread, so Save All saved nothing and Save opened no dialog."""
    from PySide6.QtWidgets import QFileDialog

    page = window.colourise_page
    long_name = "a" * 245 + ".png"
    _queue(page, qtbot, [grey_photo(tmp_path / "album" / name, seed=i) for i, name in enumerate([long_name, "b.png", "c.png", "d.png"])])
    wait_all_coloured(page, 4)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    out = tmp_path / "out"
    out.mkdir()
    with qtbot.waitSignal(page.saved, timeout=30_000) as saved:
        assert page.save_all_to(out)
    assert (saved.args[0].succeeded, saved.args[0].failed) == (3, 1)
    assert sorted(os.listdir(out)) == ["b-colourised.png", "c-colourised.png", "d-colourised.png"]
    assert warned == [f"Saving failed:\n{long_name}\ncannot write: file name too long (260 bytes; at most 255 here)"]

    qtbot.waitUntil(lambda: not page.is_busy(), timeout=10_000)
    key = next(key for key in page.photos.keys() if page.items[key].source.name == long_name)
    page.queue.select(key)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _parent, _title, offer, *_a, **_k: offered.append(Path(offer)) or ("", ""))
    page.save_action.trigger()
    assert len(offered) == 1 and offered[0].parent == out and offered[0].name.endswith("a-colourised.png")
    assert len(os.fsencode(offered[0].name)) <= 255 - len("-99")  # room for -2 when that name is taken


def test_a_sample_photos_first_save_offers_the_pictures_folder_not_the_apps_own(window, qtbot, tmp_path, monkeypatch, wait_all_coloured):
    """File > Open Sample Photos: Save and Save All first offered the folder of the sample photos, resources/samples
    beside the code, inside the install folder of an installed app (often read-only)."""
    from PySide6.QtWidgets import QFileDialog

    from engine.library import resources_dir

    home = tmp_path / "home"
    (home / "Pictures").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # (no user-dirs.dirs there: Pictures is ~/Pictures)
    page = window.colourise_page
    page.add_paths([resources_dir() / "samples" / "astronaut-grey.jpg"], remember=False)
    wait_all_coloured(page, 1)
    key = page.queue.current_key()
    assert page.suggested_save_path(key) == home / "Pictures" / "astronaut-grey-colourised.jpg"
    offered = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda _p, _title, start: offered.append(start) or "")
    page.save_all()
    assert offered == [str(home / "Pictures")]
    (home / "Pictures").rmdir()  # no Pictures folder: the home folder
    assert page.suggested_save_path(key) == home / "astronaut-grey-colourised.jpg"
    page.save_all()
    assert offered[-1] == str(home)


def test_cancel_during_save_all_after_a_model_switch_stops_the_colouring_too(
    window, qtbot, tmp_path, library_dir, grey_photo, save_lineage_model, monkeypatch, wait_all_coloured
):
    # (a QA pass: the photos Save All had not reached yet were coloured after Cancel all the same, the
    # "still waiting" count falling to 1 as rows that said Waiting turned Done)
    import threading

    import desktop.colour_jobs as colour_jobs
    from engine.events import PhotoDone
    from engine.task import TaskState

    save_lineage_model(library_dir / "beta-ish.safetensors", seed=1)
    window.library.refresh()
    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / "in" / f"{i}.png", seed=i) for i in range(8)])
    wait_all_coloured(page, 8)
    # The save holds after its first photo until Cancel was pressed: Cancel lands at "Saving 2 of 8" however fast it is.
    cancelled = threading.Event()
    real_save = colour_jobs.save_photos

    def save_held(requests, colouriser, settings, state, cache):
        def emit(event):
            state.emit(event)
            if isinstance(event, PhotoDone):
                assert cancelled.wait(20)
        return real_save(requests, colouriser, settings, TaskState(emit, state.should_stop), cache)

    monkeypatch.setattr(colour_jobs, "save_photos", save_held)
    finished = set()
    page.item_finished.connect(finished.add)
    assert page.select_model("beta-ish")  # every photo is coloured again
    assert page.photos.counts()[QueueState.WAITING] >= 7
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_all_to(tmp_path / "out")
        qtbot.waitUntil(lambda: any(page.saved_as(key) for key in page.photos.keys()), timeout=20_000)
        coloured_before, working = set(finished), page.photos.working
        page.cancel_action.trigger()
        cancelled.set()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=30_000)
    keys = page.photos.keys()
    saved = {key for key in keys if page.saved_as(key)}
    assert len(saved) < 4
    not_waiting = {key for key in keys if page.photos.state(key) != QueueState.WAITING}
    assert not_waiting <= saved | coloured_before | {working}  # only what was saved, or being coloured, was coloured
    waiting = len(keys) - len(not_waiting)
    assert waiting >= 3
    assert not page.paused_row.isHidden() and f"{waiting} photos" in page.paused_row.label.text()
    assert page.colour_rest_action.isEnabled()
    page.colour_rest_action.trigger()
    wait_all_coloured(page, 8)


def test_save_failures_show_each_file_name_whole_on_a_line_of_its_own(window, qtbot, tmp_path, grey_photo, monkeypatch, wait_all_coloured, line_breaks):
    """QA: "Saving failed: qa-one.png: <reason>" wrapped inside the name, "qa-" over "one.png"."""
    from desktop.widgets.confirm import as_typed

    page = window.colourise_page
    _queue(page, qtbot, [grey_photo(tmp_path / "album" / name, seed=i) for i, name in enumerate(["qa-one.png", "two-2 b.png"])])
    wait_all_coloured(page, 2)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))

    def name_line(text: str, name: str) -> str:
        return next(line for line in text.splitlines() if as_typed(line) == name)  # on a line of its own

    key = next(key for key, item in page.items.items() if item.source.name == "qa-one.png")
    page.save_to_file(key, tmp_path / "album" / "qa-one.png")  # refused: the original
    not_a_folder = tmp_path / "notes"
    not_a_folder.write_text("a file where a folder is named")
    with qtbot.waitSignal(page.saved, timeout=30_000):
        assert page.save_to_file(key, not_a_folder / "scans" / "qa-one.png")
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=10_000)

    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.batch._write", full_disk)
    with qtbot.waitSignal(page.saved, timeout=30_000) as saved:
        assert page.save_all_to(tmp_path / "out")  # both fail
    assert saved.args[0].failed == 2 and len(warned) == 3
    for text in warned:
        assert line_breaks(name_line(text, "qa-one.png")) == []
    assert line_breaks(name_line(warned[2], "two-2 b.png")) == []
    assert "no space left on device" in warned[2]
