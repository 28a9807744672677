"""Colouring with hints: a hint colours the object under it, previews, suggestions, models without hints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import colour
from engine.hints import Hint, hint_ab
from engine.inference import Colouriser
from engine.photo import Photo

def srgb_at(l: float, a: float, b: float) -> tuple[int, int, int]:
    rgb = colour.lab_to_rgb(torch.tensor([l, a, b]).view(3, 1, 1)).flatten()
    return tuple(int(v) for v in (rgb * 255 + 0.5).tolist())


DARK_L = float(colour.rgb_to_lab(torch.full((3, 1, 1), 60 / 255))[0])
RED = srgb_at(DARK_L, 35, 20)  # a red the dark object can take at its own lightness


def two_regions(height: int = 64, width: int = 96) -> Photo:
    """A grey photo: a dark left half (an object) and a light right half (the background)."""
    pixels = np.full((height, width), 200, np.uint8)
    pixels[:, : width // 2] = 60
    return Photo(pixels)


def ab_of(photo: Photo) -> np.ndarray:
    rgb = torch.from_numpy(photo.pixels).permute(2, 0, 1).float() / 255
    return colour.rgb_to_lab(rgb)[1:].numpy()


@pytest.fixture(scope="module")
def hinted(hint_model_file):
    return Colouriser.from_name(hint_model_file, device="cpu")


def test_one_hint_colours_its_region_and_leaves_the_other_alone(hinted):
    photo = two_regions()
    assert hinted.takes_hints
    before = ab_of(hinted.colourise(photo))
    after = ab_of(hinted.colourise(photo, hints=[Hint(10, 30, RED)]))
    target = hint_ab([Hint(10, 30, RED)])[0]
    left, right = after[:, :, :44], after[:, :, 52:]  # (away from the edge the upsampling blends)
    assert np.abs(left - target[:, None, None]).max() < 3  # the whole object takes the hint's colour
    assert np.abs(right - before[:, :, 52:]).max() < 1.5  # the background keeps the model's own
    assert np.abs(before[:, :, :44] - target[:, None, None]).mean() > 20  # (and that was not red already)


def test_hints_are_honoured_and_strength_still_applies(hinted):
    photo = two_regions()
    hints = [Hint(10, 30, RED), Hint(80, 10, (40, 90, 220))]
    prediction = hinted.predict(photo, hints=hints)
    assert prediction.hints == 2
    h, w = prediction.ab.shape[1:]
    for hint, ab in zip(hints, hint_ab(hints)):
        here = prediction.ab[:, int(hint.y * h / 64), int(hint.x * w / 96)].numpy()
        np.testing.assert_allclose(here, ab, atol=1.0)
    plain = hinted.predict(photo)
    assert np.abs(ab_of(hinted.render(photo, plain, strength=0.0))).max() < 1  # no hints: strength 0 is grey


def test_a_hints_colour_is_shown_as_chosen_at_any_strength_and_the_strength_scales_the_rest(hinted, monkeypatch):
    """The strength scales the network's colours; a hint's own colour is the user's (it once came out 60 % stronger at 160 %)."""
    green = torch.tensor([-20.0, 15.0]).view(1, 2, 1, 1)  # the network's own colour everywhere (a/b)
    run = hinted._run
    monkeypatch.setattr(hinted, "_run", lambda *args: run(*args) * 0 + green / colour.AB_SCALE)
    photo = two_regions()
    hint = Hint(10, 30, RED)
    prediction = hinted.predict(photo, hints=[hint])
    target = hint_ab([hint])[0][:, None, None]
    for strength in (0.0, 0.5, 1.0, 1.6, 2.0):
        shown = ab_of(hinted.render(photo, prediction, strength=strength))
        assert np.abs(shown[:, :, :44] - target).max() < 3, strength  # the hinted object: the hint's colour
        # The background, which the hint does not reach, is the network's green at this strength.
        background = shown[:, :, 52:].reshape(2, -1).mean(1)
        np.testing.assert_allclose(background, green.flatten().numpy() * strength, atol=1.5, err_msg=str(strength))


