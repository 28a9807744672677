"""engine.colour agrees with scikit-image's rgb2lab/lab2rgb, batched, in float32 and float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from skimage import color, data

from engine import colour


def to_nchw(images: np.ndarray, dtype) -> torch.Tensor:
    """(N, H, W, 3) or (H, W, 3) numpy -> (N, 3, H, W) torch."""
    t = torch.from_numpy(np.ascontiguousarray(images))
    t = t[None] if t.dim() == 3 else t
    return t.permute(0, 3, 1, 2).to(dtype)


def to_nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).double().numpy()


REAL_PHOTOS = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea, "rocket": data.rocket}


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-3), (torch.float64, 1e-8)])
def test_rgb_to_lab_matches_skimage_on_random_pixels(dtype, tolerance):
    rng = np.random.default_rng(0)
    rgb = rng.random((3, 17, 23, 3))
    rgb[0, 0, :5] = [[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]  # corners of the cube
    expected = color.rgb2lab(rgb)
    got = to_nhwc(colour.rgb_to_lab(to_nchw(rgb, dtype)))
    assert np.abs(got - expected).max() < tolerance


@pytest.mark.parametrize("name", sorted(REAL_PHOTOS))
def test_rgb_to_lab_matches_skimage_on_real_photos(name):
    rgb = REAL_PHOTOS[name]()[::4, ::4] / 255.0  # a quarter size keeps it quick; every pixel is real
    expected = color.rgb2lab(rgb)
    got = to_nhwc(colour.rgb_to_lab(to_nchw(rgb, torch.float32)))
    assert np.abs(got - expected).max() < 1e-3


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-3), (torch.float64, 1e-8)])
def test_lab_to_rgb_matches_skimage_in_gamut(dtype, tolerance):
    rgb = np.random.default_rng(1).random((2, 19, 21, 3))
    lab = color.rgb2lab(rgb)
    got = to_nhwc(colour.lab_to_rgb(to_nchw(lab, dtype)))
    assert np.abs(got - color.lab2rgb(lab)).max() < tolerance
    assert np.abs(got - rgb).max() < tolerance


def test_lab_to_rgb_matches_skimage_out_of_gamut():
    rng = np.random.default_rng(2)
    lab = np.stack((rng.uniform(0, 100, (31, 29)), rng.uniform(-110, 110, (31, 29)), rng.uniform(-110, 110, (31, 29))), -1)
    # skimage clamps a negative f(Z) to 0 (warning "negative Z values"); engine.colour does not.
    # Such colours are far outside every RGB gamut; compare everywhere else.
    valid = (lab[..., 0] + 16) / 116 - lab[..., 2] / 200 >= 0
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = color.lab2rgb(lab)
    got = to_nhwc(colour.lab_to_rgb(to_nchw(lab, torch.float32)))[0]
    assert valid.mean() > 0.5
    assert np.abs(got - expected)[valid].max() < 1e-3


def test_real_photo_round_trip_through_lab():
    rgb = data.astronaut()[::4, ::4] / 255.0
    back = to_nhwc(colour.lab_to_rgb(colour.rgb_to_lab(to_nchw(rgb, torch.float32))))
    assert np.abs(back - rgb).max() < 1e-3


def test_works_without_a_batch_dimension_and_rejects_wrong_shapes():
    rgb = torch.rand(3, 5, 7)
    assert colour.rgb_to_lab(rgb).shape == (3, 5, 7)
    with pytest.raises(ValueError, match=r"\(\*, 3, H, W\)"):
        colour.rgb_to_lab(torch.rand(1, 4, 5, 7))
    with pytest.raises(ValueError):
        colour.lab_to_rgb(torch.rand(5, 7))


def test_fit_to_gamut_keeps_luminance_and_stays_in_range():
    rng = np.random.default_rng(3)
    lab = np.stack((rng.uniform(1, 99, (40, 40)), rng.uniform(-110, 110, (40, 40)), rng.uniform(-110, 110, (40, 40))), -1)
    lin = colour.lab_to_linear_rgb(to_nchw(lab, torch.float64))
    fitted = colour.fit_to_gamut_keeping_luminance(lin)
    assert fitted.min() >= 0 and fitted.max() <= 1
    l_after = colour.rgb_to_lab(colour.linear_to_srgb(fitted))[:, 0]
    assert (l_after - torch.from_numpy(lab[..., 0])).abs().max() < 1e-6


def test_network_scaling_round_trips():
    l = torch.tensor([0.0, 50.0, 100.0])
    assert colour.normalise_l(l).tolist() == [-1.0, 0.0, 1.0]
    ab = torch.tensor([-110.0, 0.0, 55.0])
    assert torch.allclose(colour.denormalise_ab(colour.normalise_ab(ab)), ab)
    assert colour.normalise_ab(ab).tolist() == [-1.0, 0.0, 0.5]
