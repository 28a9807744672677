"""Quantised a/b bins: the in-gamut set, soft-encoding, rebalancing and annealed-mean decoding."""

from __future__ import annotations

import pytest
import torch

from engine import colour
from engine.models import ab_bins


def test_the_bin_list_is_the_srgb_gamut():
    centres = ab_bins.bin_centres()
    listed = sorted((round(a / 10), round(b / 10)) for a, b in centres.tolist())
    assert ab_bins.N_BINS == len(listed) == len(set(listed)) == 262
    assert ab_bins.in_gamut_cells(samples=128) == listed


# The list every network trained before ``bin_grid`` existed is tied to, as it was spelt out then.
GRID_10_ROWS = (
    (-9, 8, 8), (-8, 4, 8), (-7, 2, 9), (-6, 0, 9), (-5, -2, 9), (-4, -3, 9), (-3, -4, 9),
    (-2, -4, 9), (-1, -5, 9), (0, -6, 9), (1, -7, 8), (2, -8, 8), (3, -8, 8), (4, -9, 8),
    (5, -9, 7), (6, -10, 7), (7, -11, 7), (8, -11, 7), (9, -9, 0), (10, -7, -5),
)  # fmt: skip


def test_grid_10_centres_are_the_old_constant_list_exactly():
    old = torch.tensor([(a, b) for a, lo, hi in GRID_10_ROWS for b in range(lo, hi + 1)], dtype=torch.float32) * 10.0
    assert torch.equal(ab_bins.bin_centres(), old) and torch.equal(ab_bins.bin_centres(10.0), old)
    assert torch.equal(ab_bins.bin_centres(10), old)  # a whole number from a JSON config too
    assert ab_bins.n_bins(10.0) == ab_bins.N_BINS == 262
    assert ab_bins.sigma_for(10.0) == ab_bins.SIGMA == 5.0


@pytest.mark.parametrize("grid", [10.0, 20.0])
def test_every_srgb_colour_has_a_bin_within_half_a_cell(grid):
    rgb = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    rgb[:, 0, :8] = torch.tensor([[(i >> k) & 1 for i in range(8)] for k in range(3)])  # the cube's corners
    ab = colour.rgb_to_lab(rgb)[1:].reshape(2, -1).T
    nearest = torch.cdist(ab, ab_bins.bin_centres(grid)).min(1).values
    assert nearest.max() <= grid / 2 * 2**0.5 + 1e-4


def test_a_coarser_grid_has_fewer_bins_that_are_the_srgb_gamut():
    centres = ab_bins.bin_centres(20.0)
    cells = sorted((round(a / 20), round(b / 20)) for a, b in centres.tolist())
    assert ab_bins.n_bins(20.0) == centres.shape[0] == len(set(cells)) == 77 < ab_bins.N_BINS
    assert torch.equal(centres, torch.tensor(cells, dtype=torch.float32) * 20)  # cell centres, multiples of 20
    assert ab_bins.in_gamut_cells(samples=384, grid=20.0) == cells  # an independent, coarser sampling agrees
    assert ab_bins.sigma_for(20.0) == 10.0
    assert ab_bins.bin_centres(20.0) is not ab_bins.bin_centres(20.0)  # fresh copies of the cached list


def _ab_map(values) -> torch.Tensor:
    """a/b pairs -> a ``(1, 2, 1, n)`` map."""
    return torch.tensor(values, dtype=torch.float32).T.reshape(1, 2, 1, -1)


def test_soft_encoding_weights_nearest_bins_most():
    centres = ab_bins.bin_centres()
    ab = _ab_map([[0.0, 0.0], [23.0, -41.0], [60.0, 60.0]])
    indices, weights = ab_bins.soft_encode(ab, centres)
    assert indices.shape == weights.shape == (1, ab_bins.NEAREST, 1, 3)
    torch.testing.assert_close(weights.sum(1), torch.ones(1, 1, 3))
    assert (weights[:, :-1] >= weights[:, 1:]).all()  # nearest first
    nearest = centres[indices[0, 0, 0]]
    torch.testing.assert_close(nearest, torch.tensor([[0.0, 0.0], [20.0, -40.0], [60.0, 60.0]]))
    # A colour on a bin centre: four neighbours at 10 units each get exp(-100 / 50) of its weight.
    assert weights[0, 1, 0, 0] / weights[0, 0, 0, 0] == pytest.approx(torch.exp(torch.tensor(-2.0)).item(), rel=1e-5)


