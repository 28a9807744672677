"""File > Open Recent: what is remembered, how it is shown, and opening an entry again."""

from __future__ import annotations

import shutil
from pathlib import Path

from desktop.recent import RECENT_LIMIT, RecentMenu, entry_text, recent_paths, remember


def _entries(menu: RecentMenu) -> list:
    menu.refill()
    return [a for a in menu.actions() if not a.isSeparator() and a.text() != "&Clear Menu"]


def test_remember_puts_paths_first_once_each_and_keeps_at_most_the_limit(tmp_path):
    remember([tmp_path / "a.jpg", tmp_path / "b.jpg"])
    remember([tmp_path / "c.jpg", tmp_path / "sub" / ".." / "a.jpg"])
    assert recent_paths() == [tmp_path / "c.jpg", tmp_path / "a.jpg", tmp_path / "b.jpg"]
    remember(tmp_path / f"{i}.png" for i in range(RECENT_LIMIT + 5))
    assert recent_paths() == [tmp_path / f"{i}.png" for i in range(RECENT_LIMIT)]


def test_an_entry_reads_name_then_folder_with_home_shortened(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    (tmp_path / "Scans & Prints").mkdir()
    assert entry_text(1, tmp_path / "Scans & Prints" / "grandma.tif") == "&1 grandma.tif  ~/Scans && Prints"
    assert entry_text(2, tmp_path / "Scans & Prints", is_folder=True) == "&2 Scans && Prints/  ~"
    long = Path("/archive") / ("x" * 80) / "photo.jpg"
    text = entry_text(10, long)
    assert text.startswith("photo.jpg  /archive") and "…" in text and len(text) < 70  # no mnemonic past 9


def test_photos_opened_are_remembered_and_reopen_from_the_menu(window, qtbot, tmp_path, grey_photo):
    page = window.colourise_page
    folder = tmp_path / "scans"
    folder.mkdir()
    first = grey_photo(folder / "one.png", seed=1)
    grey_photo(folder / "two.png", seed=2)
    page.add_paths([first])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 1)
    page.add_paths([folder])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 2)
    assert recent_paths() == [folder, first]
    entries = _entries(window.recent_menu)
    assert [a.text() for a in entries] == [entry_text(1, folder, is_folder=True), entry_text(2, first)]
    assert entries[0].text().startswith("&1 scans/")

    page.remove_items(page.queue.keys())
    entries[0].trigger()  # the folder again: both its photos come back
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 2)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Colourise"


def test_sample_photos_and_missing_files_are_not_remembered(window, qtbot, tmp_path):
    window.open_sample()
    qtbot.waitUntil(lambda: len(window.colourise_page.queue.keys()) == 4)
    window.colourise_page.add_paths([tmp_path / "not-there.jpg", tmp_path / "notes.txt"])
    qtbot.waitUntil(lambda: len(window.colourise_page.queue.keys()) == 6)  # (each gets its failure row)
    assert recent_paths() == []
    entries = _entries(window.recent_menu)
    assert [a.text() for a in entries] == ["No Recent Photos"] and not entries[0].isEnabled()


def test_a_path_that_went_stays_greyed_out_until_it_is_back_and_clear_empties_the_menu(window, tmp_path, grey_photo):
    folder = tmp_path / "drive"
    folder.mkdir()
    grey_photo(folder / "a.png")
    remember([folder])
    moved = tmp_path / "unplugged"
    shutil.move(folder, moved)
    (entry,) = _entries(window.recent_menu)
    assert not entry.isEnabled() and "is not there any more" in entry.toolTip()
    shutil.move(moved, folder)
    (entry,) = _entries(window.recent_menu)
    assert entry.isEnabled() and entry.toolTip() == str(folder)

    clear = [a for a in window.recent_menu.actions() if a.text() == "&Clear Menu"][0]
    clear.trigger()
    assert recent_paths() == []
    assert [a.text() for a in _entries(window.recent_menu)] == ["No Recent Photos"]
