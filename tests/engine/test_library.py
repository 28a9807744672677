"""The model library: names and paths resolve, the environment and flags override, bundled is found."""

from __future__ import annotations

import pytest

from engine import library
from engine.errors import ColouriseError, ModelFileError
from engine.library import list_library, resolve_model, unique_library_path, user_models_dir
from engine.modelfile import save_model
from engine.models import create_model



def test_resolves_a_library_name(folders):
    user, _ = folders
    path = save_model(user / "portraits.safetensors", create_model("alpha"))
    assert resolve_model("portraits") == path


def test_resolves_a_path_outside_the_library(folders, tmp_path):
    path = save_model(tmp_path / "elsewhere" / "m.safetensors", create_model("alpha"))
    assert resolve_model(path) == path
    assert resolve_model(str(path)) == path


def test_user_model_shadows_a_bundled_one_and_default_is_bundled(folders):
    user, bundled = folders
    bundled_default = save_model(bundled / "default.safetensors", create_model("alpha"))
    save_model(bundled / "shared.safetensors", create_model("alpha"))
    mine = save_model(user / "shared.safetensors", create_model("alpha"))
    assert resolve_model("default") == resolve_model() == bundled_default
    assert resolve_model("shared") == mine
    entries = {e.name: e for e in list_library()}
    assert entries["shared"].path == mine and not entries["shared"].bundled and entries["default"].bundled


def test_environment_and_explicit_folder_override(folders, tmp_path):
    user, _ = folders
    assert user_models_dir() == user
    other = tmp_path / "other"
    assert user_models_dir(other) == other  # the --models-dir flag beats the environment
    path = save_model(other / "only_here.safetensors", create_model("alpha"))
    assert resolve_model("only_here", user_dir=other) == path
    with pytest.raises(ModelFileError):
        resolve_model("only_here")


def test_default_folder_is_per_user_when_no_override(monkeypatch, tmp_path):
    monkeypatch.delenv("COLOURISE_MODEL_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    folder = user_models_dir()
    assert folder.name == "models" and tmp_path in folder.parents


def test_unknown_name_and_missing_path_are_one_line_errors(folders, tmp_path):
    with pytest.raises(ModelFileError, match=r"^nothing: no model of that name in the library"):
        resolve_model("nothing")
    with pytest.raises(ModelFileError, match=r"^gone\.safetensors: no such file$"):
        resolve_model(tmp_path / "gone.safetensors")


def test_list_library_reports_broken_files_instead_of_failing(folders):
    user, _ = folders
    save_model(user / "good.safetensors", create_model("alpha"), {"epochs": 2})
    (user / "bad.safetensors").write_bytes(b"not a model")
    (user / "notes.txt").write_text("ignored")
    entries = {e.name: e for e in list_library()}
    assert set(entries) == {"good", "bad"}
    assert entries["good"].info.training == {"epochs": 2}
    assert entries["bad"].info is None and entries["bad"].error


def test_unique_library_path_never_reuses_a_name(folders):
    user, _ = folders
    first = unique_library_path("run")
    assert first == user / "run.safetensors"
    first.write_bytes(b"x")
    assert unique_library_path("run") == user / "run-2.safetensors"


def test_import_model_checks_the_file_and_adds_it_under_a_free_name(folders, tmp_path):
    user, _ = folders
    outside = save_model(tmp_path / "mine.safetensors", create_model("alpha"), {"name": "portraits"})
    first = library.import_model(outside)
    second = library.import_model(outside)
    assert first.read_bytes() == outside.read_bytes() and second != first and second.parent == user
    assert not [p for p in user.iterdir() if p.name.startswith(".")]  # no temporary file left
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelFileError):
        library.import_model(broken)
    assert len(list(user.iterdir())) == 2


def test_same_model_finds_the_library_file_with_the_same_bytes_only(folders, tmp_path):
    outside = save_model(tmp_path / "mine.safetensors", create_model("alpha"), {"name": "portraits"})
    assert library.same_model(outside) is None
    added = library.import_model(outside)
    assert library.same_model(outside).path == added
    other = save_model(tmp_path / "other.safetensors", create_model("alpha"), {"name": "portraits"})  # other weights
    assert library.same_model(other) is None and library.same_model(tmp_path / "missing.safetensors") is None


