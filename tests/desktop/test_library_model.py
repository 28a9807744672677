"""The window's shared model library list."""

from __future__ import annotations


def test_first_model_is_picked_up_when_the_library_folder_did_not_exist(qtbot, tmp_path, monkeypatch, save_lineage_model):
    # A new user: no library folder yet. A first model trained with the command line
    # (which creates the folder) must appear without restarting the window.
    from desktop.library_model import Library

    folder = tmp_path / "fresh" / "colourise" / "models"
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(folder))
    library = Library()
    assert [e.name for e in library.entries()] == []

    folder.mkdir(parents=True)
    qtbot.waitUntil(lambda: str(folder) in library._watcher.directories(), timeout=5_000)
    with qtbot.waitSignal(library.changed, timeout=5_000):
        save_lineage_model(folder / "first.safetensors")
    assert [e.name for e in library.entries()] == ["first"]


def test_a_model_copied_in_slowly_becomes_usable_once_complete(qtbot, library_dir, save_lineage_model, tmp_path):
    # A file manager copying a model into the library: the folder changes when the file
    # appears, half written; the model must not stay greyed out once the copy completes.
    from desktop.library_model import Library

    whole = save_lineage_model(tmp_path / "elsewhere" / "copied.safetensors").read_bytes()
    library = Library()
    target = library_dir / "copied.safetensors"
    with qtbot.waitSignal(library.changed, timeout=5_000):
        target.write_bytes(whole[:100])
    qtbot.waitUntil(lambda: library.find("copied") is not None, timeout=5_000)
    assert library.find("copied").info is None  # unreadable while half written

    with open(target, "ab") as rest:
        rest.write(whole[100:])
    qtbot.waitUntil(lambda: library.find("copied").info is not None, timeout=5_000)


def test_default_first_then_any_usable_model_and_changes_are_signalled(qtbot, library_dir, save_lineage_model):
    from desktop.library_model import Library

    library = Library()
    assert library.entries() == [] and library.default_name() is None
    save_lineage_model(library_dir / "mine.safetensors")
    (library_dir / "broken.safetensors").write_bytes(b"not a model")
    library.refresh()
    assert [e.name for e in library.usable()] == ["mine"] and library.find("broken").info is None
    assert library.default_name() == "mine"
    save_lineage_model(library_dir / "default.safetensors")
    library.refresh()
    assert library.default_name() == "default"
    assert not library.refresh()  # nothing changed: no signal, False


def test_a_model_written_by_another_process_is_picked_up(qtbot, library_dir, save_lineage_model):
    from desktop.library_model import Library

    library = Library()
    with qtbot.waitSignal(library.changed, timeout=10_000):  # the folder watcher, not a refresh call
        save_lineage_model(library_dir / "from-the-cli.safetensors")
    assert library.find("from-the-cli") is not None
