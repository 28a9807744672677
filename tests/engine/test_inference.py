"""Colouriser: the photo's own luminance survives, strength scales colour, any size and depth works."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import color, data

from engine import colour, inference
from engine.inference import Colouriser, luminance, resize_photo, working_shape
from engine.photo import Photo, photo_software


def lab_l(rgb_or_grey: np.ndarray) -> np.ndarray:
    """skimage's L* of a uint8/uint16 photo (grey or RGB)."""
    top = 65535.0 if rgb_or_grey.dtype == np.uint16 else 255.0
    values = rgb_or_grey / top
    if values.ndim == 2:
        values = np.repeat(values[..., None], 3, axis=-1)
    return color.rgb2lab(values)[..., 0]


@pytest.fixture(scope="module")
def camera() -> np.ndarray:
    return np.ascontiguousarray(data.camera()[::4, ::3])  # 128 x 171: odd width, real tones


def test_output_keeps_the_input_luminance_within_one_unit(colouriser, camera):
    out = colouriser.colourise(Photo(camera), strength=2.0)
    assert out.pixels.shape == camera.shape + (3,) and out.pixels.dtype == np.uint8
    assert np.abs(lab_l(out.pixels) - lab_l(camera)).max() <= 1.0


def test_colour_input_keeps_its_luminance(colouriser):
    rgb = np.ascontiguousarray(data.astronaut()[::5, ::5])
    out = colouriser.colourise(Photo(rgb))
    assert np.abs(lab_l(out.pixels) - lab_l(rgb)).max() <= 1.0


def test_16bit_in_gives_16bit_out_with_luminance_kept(colouriser, camera):
    grey16 = camera.astype(np.uint16) * 257 + 100
    out = colouriser.colourise(Photo(grey16))
    assert out.pixels.dtype == np.uint16
    assert np.abs(lab_l(out.pixels) - lab_l(grey16)).max() <= 0.05


def test_strength_zero_gives_grey_and_strength_scales_chroma(colouriser, camera):
    photo = Photo(camera)
    prediction = colouriser.predict(photo)
    grey = colouriser.render(photo, prediction, strength=0.0).pixels.astype(int)
    assert np.abs(grey[..., 0] - grey[..., 1]).max() <= 1 and np.abs(grey[..., 1] - grey[..., 2]).max() <= 1

    def chroma(strength: float) -> float:
        lab = color.rgb2lab(colouriser.render(photo, prediction, strength).pixels / 255.0)
        return float(np.hypot(lab[..., 1], lab[..., 2]).mean())

    assert chroma(0.5) < chroma(1.0) < chroma(2.0)


def test_a_strength_out_of_range_is_refused_naming_the_range(colouriser, camera):
    photo = Photo(camera)
    prediction = colouriser.predict(photo)
    for strength in (5, 2.01, -1, float("nan")):  # (as `colourise images --strength 3` is refused, not clamped)
        with pytest.raises(ValueError, match=r"strength must be from 0 to 2 \(1: the model's own colours\)"):
            colouriser.colourise(photo, strength=strength)
        with pytest.raises(ValueError, match="from 0 to 2"):
            colouriser.render(photo, prediction, strength)
    top = colouriser.render(photo, prediction, inference.MAX_STRENGTH).pixels
    assert np.array_equal(colouriser.colourise(photo, strength=2).pixels, top)
    assert colouriser.colourise(photo, strength=0).pixels.shape == top.shape


def test_network_sees_the_working_size_and_odd_sizes_work(colouriser):
    for height, width in [(37, 53), (200, 90), (8, 8), (1, 5)]:
        grey = np.random.default_rng(height).integers(0, 256, (height, width), dtype=np.uint8)
        prediction = colouriser.predict(Photo(grey))
        assert tuple(prediction.ab.shape) == (2, *working_shape(height, width, colouriser.working_size))
        assert colouriser.colourise(Photo(grey)).pixels.shape == (height, width, 3)


def test_working_shape_keeps_aspect_and_never_upscales():
    assert working_shape(3000, 4000, 256) == (192, 256)
    assert working_shape(100, 50, 256) == (100, 50)


def test_banded_full_resolution_work_equals_one_pass(colouriser, camera, monkeypatch):
    photo = Photo(camera)
    prediction = colouriser.predict(photo)
    whole = colouriser.render(photo, prediction).pixels
    monkeypatch.setattr(inference, "BAND_PIXELS", 1000)  # many bands of a few rows
    assert np.array_equal(colouriser.render(photo, prediction).pixels, whole)


def test_predict_many_matches_single_predictions_for_equal_sizes(colouriser, camera):
    photos = [Photo(camera), Photo(255 - camera)]
    together = colouriser.predict_many(photos)
    for photo, prediction in zip(photos, together):
        assert torch.allclose(prediction.ab, colouriser.predict(photo).ab, atol=1e-4)


def test_alpha_and_metadata_pass_through(colouriser, camera):
    alpha = np.full(camera.shape, 128, np.uint8)
    photo = Photo(camera, alpha, icc_profile=b"icc", exif=b"Exif\0\0")
    out = colouriser.render(photo, colouriser.predict(photo))
    assert out.alpha is alpha and out.icc_profile == b"icc" and out.exif == b"Exif\0\0"
    out = colouriser.colourise(photo)  # (its EXIF says what coloured it: see the test below)
    assert out.alpha is alpha and out.icc_profile == b"icc" and photo_software(out) == colouriser.software()