def test_the_user_library_follows_the_platform_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("COLOURISE_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(library.sys, "platform", "linux")
    assert user_models_dir() == tmp_path / "data" / "colourise" / "models"


def test_rename_and_delete_own_models_only(folders):
    user, bundled = folders
    save_model(user / "mine.safetensors", create_model("alpha"))
    save_model(user / "taken.safetensors", create_model("alpha"))
    save_model(bundled / "shipped.safetensors", create_model("alpha"))
    assert library.rename_model("mine", "portraits") == user / "portraits.safetensors"
    for name, new, reason in (
        ("shipped", "x", "only your own models can be renamed"),
        ("portraits", "a/b", "use letters, digits"),
        ("portraits", "taken", "exists already"),
        ("portraits", "shipped", "exists already"),
    ):
        with pytest.raises(ColouriseError, match=reason):
            library.rename_model(name, new)
    trashed = []
    library.delete_model("portraits", move_to_trash=lambda path: trashed.append(path.name) or True)
    assert trashed == ["portraits.safetensors"]  # the caller's trash took it (a fake trash leaves the file)
    library.delete_model("taken", move_to_trash=lambda path: False)  # no trash here: deleted
    assert not (user / "taken.safetensors").exists()
    with pytest.raises(ColouriseError, match="only your own models can be deleted"):
        library.delete_model("shipped")


def test_export_never_replaces_a_library_model_and_trashes_another_file_it_replaces(folders, tmp_path):
    user, bundled = folders
    mine = save_model(user / "mine.safetensors", create_model("alpha"))
    other = save_model(user / "other.safetensors", create_model("alpha"))
    shadowed = save_model(bundled / "mine.safetensors", create_model("alpha"))  # a bundled model shadowed by yours
    before = {path: path.read_bytes() for path in (mine, other, shadowed)}
    for target, reason in (
        (mine, "mine.safetensors: that is the model's own file"),
        (user / "other", "other.safetensors: that is your model “other” in the library; choose another place or name"),
        (shadowed, "mine.safetensors: that is the bundled model “mine”; choose another place or name"),
    ):
        with pytest.raises(ColouriseError, match=reason):
            library.export_model(mine, target, move_to_trash=lambda path: pytest.fail(f"{path} sent to the trash"))
    assert {path: path.read_bytes() for path in before} == before

    elsewhere = tmp_path / "elsewhere.safetensors"
    elsewhere.write_bytes(b"old")
    trashed = []
    assert library.export_model(mine, elsewhere, move_to_trash=lambda path: trashed.append(path.read_bytes()) or True) == (elsewhere, True)
    assert trashed == [b"old"] and elsewhere.read_bytes() == mine.read_bytes()  # (a fake trash leaves the file: replaced)
    assert library.export_model(mine, tmp_path / "new", move_to_trash=lambda path: True) == (tmp_path / "new.safetensors", False)


def test_two_writers_finishing_together_each_get_their_own_name_and_their_own_model(folders, tmp_path, monkeypatch):
    """Two trainings with the same name finish at once: each claims a name of its own, and the path
    each reports holds its own weights (a name was once checked, then the file replaced by both)."""
    import shutil
    import threading

    user, _ = folders
    sources = []
    for i in range(2):
        path = tmp_path / f"run-{i}.safetensors"
        path.write_bytes(f"weights of run {i}".encode() * 100)
        sources.append(path)
    both_copying = threading.Barrier(2, timeout=10)
    real_copy = shutil.copyfile

    def copy_together(src, dst, *args, **kwargs):
        result = real_copy(src, dst, *args, **kwargs)
        both_copying.wait()  # both writers have looked for a free name before either finishes
        return result

    monkeypatch.setattr(shutil, "copyfile", copy_together)
    reported: dict[int, object] = {}

    def finish(i: int) -> None:
        try:
            reported[i] = library.add_model(sources[i], "same")
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            reported[i] = exc

    writers = [threading.Thread(target=finish, args=(i,)) for i in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(20)
    assert all(not isinstance(path, Exception) for path in reported.values()), reported
    assert {p.name for p in reported.values()} == {"same.safetensors", "same-2.safetensors"}
    for i, path in reported.items():
        assert path.read_bytes() == sources[i].read_bytes(), f"{path.name} holds another run's model"
    assert sorted(p.name for p in user.iterdir()) == ["same-2.safetensors", "same.safetensors"]  # no temporaries left


def test_a_name_taken_while_copying_is_never_replaced(folders, tmp_path, monkeypatch):
    import shutil

    user, _ = folders
    mine = tmp_path / "mine.safetensors"
    mine.write_bytes(b"mine")
    real_copy = shutil.copyfile

    def copy_while_someone_else_saves(src, dst, *args, **kwargs):
        result = real_copy(src, dst, *args, **kwargs)
        (user / "same.safetensors").write_bytes(b"someone else's model")
        return result

    monkeypatch.setattr(shutil, "copyfile", copy_while_someone_else_saves)
    path = library.add_model(mine, "same")
    assert path.name == "same-2.safetensors" and path.read_bytes() == b"mine"
    assert (user / "same.safetensors").read_bytes() == b"someone else's model"


def test_a_rename_never_replaces_a_model_saved_under_the_new_name_meanwhile(folders, monkeypatch):
    user, _ = folders
    save_model(user / "mine.safetensors", create_model("alpha"))
    real_list = library.list_library
    calls = []

    def list_then_someone_saves(user_dir=None):
        entries = real_list(user_dir)
        calls.append(1)
        if len(calls) == 2:  # after the name was checked, before the file moves
            (user / "portraits.safetensors").write_bytes(b"someone else's model")
        return entries

    monkeypatch.setattr(library, "list_library", list_then_someone_saves)
    with pytest.raises(ColouriseError, match="exists already"):
        library.rename_model("mine", "portraits")
    assert (user / "portraits.safetensors").read_bytes() == b"someone else's model"
    assert (user / "mine.safetensors").is_file()


def test_a_full_library_folder_names_the_model_file(folders, tmp_path, monkeypatch):
    """A training whose library folder is full says so about the library file, not "the run folder"."""
    import errno
    import shutil

    from engine.training.trainer import _describe_failure

    user, _ = folders
    model = tmp_path / "run.safetensors"
    model.write_bytes(b"weights")

    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(OSError) as caught:
        library.add_model(model, "portraits")
    assert caught.value.filename == str(user / "portraits.safetensors")
    message = _describe_failure(caught.value, None, None)
    assert message == "the disk is full: could not write portraits.safetensors (free some space, then resume the run)"
    assert list(user.iterdir()) == []