def test_soft_encoding_width_follows_the_grid():
    # At grid 20 (sigma 10) the four neighbours of a centre, 20 units away, get the same share as at grid 10.
    indices, weights = ab_bins.soft_encode(_ab_map([[0.0, 0.0]]), ab_bins.bin_centres(20.0), sigma=ab_bins.sigma_for(20.0))
    assert ab_bins.bin_centres(20.0)[indices[0, :, 0, 0]].norm(dim=1).tolist() == [0.0, 20.0, 20.0, 20.0, 20.0]
    assert weights[0, 1, 0, 0] / weights[0, 0, 0, 0] == pytest.approx(torch.exp(torch.tensor(-2.0)).item(), rel=1e-5)


def test_dense_and_frequencies_agree_with_the_sparse_form():
    ab = torch.randn(2, 2, 4, 4) * 30
    indices, weights = ab_bins.soft_encode(ab, ab_bins.bin_centres())
    dense = ab_bins.densify(indices, weights, ab_bins.N_BINS)
    torch.testing.assert_close(dense.sum(1), torch.ones(2, 4, 4))
    freq = ab_bins.bin_frequencies(indices, weights, ab_bins.N_BINS)
    torch.testing.assert_close(freq, dense.sum((0, 2, 3)) / 32)


def test_smoothing_keeps_mass():
    smoothing = ab_bins.smoothing_matrix(ab_bins.bin_centres())
    torch.testing.assert_close(smoothing.sum(0), torch.ones(ab_bins.N_BINS))


def test_rebalancing_lifts_rare_colours():
    centres = ab_bins.bin_centres()
    smoothing = ab_bins.smoothing_matrix(centres)
    prior = torch.full((ab_bins.N_BINS,), 1e-4)
    common = int(torch.cdist(torch.zeros(1, 2), centres).argmin())  # grey
    prior[common] = 1.0
    weights = ab_bins.rebalancing_weights(prior, smoothing, gamma=0.5, strength=1.0)
    smoothed = smoothing @ (prior / prior.sum())
    assert (smoothed * weights).sum() == pytest.approx(1.0, rel=1e-5)  # mean 1 under the prior
    assert weights[common] == weights.min()
    assert weights.max() / weights.min() > 10
    softer = ab_bins.rebalancing_weights(prior, smoothing, gamma=0.5, strength=0.5)
    assert softer.max() / softer.min() < weights.max() / weights.min()
    off = ab_bins.rebalancing_weights(prior, smoothing, gamma=0.5, strength=0.0)
    torch.testing.assert_close(off, torch.ones(ab_bins.N_BINS))


def test_decoding_goes_from_mode_to_mean_with_temperature():
    centres = ab_bins.bin_centres()
    logits = torch.randn(2, ab_bins.N_BINS, 3, 5, generator=torch.Generator().manual_seed(0))
    logits.scatter_add_(1, logits.argmax(1, keepdim=True), torch.ones(2, 1, 3, 5))  # a clear favourite per pixel
    probs = torch.softmax(logits, 1)
    mean = torch.einsum("nqhw,qc->nchw", probs, centres)
    torch.testing.assert_close(ab_bins.decode(logits, centres, 1.0), mean)
    mode = centres[logits.argmax(1)].permute(0, 3, 1, 2)
    torch.testing.assert_close(ab_bins.decode(logits, centres, 0.0), mode)
    # A small temperature lands on the favourite bin's centre, the plain mean far from any.
    assert (ab_bins.decode(logits, centres, 0.05) - mode).abs().max() < 0.1
    assert (mean - mode).abs().max() > 5


