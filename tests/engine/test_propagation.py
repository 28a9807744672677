"""engine.propagation: a hint's correction fills its object, stays off other objects, and many hints correct a cast."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from engine.hints import photo_wide_share
from engine.propagation import propagate

RESIDUAL = np.array([30.0, -20.0])  # a/b a hint asks to add


def residual_at(mask: np.ndarray) -> np.ndarray:
    residual = np.zeros((2, *mask.shape))
    residual[:, mask] = RESIDUAL[:, None]
    return residual


def share_of_residual(correction: np.ndarray, where) -> float:
    """How much of the hint's correction arrived at ``where`` (a boolean mask or ``np.s_[rows, cols]``), on average (1: all)."""
    picked = correction[(slice(None), *where)] if isinstance(where, tuple) else correction[:, where]
    return float((picked.reshape(2, -1) * RESIDUAL[:, None]).sum(0).mean() / (RESIDUAL**2).sum())


def test_a_hint_fills_its_whole_object_even_far_from_the_point():
    lightness = np.full((48, 96), 80.0)
    lightness[:, :60] = 30.0  # a dark object across most of the photo, a light one beside it
    mask = np.zeros(lightness.shape, bool)
    mask[20:23, 3:6] = True  # one hint at the object's far left
    correction = propagate(lightness, mask, residual_at(mask))
    assert share_of_residual(correction, np.s_[:, 50:56]) > 0.95  # 50 pixels away, still its object
    assert share_of_residual(correction, np.s_[:, 66:]) < 0.02  # the light object keeps its colours


def test_one_hint_does_not_leak_onto_an_object_of_another_lightness_through_a_soft_edge():
    # The dark object fades into the light one over 40 pixels: every step is a small change of
    # lightness, which is how real edges look at working size once they are blurred or shaded.
    # A correction spread with only a tiny pull crosses such a ramp almost whole.
    lightness = np.full((40, 160), 80.0)
    lightness[:, :60] = 30.0
    lightness[:, 60:100] = np.linspace(30.0, 80.0, 40)
    mask = np.zeros(lightness.shape, bool)
    mask[18:21, 10:13] = True
    correction = propagate(lightness, mask, residual_at(mask))
    assert share_of_residual(correction, np.s_[:, :55]) > 0.9
    assert share_of_residual(correction, np.s_[:, 120:]) < 0.2

    photo_wide = propagate(lightness, mask, residual_at(mask), hints=10**6)  # all of it spread photo-wide, as before
    assert share_of_residual(photo_wide, np.s_[:, 120:]) > 0.6  # (what the split is for)


def test_one_hint_stays_off_a_thing_as_light_as_its_object_that_the_network_coloured_otherwise():
    # A red coat against green grass of the same grey: lightness alone cannot tell them apart,
    # the network's colours can.
    lightness = np.full((40, 120), 45.0)
    colours = np.zeros((2, 40, 120))
    colours[:, :, :50] = np.array([45.0, 30.0])[:, None, None]  # the coat, red
    colours[:, :, 50:] = np.array([-30.0, 35.0])[:, None, None]  # the grass, green
    mask = np.zeros(lightness.shape, bool)
    mask[18:21, 10:13] = True
    without = propagate(lightness, mask, residual_at(mask))
    assert share_of_residual(without, np.s_[:, 70:]) > 0.8  # (what the network's colours are for)
    correction = propagate(lightness, mask, residual_at(mask), colours=colours)
    assert share_of_residual(correction, np.s_[:, :45]) > 0.9  # the whole coat
    assert share_of_residual(correction, np.s_[:, 70:]) < 0.15  # not the grass
    coarse = propagate(lightness, mask, residual_at(mask), colours=colours, max_side=40)  # a drag's preview agrees
    assert share_of_residual(coarse, np.s_[:, 70:]) < 0.15


def test_many_hints_that_agree_correct_a_cast_over_the_whole_photo():
    rng = np.random.default_rng(0)
    texture = gaussian_filter(rng.standard_normal((60, 80)), 2)
    lightness = 50 + 20 * texture / texture.std()  # lighter and darker patches all over, as in a photo
    mask = np.zeros(lightness.shape, bool)
    mask[rng.integers(0, 60, 12), rng.integers(0, 80, 12)] = True  # 12 hints, all asking for the same shift
    correction = propagate(lightness, mask, residual_at(mask), hints=12)
    assert photo_wide_share(12) > 0.9
    assert share_of_residual(correction, ~mask) > 0.9
    one = propagate(lightness, mask & (np.cumsum(mask.ravel()).reshape(mask.shape) == 1), residual_at(mask), hints=1)
    assert share_of_residual(one, ~mask) < 0.6  # a single hint is not taken for a cast: its patches of like lightness only


def test_the_preview_grid_agrees_with_the_full_solve():
    lightness = np.full((96, 128), 70.0)
    lightness[:, :64] = 25.0
    mask = np.zeros(lightness.shape, bool)
    mask[40:43, 10:13] = True
    full = propagate(lightness, mask, residual_at(mask))
    coarse = propagate(lightness, mask, residual_at(mask), max_side=32)
    assert np.abs(full[:, :, 8:56] - coarse[:, :, 8:56]).mean() < 2.0  # (away from the edge, which the coarse grid softens)
    assert share_of_residual(coarse, np.s_[:, 80:]) < 0.05


def test_the_symmetric_ordering_solves_the_same_system_as_superlus_default(monkeypatch):
    # The ordering only changes how the factorization is computed (half the time, the GIL held far
    # less: bench/hint_solve.py), never the correction.
    from engine import propagation

    rng = np.random.default_rng(3)
    lightness = gaussian_filter(rng.uniform(0, 100, (40, 56)), 2)
    mask = np.zeros(lightness.shape, bool)
    mask[5:8, 5:8] = mask[30:33, 40:43] = True
    colours = rng.normal(0, 10, (2, *lightness.shape))
    shipped = propagate(lightness, mask, residual_at(mask), colours=colours)
    monkeypatch.setattr(propagation, "ORDERING", "COLAMD")
    default = propagate(lightness, mask, residual_at(mask), colours=colours)
    assert propagation.ORDERING == "COLAMD" and not np.array_equal(shipped, np.zeros_like(shipped))
    np.testing.assert_allclose(shipped, default, atol=1e-4)


def test_a_hint_on_a_thin_dark_crease_between_lit_folds_reaches_the_object_beside_it():
    """A point on a dark crease walled in by lit folds turned a sliver blue and left the coat red (1908 family photo)."""
    lightness = np.full((384, 384), 30.0)  # a dark coat, at the working size (SEED_SHARE: 3 px)
    lightness[90:103, 94:99] = 75.0  # a lit fold ...
    lightness[96, 95:98] = 27.0  # ... with a dark crease inside it, walled in on every side
    mask = np.zeros(lightness.shape, bool)
    mask[96, 96] = True  # the point, on the crease
    correction = propagate(lightness, mask, residual_at(mask))
    assert share_of_residual(correction, np.s_[150:250, 150:250]) > 0.5  # the coat, far from the fold (0 before)


def test_a_hint_grown_onto_its_neighbours_stays_off_what_is_lighter_or_darker():
    lightness = np.full((96, 96), 30.0)
    lightness[:, 50:] = 80.0  # a light thing right beside the hinted dark one
    mask = np.zeros(lightness.shape, bool)
    mask[48, 49] = True  # a point on the dark thing's edge
    correction = propagate(lightness, mask, residual_at(mask))
    assert share_of_residual(correction, np.s_[:, 52:]) < 0.05
    assert share_of_residual(correction, np.s_[:, :45]) > 0.9
