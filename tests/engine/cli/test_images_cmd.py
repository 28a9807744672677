"""``colourise images`` end to end, in-process, on a zoo of awkward and broken files."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import library
from engine.cli.main import main
from engine.photo import read_photo

GOOD = ["cmyk.jpg", "grey.jpg", "grey16.tif", "la.png", "palette_transparent.png", "rotated.jpg", "scan16.png"]
BAD = {
    "empty.jpg": "empty file",
    "huge.png": "too large",
    "text.jpg": "not an image",
    "truncated.jpg": "truncated or corrupt",
}


@pytest.fixture
def zoo(tmp_path, make_photo, png_claiming_size) -> Path:
    root = tmp_path / "zoo"
    root.mkdir()
    grey, rgb = make_photo.grey(24, 32), make_photo.rgb(24, 32)
    Image.fromarray(grey).save(root / "grey.jpg")
    Image.fromarray(rgb).convert("CMYK").save(root / "cmyk.jpg")
    Image.fromarray(make_photo.grey(24, 32, bits=16)).save(root / "grey16.tif")
    Image.fromarray(make_photo.grey(20, 20, 7, bits=16)).save(root / "scan16.png")
    Image.fromarray(np.dstack((grey, 255 - grey)), "LA").save(root / "la.png")
    Image.fromarray(grey).convert("P").save(root / "palette_transparent.png", transparency=0)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: display turned 90 degrees clockwise
    Image.fromarray(grey).save(root / "rotated.jpg", exif=exif.tobytes())
    jpeg = (root / "grey.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (root / "empty.jpg").write_bytes(b"")
    (root / "text.jpg").write_text("Dear diary, today I scanned some photos.\n")
    (root / "huge.png").write_bytes(png_claiming_size(100_000, 100_000))
    return root


@pytest.fixture
def run_cli(alpha_model_file, capsys, monkeypatch, tmp_path):
    """``run_cli(*args) -> (exit code, stdout lines, stderr lines)`` with the alpha model and a small working size."""
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(tmp_path / "no_library"))

    def run(*args: str, model: str | None = str(alpha_model_file)):
        extra = ["--model", model, "--size", "64"] if model else []
        code = main(["images", *map(str, args), *extra])
        out, err = capsys.readouterr()
        return code, out.splitlines(), err.splitlines()

    return run


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_zoo_good_written_bad_reported_originals_untouched(zoo, tmp_path, run_cli):
    before = hashes(zoo)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(zoo, "--output", out)
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == GOOD
    # one line per bad file and one for the photo in colour, nothing else (no traceback, no bar)
    # (each named by its path: a name alone cannot tell scans/1920/bad.jpg from scans/1930/bad.jpg)
    assert stderr.pop(stderr.index(f"{zoo / 'cmyk.jpg'}: was in colour already; its colours were made anew from its greys")) and len(stderr) == len(BAD)
    for line, (name, reason) in zip(sorted(stderr), sorted(BAD.items())):
        assert line.startswith(f"{zoo / name}: ") and reason in line
    assert stdout == [f"{len(GOOD)} coloured (1 was in colour already), {len(BAD)} failed -> {out}"]
    assert hashes(zoo) == before

    assert read_photo(out / "rotated.jpg").pixels.shape == (32, 24, 3)  # upright now
    grey16 = read_photo(out / "grey16.tif")
    assert grey16.pixels.dtype == np.uint16 and grey16.pixels.shape == (24, 32, 3)
    with Image.open(out / "scan16.png") as im:
        assert im.mode == "RGB" and (out / "scan16.png").read_bytes()[24] == 16  # IHDR bit depth
    assert read_photo(out / "palette_transparent.png").alpha is not None
    assert read_photo(out / "la.png").alpha is not None
    assert read_photo(out / "cmyk.jpg").pixels.shape == (24, 32, 3)


def test_two_failed_photos_of_one_name_are_told_apart_by_their_paths(tmp_path, run_cli, monkeypatch):
    for folder, content in (("1920", b"not a photo"), ("1930", b"")):
        (tmp_path / "scans" / folder).mkdir(parents=True)
        (tmp_path / "scans" / folder / "bad.jpg").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_cli("scans", "--output", tmp_path / "out")
    assert code == 1 and sorted(line.split(": ")[0] for line in stderr) == ["scans/1920/bad.jpg", "scans/1930/bad.jpg"]


def test_second_run_skips_existing_and_overwrite_replaces(zoo, tmp_path, run_cli):
    out = tmp_path / "out"
    run_cli(zoo, "--output", out)
    (out / "grey.jpg").write_bytes(b"edited by hand")
    first = hashes(out)
    code, stdout, _ = run_cli(zoo, "--output", out)
    assert code == 1 and stdout == [f"0 coloured, {len(BAD)} failed, {len(GOOD)} skipped (exist; use --overwrite) -> {out}"]
    assert hashes(out) == first
    code, stdout, _ = run_cli(zoo, "--output", out, "--overwrite")
    assert stdout[0].startswith(f"{len(GOOD)} coloured") and (out / "grey.jpg").read_bytes() != b"edited by hand"


def test_colour_versions_saved_inside_the_folder_are_left_out_and_said(zoo, tmp_path, run_cli):
    run_cli(zoo, "--output", zoo / "coloured")
    code, stdout, stderr = run_cli(zoo, "--output", tmp_path / "again")
    assert code == 1 and stdout[0].startswith(f"{len(GOOD)} coloured") and f"{len(BAD)} failed" in stdout[0]
    left_out = f"colourise images: left out {len(GOOD)} colour versions Colourise saved ({zoo}/coloured/cmyk.jpg, {zoo}/coloured/grey.jpg, ...)"
    assert f"{left_out}; name one to colour it again" in stderr
    assert not (tmp_path / "again" / "coloured").exists()
    code, _, stderr = run_cli(zoo / "coloured", "--output", tmp_path / "third")
    assert code == 2 and stderr[-1].startswith(f"colourise images: error: only {len(GOOD)} colour versions Colourise saved (")
    code, stdout, stderr = run_cli(zoo / "coloured" / "grey.jpg", "--output", tmp_path / "named")
    assert code == 0 and stdout == [f"1 coloured (1 was in colour already) -> {tmp_path / 'named'}"]  # its EXIF says so
    assert stderr == [f"{zoo / 'coloured' / 'grey.jpg'}: was in colour already; its colours were made anew from its greys"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_in_a_folder_is_left_out_and_said_and_one_named_by_itself_fails(tmp_path, run_cli, make_photo, past_pipes):
    """``colourise images scans`` with a FIFO called pipe.png among the scans said "pipe.png: not a regular file" and
    exited 1, as for a broken photo; it is no photo at all, left out like a GIF (said, with the reason)."""
    scans = tmp_path / "scans"
    scans.mkdir()
    Image.fromarray(make_photo.grey(24, 32)).save(scans / "pier.png")
    os.mkfifo(scans / "pipe.png")
    code, stdout, stderr = past_pipes(lambda: run_cli(scans, "--output", tmp_path / "out"), scans / "pipe.png")
    assert code == 0 and stdout == [f"1 coloured -> {tmp_path / 'out'}"]
    assert stderr == [f"colourise images: left out {scans / 'pipe.png'}: not a regular file"]
    os.mkfifo(scans / "pipe.jpg")
    code, _, stderr = past_pipes(lambda: run_cli(scans, "--output", tmp_path / "again"), scans / "pipe.png", scans / "pipe.jpg")
    assert code == 0 and stderr == [f"colourise images: left out 2 files that are not regular files ({scans / 'pipe.jpg'}, {scans / 'pipe.png'})"]
    code, stdout, stderr = past_pipes(lambda: run_cli(scans / "pipe.png", "--output", tmp_path / "named"), scans / "pipe.png")
    assert code == 1 and stderr == [f"{scans / 'pipe.png'}: not a regular file"]


def test_before_after_writes_the_original_beside_its_colours_under_its_own_name(tmp_path, run_cli, make_photo):
    Image.fromarray(make_photo.grey(24, 32)).save(tmp_path / "pier.png")
    code, stdout, _ = run_cli(tmp_path / "pier.png", "--output", tmp_path / "out", "--before-after")
    assert code == 0 and stdout == [f"1 coloured -> {tmp_path / 'out'}"]
    both = read_photo(tmp_path / "out" / "pier-before-after.png")
    assert both.pixels.shape == (24, 2 * 32 + 2, 3)
    assert (both.pixels[:, :32, 0] == np.asarray(Image.open(tmp_path / "pier.png"))).all()  # the original, untouched


def test_originals_survive_output_into_their_own_folder_with_overwrite(zoo, run_cli):
    before = hashes(zoo)
    code, stdout, stderr = run_cli(zoo, "--output", zoo, "--overwrite")
    assert code == 1 and stdout[0].startswith("0 coloured")
    assert sum("would replace an original" in line for line in stderr) == len(GOOD) + len(BAD)
    assert hashes(zoo) == before


def test_all_good_exits_zero_and_format_is_honoured(zoo, tmp_path, run_cli):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(zoo / "grey.jpg", zoo / "grey16.tif", "--output", out, "--format", "png", "--strength", "0")
    assert code == 0 and stderr == [] and stdout == [f"2 coloured -> {out}"]
    assert sorted(p.name for p in out.iterdir()) == ["grey.png", "grey16.png"]
    pixels = read_photo(out / "grey.png").pixels.astype(int)
    assert np.abs(pixels[..., 0] - pixels[..., 2]).max() <= 1  # strength 0 is grey


@pytest.mark.parametrize(
    "args, message",
    [
        (["--strength", "3"], "outside 0..2"),
        (["--strength", "lots"], "not a number"),
        (["--device", "tpu"], "not auto, cpu, cuda"),
        (["--format", "gif"], "invalid choice"),
    ],
)
def test_bad_options_are_usage_errors(zoo, tmp_path, run_cli, args, message):
    code, _, stderr = run_cli(zoo, "--output", tmp_path / "out", *args)
    assert code == 2 and message in stderr[-1]


def test_no_photos_found_is_a_usage_error(tmp_path, run_cli):
    (tmp_path / "empty_folder").mkdir()
    code, _, stderr = run_cli(tmp_path / "empty_folder", "--output", tmp_path / "out")
    assert code == 2 and stderr == [f"colourise images: error: no photos found in {tmp_path / 'empty_folder'} (looked for .jpg .png .tif .bmp .webp)"]
    assert not (tmp_path / "out").exists()


def test_missing_and_broken_models_are_usage_errors(zoo, tmp_path, run_cli):
    code, _, stderr = run_cli(zoo, "--output", tmp_path / "out", model=str(tmp_path / "gone.safetensors"))
    assert code == 2 and stderr == ["colourise images: error: gone.safetensors: no such file"]
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x00" * 100)
    code, _, stderr = run_cli(zoo, "--output", tmp_path / "out", model=str(broken))
    assert code == 2 and len(stderr) == 1 and stderr[0].startswith("colourise images: error: broken.safetensors: ")
    code, _, stderr = run_cli(zoo, "--output", tmp_path / "out", model="no_such_model")
    assert code == 2 and "no model of that name" in stderr[0]


def test_default_model_missing_is_explained(zoo, tmp_path, run_cli, monkeypatch):
    monkeypatch.setattr(library, "bundled_models_dir", lambda: tmp_path / "no_bundled_models")
    code, _, stderr = run_cli(zoo, "--output", tmp_path / "out", model=None)
    assert code == 2 and stderr == [
        "colourise images: error: the default model is not installed yet; name one with --model NAME|PATH (see `colourise models`)"
    ]


def test_models_dir_flag_finds_a_library_model(zoo, tmp_path, alpha_model_file, capsys):
    library_dir = alpha_model_file.parent
    code = main(["--models-dir", str(library_dir), "images", str(zoo / "grey.jpg"), "-o", str(tmp_path / "out"), "-m", "alpha", "--size", "64"])
    assert code == 0 and (tmp_path / "out" / "grey.jpg").exists()


def test_output_that_is_a_file_is_a_usage_error(zoo, tmp_path, run_cli):
    (tmp_path / "out").write_text("a file")
    code, _, stderr = run_cli(zoo, "--output", tmp_path / "out")
    assert code == 2 and "is a file, not a folder" in stderr[0]


def test_main_help_version_and_unknown_command(capsys):
    assert main([]) == 0 and "images" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert main(["paint"]) == 2
    assert main(["images"]) == 2  # missing INPUT and --output


def _grey_photo(path: Path, make_photo) -> Path:
    Image.fromarray(make_photo.grey(24, 32)).save(path)
    return path


def test_hints_file_colours_one_photo_with_its_hints(tmp_path, run_cli, make_photo, hint_model_file):
    photo = _grey_photo(tmp_path / "beach.png", make_photo)
    hints = tmp_path / "beach.json"
    hints.write_text('{"points": [{"x": 5, "y": 4, "colour": "#2060e0"}]}')
    code, _, stderr = run_cli(photo, "--output", tmp_path / "plain", model=str(hint_model_file))
    assert code == 0 and stderr == []
    code, stdout, stderr = run_cli(photo, "--output", tmp_path / "hinted", "--hints", hints, model=str(hint_model_file))
    assert code == 0 and stderr == [] and stdout[0].startswith("1 coloured")
    plain, hinted = (read_photo(tmp_path / d / "beach.png").pixels.astype(int) for d in ("plain", "hinted"))
    assert hinted[4, 5, 2] - hinted[4, 5, 0] > plain[4, 5, 2] - plain[4, 5, 0] + 20  # bluer where the hint is
    said = {d: Image.open(tmp_path / d / "beach.png").getexif()[0x0131] for d in ("plain", "hinted")}
    assert said["plain"].endswith(f"model {hint_model_file.stem}") and said["hinted"] == said["plain"] + ", 1 colour hint"


def test_hints_dir_bad_file_fails_that_photo_and_the_batch_goes_on(tmp_path, run_cli, make_photo, hint_model_file):
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a", "b", "c"):
        _grey_photo(photos / f"{name}.png", make_photo)
    hints = tmp_path / "hints"
    hints.mkdir()
    (hints / "a.json").write_text('{"points": [{"x": 3, "y": 3, "colour": "#ff0000"}]}')
    (hints / "b.json").write_text('{"points": [{"x": 3, "y": 3, "colour": "#ff0000"}, {"x": 40, "y": 3, "colour": "#00ff00"}]}')
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(photos, "--output", out, "--hints-dir", hints, model=str(hint_model_file))
    assert code == 1
    assert stderr == ["b.json: point 2 (40, 3) is outside the 32x24 photo"]
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "c.png"]
    assert stdout == [f"2 coloured, 1 failed -> {out}"]


def _two_photos_and_a_window_save_folder(tmp_path, make_photo):
    """``photos/`` with grey a.png and b.png, and an empty ``saved-in-the-window/`` folder."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a", "b"):
        _grey_photo(photos / f"{name}.png", make_photo)
    saved = tmp_path / "saved-in-the-window"
    saved.mkdir()
    return photos, saved