def test_annealed_mean_is_more_saturated_than_the_mean():
    centres = ab_bins.bin_centres()
    # A distribution peaked on a vivid colour with a broad grey-ish tail.
    logits = torch.zeros(1, ab_bins.N_BINS, 1, 1)
    vivid = int(torch.cdist(torch.tensor([[60.0, 60.0]]), centres).argmin())
    logits[0, vivid] = 3.0
    chroma = [ab_bins.decode(logits, centres, t).norm() for t in (1.0, 0.38, 0.1)]
    assert chroma[0] < chroma[1] < chroma[2]


def two_minded_logits(h: int = 6, w: int = 6, lean: torch.Tensor | None = None, grid: float = 10.0) -> torch.Tensor:
    """Per pixel: half the mass on sky blue (0, -40), half on sunset orange (30, 40); ``lean`` tips it."""
    centres = ab_bins.bin_centres(grid)
    blue = int(((centres - torch.tensor([0.0, -40.0])).norm(dim=1)).argmin())
    orange = int(((centres - torch.tensor([30.0, 40.0])).norm(dim=1)).argmin())
    logits = torch.full((1, centres.shape[0], h, w), -20.0)
    logits[0, blue] = 0.0
    logits[0, orange] = 0.0 if lean is None else lean
    return logits


def test_mode_aware_decoding_picks_one_of_two_opposite_hues_instead_of_their_mean():
    centres = ab_bins.bin_centres()
    mean = ab_bins.decode(two_minded_logits(), centres, 1.0)
    assert torch.allclose(mean[0, :, 0, 0], torch.tensor([15.0, 0.0]), atol=1e-3)  # blue + orange averaged: pink
    clustered = ab_bins.decode_hue_cluster(two_minded_logits(lean=torch.tensor(-0.1)), centres, 1.0)
    assert torch.allclose(clustered, torch.tensor([0.0, -40.0])[None, :, None, None].expand_as(clustered), atol=1e-3)
    clustered = ab_bins.decode_hue_cluster(two_minded_logits(lean=torch.tensor(0.1)), centres, 1.0)
    assert torch.allclose(clustered, torch.tensor([30.0, 40.0])[None, :, None, None].expand_as(clustered), atol=1e-3)


def test_mode_aware_decoding_works_at_a_coarser_grid():
    centres = ab_bins.bin_centres(20.0)
    blue, orange = torch.tensor([0.0, -40.0]), torch.tensor([20.0, 40.0])  # (30, 40)'s nearest grid-20 bin
    mean = ab_bins.decode(two_minded_logits(grid=20.0), centres, 1.0)
    assert torch.allclose(mean[0, :, 0, 0], (blue + orange) / 2, atol=1e-3)
    for lean, expected in ((-0.1, blue), (0.1, orange)):
        clustered = ab_bins.decode_hue_cluster(two_minded_logits(lean=torch.tensor(lean), grid=20.0), centres, 1.0)
        assert clustered.shape == (1, 2, 6, 6)
        assert torch.allclose(clustered, expected[None, :, None, None].expand_as(clustered), atol=1e-3)
    # Grid-10 decoding still gives the same answer after a grid-20 one (the clusters are cached per set of bins).
    clustered = ab_bins.decode_hue_cluster(two_minded_logits(lean=torch.tensor(0.1)), ab_bins.bin_centres(), 1.0)
    assert torch.allclose(clustered, torch.tensor([30.0, 40.0])[None, :, None, None].expand_as(clustered), atol=1e-3)


def test_mode_aware_decoding_keeps_one_minded_pixels_and_grey():
    torch.manual_seed(0)
    centres = ab_bins.bin_centres()
    # one hue with spread around it, plus grey: everything lies in one cluster
    target = torch.tensor([-30.0, 30.0])
    d2 = (centres - target).pow(2).sum(1)
    logits = (-d2 / 200)[None, :, None, None].repeat(1, 1, 3, 3)
    logits[:, centres.norm(dim=1) < 1] = 0.0
    for t in (1.0, 0.38):
        assert torch.allclose(ab_bins.decode_hue_cluster(logits, centres, t), ab_bins.decode(logits, centres, t), atol=0.05)
    grey = torch.full((1, ab_bins.N_BINS, 2, 2), -20.0)
    grey[:, int(centres.norm(dim=1).argmin())] = 0.0
    assert ab_bins.decode_hue_cluster(grey, centres, 1.0).abs().max() < 1e-3