def test_luminance_matches_skimage(camera):
    assert np.abs(luminance(Photo(camera)).numpy() - lab_l(camera)).max() < 1e-3
    rgb = np.ascontiguousarray(data.coffee()[::6, ::6])
    assert np.abs(luminance(Photo(rgb)).numpy() - lab_l(rgb)).max() < 1e-3


def test_resize_photo_shrinks_keeping_depth_and_alpha(camera):
    alpha = np.full(camera.shape, 255, np.uint8)
    small = resize_photo(Photo(camera, alpha), 64)
    assert small.pixels.shape == working_shape(*camera.shape, 64) and small.alpha.shape == small.pixels.shape
    assert small.pixels.dtype == np.uint8


def test_from_name_loads_a_model_file(alpha_model_file):
    colouriser = Colouriser.from_name(alpha_model_file, device="cpu")
    assert colouriser.device.type == "cpu" and colouriser.name == "alpha" and not colouriser.model.training


@pytest.mark.parametrize("bit_depth", [8, 16])
@pytest.mark.parametrize("vivid", [True, False])
def test_fast_recombine_matches_the_colour_module_within_one_code(bit_depth, vivid):
    """recombine's numpy/lookup-table path against engine.colour's exact torch formulas."""
    gen = torch.Generator().manual_seed(bit_depth)
    if vivid:  # strong colours, black, white, both sides of the knee: many pixels out of gamut
        l_full = torch.rand(61, 83, generator=gen) * 100
        l_full[0, :4] = torch.tensor([0.0, 100.0, 3.0, 8.0])
        ab_small, strength = torch.randn(2, 7, 9, generator=gen) * 60, 1.5
    else:  # muted colours in mid tones: every pixel in gamut (the fast path skips the gamut fit)
        l_full = 30 + torch.rand(61, 83, generator=gen) * 40
        ab_small, strength = torch.randn(2, 7, 9, generator=gen).clamp(-2, 2) * 5, 1.0
    got = inference.recombine(l_full, ab_small, strength, bit_depth).astype(np.int64)
    ab = torch.nn.functional.interpolate(ab_small[None] * strength, size=l_full.shape, mode="bilinear", align_corners=False)[0]
    lab = torch.cat((l_full[None], ab)).double()
    lin = colour.fit_to_gamut_keeping_luminance(colour.lab_to_linear_rgb(lab))
    top = 2**bit_depth - 1
    expected = (colour.linear_to_srgb(lin).clamp(0, 1) * top + 0.5).floor().permute(1, 2, 0).numpy().astype(np.int64)
    assert np.abs(got - expected).max() <= 1


def test_a_hint_colour_is_shown_at_the_photos_lightness_with_its_own_hue():
    from engine.inference import lightness_at, shown_at_lightness
    from engine.photo import Photo

    photo = Photo(np.full((20, 30), 170, np.uint8))
    assert lightness_at(photo, 0, 0) == pytest.approx(69.8, abs=0.5)  # a corner: the window is cut, not shifted
    seen, own = shown_at_lightness((0x1F, 0x2A, 0x48), 69.8)
    assert own == pytest.approx(17.5, abs=0.5)
    r, g, b = seen
    assert b > r + 20 and b > g and min(seen) > 120  # navy's bluish hue, as light as the photo


def test_a_photo_coloured_through_the_api_is_saved_as_the_command_line_saves_it(colouriser, camera, tmp_path):
    from engine import __version__
    from engine.errors import PhotoError
    from engine.photo import read_photo, saved_software, write_photo

    original = write_photo(Photo(camera), tmp_path / "old.jpg")
    coloured = colouriser.colourise(read_photo(original), strength=1.2)
    said = f"Colourise {__version__}, model alpha, strength 120 %"  # what `colourise images -m alpha --strength 1.2` writes
    assert colouriser.software(0, 1.2) == said

    # Written either way, it is known for a colour version Colourise saved (left out of folders, of training)
    assert saved_software(write_photo(coloured, tmp_path / "by-write-photo.jpg")) == said
    assert colouriser.save(coloured, tmp_path / "saved.png") == tmp_path / "saved.png"
    assert saved_software(tmp_path / "saved.png") == said
    assert saved_software(colouriser.save(coloured, tmp_path / "saved.bmp")) == said  # no room for the tag: noted beside it
    # A photo rendered from a prediction says the model that coloured it
    rendered = colouriser.render(read_photo(original), colouriser.predict(read_photo(original)))
    assert saved_software(colouriser.save(rendered, tmp_path / "rendered.tif")) == f"Colourise {__version__}, model alpha"

    with pytest.raises(FileExistsError):  # as the command line, nothing is replaced unless asked
        colouriser.save(coloured, tmp_path / "saved.png")
    with pytest.raises(PhotoError, match="original"):
        colouriser.save(coloured, original, overwrite=True)
    assert saved_software(original) is None
