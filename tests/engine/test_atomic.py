import os
import stat

import pytest

from engine.atomic import atomic_path, atomic_write_bytes


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"good"
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_written_files_follow_the_umask_not_mkstemp_privacy(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644


def test_an_error_names_the_target_not_the_hidden_temporary(tmp_path, monkeypatch):
    import errno

    import engine.atomic

    def read_only(file, mode="r", *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(file))

    monkeypatch.setattr(engine.atomic, "open", read_only, raising=False)
    with pytest.raises(OSError) as caught:
        atomic_write_bytes(tmp_path / "config.toml", b"x")
    assert caught.value.filename == str(tmp_path / "config.toml") and ".tmp" not in str(caught.value)


def test_a_full_disk_is_an_oserror_naming_the_target(tmp_path, full_disk):
    import errno

    import engine.atomic

    full_disk(engine.atomic)
    with pytest.raises(OSError) as caught:
        atomic_write_bytes(tmp_path / "metrics.csv", b"x" * 100_000)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(tmp_path / "metrics.csv")
    assert list(tmp_path.iterdir()) == []


def _age(path, seconds):
    import time

    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_temporaries_of_our_naming_are_cleaned_on_the_next_write_in_that_folder(tmp_path):
    from engine.atomic import STALE_TEMP_SECONDS, forget_cleaned_folders

    forget_cleaned_folders()
    old_ours = [tmp_path / ".checkpoint.pt.0a1b2c3d.tmp", tmp_path / ".huge100mp.png.deadbeef.tmp"]
    fresh_ours = tmp_path / ".metrics.csv.12345678.tmp"  # maybe another process writing right now
    not_ours = [tmp_path / ".notes.tmp", tmp_path / ".a.png.XYZ.tmp", tmp_path / "b.png.0a1b2c3d.tmp", tmp_path / ".c.0a1b2c3d.tmp.keep"]
    for path in [*old_ours, fresh_ours, *not_ours]:
        path.write_bytes(b"x")
    for path in [*old_ours, *not_ours]:
        _age(path, STALE_TEMP_SECONDS + 60)
    atomic_write_bytes(tmp_path / "config.toml", b"x")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"config.toml", fresh_ours.name, *(p.name for p in not_ours)}


def test_photo_writes_clean_stale_temporaries_in_their_folder_too(tmp_path, rgb_image):
    from engine.atomic import STALE_TEMP_SECONDS, forget_cleaned_folders
    from engine.photo import Photo, write_photo

    forget_cleaned_folders()
    stale = tmp_path / "sub" / ".big.png.0a1b2c3d.tmp"
    stale.parent.mkdir()
    stale.write_bytes(b"x")
    _age(stale, STALE_TEMP_SECONDS + 60)
    write_photo(Photo(rgb_image), tmp_path / "sub" / "out.png")
    assert sorted(p.name for p in stale.parent.iterdir()) == ["out.png"]


@pytest.mark.parametrize("hard_links", [True, False])
def test_move_to_free_name_claims_a_name_nobody_holds(tmp_path, monkeypatch, hard_links):
    import errno

    from engine.atomic import move_to_free_name

    if not hard_links:  # FAT and some network shares
        def no_links(src, dst, *args, **kwargs):
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "m.safetensors").write_bytes(b"theirs")
    tmp = tmp_path / ".m.safetensors.0a1b2c3d.tmp"
    tmp.write_bytes(b"ours")
    claimed = move_to_free_name(tmp, tmp_path / "m.safetensors")
    assert claimed.name == "m-2.safetensors" and claimed.read_bytes() == b"ours"
    assert (tmp_path / "m.safetensors").read_bytes() == b"theirs" and not tmp.exists()


def test_a_batch_resolver_resolves_as_resolved_path_does_links_included(tmp_path):
    from engine.atomic import folder_resolver, resolved_path

    real = tmp_path / "real"
    real.mkdir()
    (real / "a.png").write_bytes(b"x")
    (tmp_path / "linked").symlink_to(real)  # a folder reached through a link
    (real / "link.png").symlink_to(tmp_path / "elsewhere.png")  # a file that is itself a link
    resolve = folder_resolver()
    paths = [tmp_path / "linked" / "a.png", tmp_path / "linked" / "new.png", real / "link.png", tmp_path / "nowhere" / "x.png"]
    assert [resolve(p) for p in paths] == [resolved_path(p) for p in paths]
    assert resolve(tmp_path / "linked" / "a.png") == real / "a.png" and resolve(real / "link.png") == tmp_path / "elsewhere.png"


def test_a_name_the_file_system_holds_gets_a_temporary_it_holds_too_unique_and_hidden(tmp_path):
    from engine.atomic import STALE_TEMP_SECONDS, forget_cleaned_folders, name_max, remove_stale_temps, temp_path_for

    limit = name_max(tmp_path)
    target = tmp_path / ("é" * ((limit - 4) // 2) + ".png")  # two bytes a letter: the longest name that fits
    assert len(os.fsencode(target.name)) <= limit
    temps = {temp_path_for(target) for _ in range(20)}
    assert len(temps) == 20 and all(t.name.startswith(".") and len(os.fsencode(t.name)) <= limit for t in temps)
    atomic_write_bytes(target, b"data")  # was: [Errno 36] File name too long (the temporary's 14 bytes more)
    assert target.read_bytes() == b"data" and os.listdir(tmp_path) == [target.name]
    stale = temp_path_for(target)
    stale.write_bytes(b"left by a killed writer")
    os.utime(stale, (0, 0))
    forget_cleaned_folders()
    assert remove_stale_temps(tmp_path) == 1 and STALE_TEMP_SECONDS  # still ours to clean up


def test_names_too_long_for_the_file_system_are_no_error_to_batch_path_checks(tmp_path):
    from engine.atomic import fitting_name, folder_resolver, free_name, name_max

    too_long = tmp_path / ("a" * 300 + ".png")
    assert folder_resolver()(too_long) == too_long  # was: OSError [Errno 36] from is_symlink
    assert free_name(too_long) == too_long  # no file can be there; the write says why it fails
    short = fitting_name(too_long)
    assert short.suffix == ".png" and short.parent == tmp_path and len(os.fsencode(short.name)) <= name_max(tmp_path)
    assert fitting_name(tmp_path / "a.png") == tmp_path / "a.png"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_small_file_is_read_as_read_text_reads_it_and_a_named_pipe_or_a_folder_in_its_place_is_an_oserror_not_a_wait(tmp_path, past_pipes):
    from engine.atomic import NotRegularFileError, read_regular_text

    (tmp_path / "notes.toml").write_bytes(b'name = "caf\xc3\xa9"\r\nepochs = 2\r\n')
    assert read_regular_text(tmp_path / "notes.toml") == (tmp_path / "notes.toml").read_text(encoding="utf-8") == 'name = "café"\nepochs = 2\n'
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(NotRegularFileError) as raised:
        past_pipes(lambda: read_regular_text(tmp_path / "pipe.json"), tmp_path / "pipe.json")
    assert (raised.value.strerror, raised.value.filename) == ("not a regular file", str(tmp_path / "pipe.json"))
    with pytest.raises(IsADirectoryError):
        read_regular_text(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_regular_text(tmp_path / "missing.json")