def test_one_hint_gives_its_whole_object_its_colour_where_the_network_coloured_it_unevenly(hinted, monkeypatch):
    """A navy hint on an orange suit left it violet with red patches (pink at 200 %): the hint's correction
    was the same everywhere, so the network's own variation on the object stayed."""
    run = hinted._run

    def uneven(*args):  # the network: the dark object redder on its left than on its right, green beyond
        out = run(*args) * 0
        width = out.shape[-1]
        out[:, 0], out[:, 1] = -20.0, 15.0
        out[:, 0, :, : width // 4], out[:, 1, :, : width // 2] = 28.0, 20.0
        out[:, 0, :, width // 4 : width // 2] = 12.0
        return out / colour.AB_SCALE

    monkeypatch.setattr(hinted, "_run", uneven)
    photo = two_regions()
    hint = Hint(6, 30, srgb_at(DARK_L, -10, -30))  # a blue for the whole object, given on its redder part
    prediction = hinted.predict(photo, hints=[hint])
    target = hint_ab([hint])[0]
    for strength in (1.0, 2.0):
        shown = ab_of(hinted.render(photo, prediction, strength=strength))
        far_part = shown[:, 4:60, 30:44].reshape(2, -1).mean(1)  # the object's other, less red half
        assert np.hypot(*(far_part - target)) < 4, (strength, far_part, target)


def test_a_hint_fills_its_object_up_to_its_edges_not_to_a_line_halfway_to_another_hint(hinted, monkeypatch):
    """A point in the sky and one on a rock cut the sky along a straight line: the part of the sky nearer
    the rock's point was compared with the rock, found unlike, and kept the network's colour."""
    green = torch.tensor([-20.0, 15.0]).view(1, 2, 1, 1)
    run = hinted._run
    monkeypatch.setattr(hinted, "_run", lambda *args: run(*args) * 0 + green / colour.AB_SCALE)
    pixels = np.full((64, 96), 200, np.uint8)  # a light sky above a dark rock
    pixels[32:] = 60
    photo = Photo(pixels)
    sky_l = float(colour.rgb_to_lab(torch.full((3, 1, 1), 200 / 255))[0])
    sky = Hint(4, 4, srgb_at(sky_l, 30, -20))
    rock = Hint(88, 44, RED)
    shown = ab_of(hinted.render(photo, hinted.predict(photo, hints=[sky, rock]), strength=1.0))
    target = hint_ab([sky])[0]
    far_sky = shown[:, 2:26, 70:94].reshape(2, -1).mean(1)  # nearer the rock's point than the sky's
    assert np.hypot(*(far_sky - target)) < 5, (far_sky, target)


def test_at_strength_zero_many_hints_keep_their_colours_and_the_cast_they_give_the_photo_goes(hinted, monkeypatch):
    """The cast 10 hints give the whole photo is scaled by the strength like the network's colours (at 0 % it showed chroma ~45)."""
    green = torch.tensor([-20.0, 15.0]).view(1, 2, 1, 1)  # the network's own colour everywhere (a/b)
    run = hinted._run
    monkeypatch.setattr(hinted, "_run", lambda *args: run(*args) * 0 + green / colour.AB_SCALE)
    # Dark on the left, lighter step by small step to the right: a photo-wide correction crosses such a ramp.
    photo = Photo(np.tile(np.linspace(60, 200, 96).round().astype(np.uint8), (64, 1)))
    hints = [Hint(2 + (i % 2), 4 + 6 * i, RED) for i in range(10)]  # ten points down the dark edge
    prediction = hinted.predict(photo, hints=hints)
    target = hint_ab(hints)[0]
    grey = ab_of(hinted.render(photo, prediction, strength=0.0))
    for hint in hints:
        np.testing.assert_allclose(grey[:, hint.y, hint.x], target, atol=3)  # a hinted pixel keeps its colour
    far = np.s_[:, :, 64:]  # lighter by 45 grey levels and more
    assert np.hypot(*grey[far]).mean() < 3  # far from every hint, grey
    full = ab_of(hinted.render(photo, prediction, strength=1.0))[far].reshape(2, -1).mean(1)
    assert np.hypot(*(full - green.flatten().numpy())) > 10  # (at 100 % the hints did move it: a cast)
    half = ab_of(hinted.render(photo, prediction, strength=0.5))[far].reshape(2, -1).mean(1)
    np.testing.assert_allclose(half, full * 0.5, atol=1.5)  # the cast and the network's colours, both at half

def test_a_drag_preview_follows_the_hints_without_a_network_pass_on_every_move(hinted, monkeypatch):
    photo = two_regions(128, 192)
    own = hinted.predict(photo)
    passes = []
    run = hinted._run
    monkeypatch.setattr(hinted, "_run", lambda *args: passes.append(1) or run(*args))
    first = hinted.predict(photo, hints=[Hint(20, 60, RED)], preview=True)
    moved = hinted.predict(photo, hints=[Hint(30, 60, RED)], preview=True)  # the point dragged on
    assert len(passes) == 1  # the network once, with the hints, for the photo; a drag only re-propagates
    full = hinted.predict(photo, hints=[Hint(30, 60, RED)])
    target = hint_ab([Hint(30, 60, RED)])[0]
    for quick in (first, moved):
        assert quick.ab.shape == full.ab.shape and quick.hints == 1
        assert np.abs(quick.ab[:, 5:40, 2:25].numpy() - target[:, None, None]).mean() < 4  # the object follows
        assert np.abs(quick.ab[:, :, 36:].numpy() - own.ab[:, :, 36:].numpy()).max() < 1  # the rest keeps the model's colours
    assert np.abs(moved.ab[:, :, 36:].numpy() - full.ab[:, :, 36:].numpy()).max() < 1.5  # no jump when let go


def test_a_model_without_hints_ignores_them(colouriser):
    photo = two_regions()
    assert not colouriser.takes_hints
    plain = colouriser.predict(photo)
    with_hints = colouriser.predict(photo, hints=[Hint(10, 30, RED)])
    assert torch.equal(plain.ab, with_hints.ab) and with_hints.hints == 0


def test_suggestions_are_distinct_colours_at_the_pixels_lightness(hinted, colouriser):
    photo = two_regions()
    colours = hinted.suggest_colours(photo, 10, 30, count=8)
    assert 1 <= len(colours) <= 8 and len(set(colours)) == len(colours)
    assert all(isinstance(c, tuple) and len(c) == 3 and all(0 <= v <= 255 for v in c) for c in colours)
    # At the dark object's lightness: each suggestion's L* is the pixel's (within gamut rounding).
    rgb = torch.tensor(colours, dtype=torch.float32).T[:, :, None] / 255
    assert (colour.rgb_to_lab(rgb)[0] - colour.rgb_to_lab(torch.full((3, 1, 1), 60 / 255))[0]).abs().max() < 3
    assert hinted.suggest_colours(photo, 10, 30, count=3) == colours[:3]  # (cached network pass, same answer)
    assert len(colouriser.suggest_colours(photo, 5, 5)) == 1  # no a/b distribution: its one prediction


def test_suggestions_on_a_black_pixel_keep_their_hues(hinted):
    black = Photo(np.zeros((64, 96), np.uint8))
    colours = hinted.suggest_colours(black, 10, 30, count=8)
    assert len(set(colours)) == len(colours) > 1  # not eight identical black swatches
    lab = colour.rgb_to_lab(torch.tensor(colours, dtype=torch.float32).T[:, :, None] / 255)
    assert (lab[0] - 20).abs().max() < 3  # shown at the darkest lightness where hues still tell apart
    assert (lab[1:].square().sum(0).sqrt() > 3).any()  # and a hint picked from them carries a colour, not grey


def test_suggestions_follow_the_models_bin_grid():
    from engine.inference import _distinct_modes
    from engine.models import ab_bins

    def likely(centres):
        """Likely colours on two neighbouring grid-20 bins (20 apart) and one far from both."""
        index = {tuple(c): i for i, c in enumerate(centres.tolist())}
        probabilities = torch.zeros(centres.shape[0])
        probabilities[index[(40.0, 20.0)]], probabilities[index[(40.0, 40.0)]], probabilities[index[(-40.0, 20.0)]] = 0.5, 0.3, 0.2
        return probabilities

    def spacings(modes):
        ab = torch.tensor(modes)
        return torch.cdist(ab, ab)[~torch.eye(len(modes), dtype=torch.bool)]

    centres = ab_bins.bin_centres(20.0)  # the spacing is read off the bins themselves
    coarse = _distinct_modes(likely(centres), centres, 8)
    assert len(coarse) >= 2 and (spacings(coarse) >= 40).all()  # two cells apart, as 20 is at grid 10
    assert (torch.tensor(coarse[0]) - torch.tensor([40.0, 20.0])).norm() <= 30  # the likeliest bin's neighbourhood first
    centres = ab_bins.bin_centres()  # the same colours on the grid-10 bins
    fine = _distinct_modes(likely(centres), centres, 8)
    assert (spacings(fine) >= 20).all() and spacings(fine).min() < 40


def striped_object(stripe_grey: int = 120) -> Photo:
    """``two_regions`` with a lighter stripe, 3 px wide, down the middle of the dark object: a lit fold or a sleeve."""
    pixels = two_regions().pixels.copy()
    pixels[12:52, 24:27] = stripe_grey
    return Photo(pixels)


def network_colouring_the_stripe(hinted, monkeypatch, stripe_ab: tuple[float, float]) -> None:
    """The network: the dark object red, its stripe ``stripe_ab``, the background green."""
    run = hinted._run

    def coloured(*args):
        out = run(*args) * 0
        width = out.shape[-1]
        out[:, 0], out[:, 1] = -20.0, 15.0
        out[:, 0, :, : width // 2], out[:, 1, :, : width // 2] = 35.0, 20.0
        stripe = slice(round(24 * width / 96), round(27 * width / 96))
        rows = slice(round(12 * out.shape[-2] / 64), round(52 * out.shape[-2] / 64))
        out[:, 0, rows, stripe], out[:, 1, rows, stripe] = stripe_ab
        return out / colour.AB_SCALE

    monkeypatch.setattr(hinted, "_run", coloured)


def test_a_lighter_fold_of_a_hinted_object_takes_the_hints_colour_at_any_strength(hinted, monkeypatch):
    """The lightness gate shut a lighter fold or sleeve out of the hint's reach and it kept the network's colour:
    orange streaks on a coat given navy (red at 200 %, grey holes at 0 %). The network gave the fold the
    object's hue, paler, as it does a lit fold."""
    network_colouring_the_stripe(hinted, monkeypatch, (17.5, 10.0))
    photo = striped_object()
    hint = Hint(8, 30, srgb_at(DARK_L, -10, -30))  # navy, on the object left of the fold
    prediction = hinted.predict(photo, hints=[hint])
    target = hint_ab([hint])[0]
    for strength in (0.0, 1.0, 2.0):
        shown = ab_of(hinted.render(photo, prediction, strength=strength))
        fold = shown[:, 16:48, 24:27].reshape(2, -1).mean(1)
        # (a tenth of the network's own colour stays with one hint, the photo-wide share, doubled at 200 %)
        assert np.hypot(*(fold - target)) < 8, (strength, fold, target)  # the network's colour there: 26 off at 0 %
        background = shown[:, 4:60, 56:].reshape(2, -1).mean(1)  # (the background keeps the network's green)
        np.testing.assert_allclose(background, np.array([-20.0, 15.0]) * strength, atol=2, err_msg=str(strength))


def test_a_white_collar_inside_a_hinted_object_stays_white(hinted, monkeypatch):
    """A stripe the network left without colour is no fold of the object: the hint's colour does not fill it."""
    network_colouring_the_stripe(hinted, monkeypatch, (0.0, 0.0))
    photo = striped_object(stripe_grey=230)
    hint = Hint(8, 30, srgb_at(DARK_L, -10, -30))
    shown = ab_of(hinted.render(photo, hinted.predict(photo, hints=[hint]), strength=1.0))
    assert np.hypot(*shown[:, 16:48, 25]).mean() < 4