def test_hints_dir_also_finds_the_hints_the_window_saved_beside_a_colour_version(tmp_path, run_cli, make_photo, hint_model_file):
    photos, saved = _two_photos_and_a_window_save_folder(tmp_path, make_photo)
    (saved / "a-colourised.jpg.hints.json").write_text('{"points": [{"x": 3, "y": 3, "colour": "#0000ff"}]}')
    out = tmp_path / "out"
    code, stdout, _ = run_cli(photos, "--output", out, "--hints-dir", saved, model=str(hint_model_file))
    assert code == 0 and stdout == [f"2 coloured -> {out}"]
    said = {name: Image.open(out / name).getexif()[0x0131] for name in ("a.png", "b.png")}
    assert said["a.png"].endswith(", 1 colour hint") and "colour hint" not in said["b.png"]


def test_hints_dir_gives_the_windows_hints_to_the_photo_they_were_saved_for_in_its_sub_folder(tmp_path, run_cli, make_photo, hint_model_file):
    """Save All keeps sub-folders and names each photo in its hint file: family/a.png's hints are its own, never the other a.png's."""
    from engine.hints import Hint, hints_file_for, write_hints

    photos = tmp_path / "photos"
    (photos / "family").mkdir(parents=True)
    _grey_photo(photos / "a.png", make_photo)
    family = _grey_photo(photos / "family" / "a.png", make_photo)
    saved = tmp_path / "saved-in-the-window"
    (saved / "family").mkdir(parents=True)
    write_hints(hints_file_for(saved / "family" / "a-colourised.png"), [Hint(3, 3, (0, 0, 255))], 0.5, photo=family)
    write_hints(hints_file_for(saved / "a-colourised-2.png"), [], 1.5, photo=family)  # older, flat, and not top's
    out = tmp_path / "out"
    code, stdout, _ = run_cli(photos, "--output", out, "--hints-dir", saved, model=str(hint_model_file))
    assert code == 0 and stdout == [f"2 coloured -> {out}"]
    said = {name: Image.open(out / name).getexif()[0x0131] for name in ("a.png", "family/a.png")}
    assert said["family/a.png"].endswith(", 1 colour hint, strength 50 %") and said["a.png"].endswith(f"model {hint_model_file.stem}")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_saved_hint_file_swapped_for_a_named_pipe_fails_its_photo_in_one_line_instead_of_waiting(tmp_path, run_cli, make_photo, hint_model_file, monkeypatch, past_pipes):
    """The window's hint file was found (a regular file), then read by its name: one swapped for a named pipe in
    between blocked the batch forever, waiting for a writer. It is read as photos are: a regular file only, unwaited."""
    from engine.hints import SavedHints

    photos, saved = _two_photos_and_a_window_save_folder(tmp_path, make_photo)
    hints = saved / "a-colourised.jpg.hints.json"
    hints.write_text('{"points": [{"x": 3, "y": 3, "colour": "#0000ff"}]}')
    found = SavedHints.newest_for

    def found_then_swapped(self, photo):
        path = found(self, photo)
        if path == hints:
            os.unlink(hints)
            os.mkfifo(hints)
        return path

    monkeypatch.setattr(SavedHints, "newest_for", found_then_swapped)
    out = tmp_path / "out"
    code, stdout, stderr = past_pipes(lambda: run_cli(photos, "--output", out, "--hints-dir", saved, model=str(hint_model_file)), hints)
    assert code == 1
    assert stderr == ["a-colourised.jpg.hints.json: cannot read the hint file (not a regular file)"]
    assert stdout == [f"1 coloured, 1 failed -> {out}"]


