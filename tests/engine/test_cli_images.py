"""``colourise images`` end to end, in-process, on a zoo of awkward and broken files."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
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


def _png_claiming_size(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "PNG")
    data = buffer.getvalue()
    ihdr = struct.pack(">II", width, height) + data[24:29]
    return data[:16] + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + data[33:]


@pytest.fixture
def zoo(tmp_path, make_photo) -> Path:
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
    (root / "huge.png").write_bytes(_png_claiming_size(100_000, 100_000))
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
    assert len(stderr) == len(BAD)  # one line per bad file, nothing else (no traceback, no bar)
    for line, (name, reason) in zip(sorted(stderr), sorted(BAD.items())):
        assert line.startswith(f"{name}: ") and reason in line
    assert stdout == [f"{len(GOOD)} coloured, {len(BAD)} failed -> {out}"]
    assert hashes(zoo) == before

    assert read_photo(out / "rotated.jpg").pixels.shape == (32, 24, 3)  # upright now
    grey16 = read_photo(out / "grey16.tif")
    assert grey16.pixels.dtype == np.uint16 and grey16.pixels.shape == (24, 32, 3)
    with Image.open(out / "scan16.png") as im:
        assert im.mode == "RGB" and (out / "scan16.png").read_bytes()[24] == 16  # IHDR bit depth
    assert read_photo(out / "palette_transparent.png").alpha is not None
    assert read_photo(out / "la.png").alpha is not None
    assert read_photo(out / "cmyk.jpg").pixels.shape == (24, 32, 3)


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
