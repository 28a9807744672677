"""user_message: every exception becomes one readable line, naming the file where there is one."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from engine.errors import ModelFileError, PhotoError, user_message


def test_engine_errors_are_already_one_line():
    assert user_message(PhotoError("/p/x.jpg", "truncated or corrupt")) == "x.jpg: truncated or corrupt"
    assert user_message(ModelFileError("m.safetensors", "no such file"), "x.jpg") == "m.safetensors: no such file"


def test_a_write_error_is_named_after_the_photo_it_was_for():
    error = PhotoError("/out/x.png", "cannot write: permission denied")
    assert user_message(error, Path("/in/x.jpg")) == "x.jpg: x.png: cannot write: permission denied"
    assert user_message(error, Path("/in/x.png")) == "x.png: cannot write: permission denied"


def test_other_exceptions_give_their_first_line_or_their_type():
    assert user_message(RuntimeError("first line\nsecond line")) == "first line"
    assert user_message(ZeroDivisionError()) == "ZeroDivisionError"
    assert user_message(KeyError("colour_unet")) == "colour_unet"
    assert user_message(MemoryError(), "big.tif") == "big.tif: out of memory: try a smaller photo or batch"
    assert user_message(PermissionError(13, "Permission denied", "/p/a.jpg")) == "a.jpg: permission denied"
    assert user_message(Image.UnidentifiedImageError("cannot identify image file 'x'"), "x.jpg") == "x.jpg: not an image Pillow can read"