def test_hints_with_a_model_that_takes_none_are_ignored_and_said(tmp_path, run_cli, make_photo):
    photo = _grey_photo(tmp_path / "p.png", make_photo)
    hints = tmp_path / "p.json"
    hints.write_text('{"points": []}')
    code, _, stderr = run_cli(photo, "--output", tmp_path / "out", "--hints", hints)
    assert code == 0 and len(stderr) == 1 and "takes no colour hints" in stderr[0]


def test_hints_file_is_for_one_photo(tmp_path, run_cli, make_photo):
    for name in ("a", "b"):
        _grey_photo(tmp_path / f"{name}.png", make_photo)
    (tmp_path / "h.json").write_text('{"points": []}')
    code, _, stderr = run_cli(tmp_path / "a.png", tmp_path / "b.png", "--output", tmp_path / "out", "--hints", tmp_path / "h.json")
    assert code == 2 and "--hints is for one photo" in stderr[0]


def test_a_folder_given_as_the_hint_file_is_named_as_a_folder(tmp_path, run_cli, make_photo):
    photo = _grey_photo(tmp_path / "p.png", make_photo)
    (tmp_path / "photos").mkdir()
    code, _, stderr = run_cli(photo, "--output", tmp_path / "out", "--hints", tmp_path / "photos")
    assert code == 2 and stderr == [f"colourise images: error: --hints {tmp_path / 'photos'} is a folder, not a hint file"]  # (was "no such file")