def test_a_smaller_grey_radius_lets_the_chosen_hue_speak_louder():
    centres = ab_bins.bin_centres()
    # a muted blue: most of the probability on grey and the four bins around it, some on a blue bin
    logits = torch.full((1, ab_bins.N_BINS, 2, 2), -30.0)
    near_grey = centres.norm(dim=1) < ab_bins.NEUTRAL_RADIUS
    assert int(near_grey.sum()) == 5  # (0, 0) and its four neighbours at grid 10
    logits[:, near_grey] = 0.0
    blue = int(((centres - torch.tensor([0.0, -40.0])).norm(dim=1)).argmin())
    logits[:, blue] = 1.0
    chroma = {r: float(ab_bins.decode_hue_cluster(logits, centres, 1.0, neutral=r)[0, :, 0, 0].norm()) for r in (12.0, 5.0, 0.0)}
    assert chroma[12.0] < chroma[5.0] <= chroma[0.0]  # fewer grey bins share the mean: a purer blue
    ab = ab_bins.decode_hue_cluster(logits, centres, 1.0, neutral=5.0)[0, :, 0, 0]
    assert ab[1] < -10 and abs(float(ab[0])) < 0.2 * abs(float(ab[1]))  # still blue: b negative, little a


def test_mode_aware_decoding_chooses_one_hue_per_region_not_per_pixel():
    centres = ab_bins.bin_centres()
    # a 9 x 9 sky whose pixels lean blue or orange at random, blue a little more often
    lean = torch.where(torch.rand(9, 9, generator=torch.Generator().manual_seed(2)) < 0.65, -0.2, 0.2)
    ab = ab_bins.decode_hue_cluster(two_minded_logits(9, 9, lean), centres, 1.0, region=9)
    assert (ab[0, 1] < -30).all()  # every pixel blue: one mode for the whole sky, no blue and orange patches
    patchy = ab_bins.decode_hue_cluster(two_minded_logits(9, 9, lean), centres, 1.0, region=1)
    assert (patchy[0, 1] > 30).any() and (patchy[0, 1] < -30).any()


def test_the_rebalancing_correction_gives_rare_colours_back_their_true_odds():
    centres = ab_bins.bin_centres()
    prior = torch.exp(-centres.norm(dim=1) / 10)  # grey common, vivid rare
    smoothing = ab_bins.smoothing_matrix(centres)
    logits = torch.zeros(1, ab_bins.N_BINS, 1, 1)
    corrected = ab_bins.rebalancing_correction(logits, prior, smoothing, 0.5, 1.0)
    assert corrected.argmax(1).item() == int(centres.norm(dim=1).argmin())  # grey, the common colour, wins
    assert torch.equal(ab_bins.rebalancing_correction(logits, prior, smoothing, 0.5, 0.0), logits)


def test_the_rebalancing_correction_works_at_a_coarser_grid():
    centres = ab_bins.bin_centres(20.0)
    prior = torch.exp(-centres.norm(dim=1) / 10)
    smoothing = ab_bins.smoothing_matrix(centres, ab_bins.sigma_for(20.0))
    torch.testing.assert_close(smoothing.sum(0), torch.ones(77))
    corrected = ab_bins.rebalancing_correction(torch.zeros(1, 77, 1, 1), prior, smoothing, 0.5, 1.0)
    assert corrected.shape == (1, 77, 1, 1) and corrected.argmax(1).item() == int(centres.norm(dim=1).argmin())
    with pytest.raises(ValueError, match="77 bins"):
        ab_bins.rebalancing_correction(torch.zeros(1, ab_bins.N_BINS, 1, 1), prior, smoothing, 0.5, 1.0)