# -- hardening: one line per failed file, names printed safely, every bad path reported -------------
REPO = Path(__file__).resolve().parents[2]


def _run_in_a_fresh_process(*args: str) -> tuple[int, str, str]:
    """The CLI as a user runs it: real stderr, no pytest warning capture."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPO), "COLOURISE_MODEL_DIR": "/nonexistent-library"}
    done = subprocess.run([sys.executable, "-m", "engine.cli.main", *args], capture_output=True, text=True, env=env, timeout=300)
    return done.returncode, done.stdout, done.stderr


def _tiff_claiming_size(path: Path, width: int, height: int) -> Path:
    import tifffile

    tifffile.imwrite(path, np.zeros((16, 16, 2), np.uint16), photometric="minisblack", extrasamples=["unassalpha"])
    data = bytearray(path.read_bytes())
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            struct.pack_into("<H" if kind == 3 else "<I", data, entry + 8, width if tag == 256 else height)
    path.write_bytes(bytes(data))
    return path


def test_library_noise_and_odd_names_give_exactly_one_safe_line_per_failed_file(tmp_path, make_photo, alpha_model_file):
    folder = tmp_path / "in"
    folder.mkdir()
    grey = make_photo.grey(24, 32)
    Image.fromarray(grey).save(folder / "good.png")
    _tiff_claiming_size(folder / "lying.tif", 3000, 3000)  # tifffile logs two errors about it
    corrupt_exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x00\x00\x04"
    Image.fromarray(grey).save(folder / "odd-exif.jpg", exif=corrupt_exif)  # Pillow warns, yet it decodes
    (folder / "two\nlines.jpg").write_bytes(b"not a photo")
    (folder / "red\x1b[31malert.png").write_bytes(b"not a photo")
    code, out, err = _run_in_a_fresh_process("images", str(folder), "--output", str(tmp_path / "out"), "--model", str(alpha_model_file), "--size", "64")
    assert code == 1, err
    lines = err.splitlines()
    assert len(lines) == 3, err  # one per failed file, nothing else
    assert "\x1b" not in err
    assert any(line.startswith(f"{folder / 'lying.tif'}: ") for line in lines)
    assert "two\\nlines.jpg: not an image" in err and "red\\x1b[31malert.png: not an image" in err
    assert out.strip().startswith("2 coloured, 3 failed")


def test_the_pickle_refusal_is_whole_and_plain(tmp_path, make_photo):
    import torch

    class Payload:
        def __reduce__(self):
            return (print, ("this ran",))

    torch.save({"arch": "alpha", "config": {}, "state_dict": {}, "x": Payload()}, tmp_path / "evil.pt")
    Image.fromarray(make_photo.grey(24, 32)).save(tmp_path / "grey.png")
    code, out, err = _run_in_a_fresh_process("images", str(tmp_path / "grey.png"), "--output", str(tmp_path / "out"), "--model", str(tmp_path / "evil.pt"))
    assert code == 2 and "this ran" not in out
    assert err.strip() == (
        "colourise images: error: evil.pt: refused: it holds Python code or objects (print), "
        "and Colourise never runs code from a model file; use a .safetensors model"
    )


@pytest.fixture
def unreadable(monkeypatch):
    """``unreadable(folder)``: the folder lists and opens as a folder without read permission would
    (tests may run as root, for whom chmod 000 changes nothing)."""
    import builtins
    import errno
    import os

    blocked: list[str] = []
    real_stat, real_scandir, real_open = os.stat, os.scandir, builtins.open

    def under(path, itself: bool) -> bool:
        try:
            text = os.path.abspath(os.fsdecode(path))
        except TypeError:
            return False  # a file descriptor
        return any(text.startswith(b + os.sep) or (itself and text == b) for b in blocked)

    def denied(path):
        return PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))

    def stat(path, *args, **kwargs):
        if under(path, itself=False):
            raise denied(path)
        return real_stat(path, *args, **kwargs)

    def scandir(path=".", *args, **kwargs):
        if under(path, itself=True):
            raise denied(path)
        return real_scandir(path, *args, **kwargs)

    def open_(file, *args, **kwargs):
        if under(file, itself=False):
            raise denied(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(builtins, "open", open_)

    def block(folder: Path) -> None:
        blocked.append(os.path.abspath(folder))

    return block


def test_unreadable_folders_and_files_each_get_a_line_and_the_rest_goes_on(tmp_path, make_photo, run_cli, unreadable):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "open").mkdir()
    Image.fromarray(make_photo.grey(24, 32)).save(folder / "open" / "a.png")
    Image.fromarray(make_photo.grey(24, 32)).save(folder / "locked" / "b.png")
    (tmp_path / "elsewhere").mkdir()
    Image.fromarray(make_photo.grey(24, 32)).save(tmp_path / "elsewhere" / "c.png")
    unreadable(folder / "locked")
    unreadable(tmp_path / "elsewhere")
    code, out, err = run_cli(folder, tmp_path / "elsewhere" / "c.png", "--output", tmp_path / "out")
    assert code == 1
    assert sorted(err) == [f"{tmp_path / 'elsewhere' / 'c.png'}: permission denied", f"{folder / 'locked'}: cannot be read (permission denied)"]
    assert out[-1].startswith("1 coloured, 2 failed")
    assert (tmp_path / "out" / "open" / "a.png").is_file()


def test_link_loops_in_a_folder_and_on_the_command_line_are_one_line_each(tmp_path, make_photo, run_cli):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(make_photo.grey(24, 32)).save(folder / "good.png")
    (folder / "self.jpg").symlink_to(folder / "self.jpg")
    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    code, out, err = run_cli(folder, tmp_path / "loop.png", "--output", tmp_path / "out")
    assert code == 1 and len(err) == 2, err
    assert all(line.split(": ")[0] in (str(folder / "self.jpg"), str(tmp_path / "loop.png")) for line in err)
    assert out[-1].startswith("1 coloured, 2 failed")


def test_hints_the_window_saved_bring_their_strength_unless_strength_is_given(tmp_path, run_cli, make_photo, hint_model_file):
    photos = tmp_path / "photos"
    photos.mkdir()
    _grey_photo(photos / "a.png", make_photo)
    saved = tmp_path / "saved-in-the-window"
    saved.mkdir()
    (saved / "a-colourised.jpg.hints.json").write_text('{"strength": 1.4, "points": [{"x": 3, "y": 3, "colour": "#0000ff"}]}')
    code, _, _ = run_cli(photos, "--output", tmp_path / "own", "--hints-dir", saved, model=str(hint_model_file))
    assert code == 0
    assert Image.open(tmp_path / "own" / "a.png").getexif()[0x0131].endswith(", 1 colour hint, strength 140 %")  # it was coloured at 100 %
    code, _, _ = run_cli(photos, "--output", tmp_path / "given", "--hints-dir", saved, "--strength", "0.5", model=str(hint_model_file))
    assert code == 0 and Image.open(tmp_path / "given" / "a.png").getexif()[0x0131].endswith(", 1 colour hint, strength 50 %")


def test_a_photo_whose_output_name_is_too_long_fails_alone_and_the_rest_are_coloured(tmp_path, run_cli, make_photo):
    folder = tmp_path / "in"
    folder.mkdir()
    long_name = "a" * 245 + ".png"  # 249 bytes: fits ext4's 255, its before-and-after name does not
    for name in (long_name, "b.png"):
        Image.fromarray(make_photo.grey(24, 32)).save(folder / name)
    code, out, err = run_cli(folder, "--output", tmp_path / "ba", "--before-after")
    assert code == 1 and out == [f"1 coloured, 1 failed -> {tmp_path / 'ba'}"]  # was: OSError [Errno 36], nothing coloured
    assert len(err) == 1 and err[0].startswith(f"{folder / long_name}: cannot write: file name too long")
    assert os.listdir(tmp_path / "ba") == ["b-before-after.png"]
    code, out, err = run_cli(folder, "--output", tmp_path / "same")  # its own name fits, and so must its temporary
    assert code == 0 and out == [f"2 coloured -> {tmp_path / 'same'}"] and err == []
    assert sorted(os.listdir(tmp_path / "same")) == sorted([long_name, "b.png"])


def test_running_again_into_an_output_folder_inside_the_photos_folder_skips_its_bmps_as_it_does_pngs(tmp_path, run_cli, make_photo):
    nest = tmp_path / "nest"
    nest.mkdir()
    for name in ("a.bmp", "b.bmp"):
        Image.fromarray(make_photo.grey(24, 32)).save(nest / name)
    assert run_cli(nest, "-o", nest / "out")[0] == 0
    code, out, err = run_cli(nest, "-o", nest / "out")  # was: "would replace an original" for each, rc 1
    assert code == 0 and out[-1].startswith("0 coloured, 2 skipped (exist; use --overwrite)")
    assert err == [f"{nest / 'out' / name}: exists, skipped (use --overwrite to replace it)" for name in ("a.bmp", "b.bmp")]
    code, out, err = run_cli(nest, "-o", nest / "out", "--overwrite")
    assert (code, err, out[-1]) == (0, [], f"2 coloured -> {nest / 'out'}")


def test_skipped_photos_are_named_the_first_few_and_a_count(tmp_path, run_cli, make_photo, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(7):
        Image.fromarray(make_photo.grey(24, 32, i)).save(folder / f"p{i}.png")
    monkeypatch.chdir(tmp_path)
    assert run_cli("in", "-o", "out")[0] == 0
    code, out, err = run_cli("in", "-o", "out")
    assert code == 0 and out == ["0 coloured, 7 skipped (exist; use --overwrite) -> out"]
    # was: no word of which (a run of thousands: the first few, then how many more)
    assert err == [f"out/p{i}.png: exists, skipped (use --overwrite to replace it)" for i in range(5)] + ["... and 2 more skipped"]
