"""Colour hints as data: files, network input channels and the training simulation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import colour
from engine.errors import ColouriseError
from engine.hints import (
    Hint,
    hint_ab,
    hint_channels,
    read_hints,
    sample_hints_from_photo,
    simulate_hint_channels,
    write_hints,
)


def test_hint_file_round_trip(tmp_path):
    hints = [Hint(120, 48, (160, 196, 255)), Hint(3.5, 7.25, (0, 0, 0))]
    path = write_hints(tmp_path / "p.hints.json", hints)
    assert json.loads(path.read_text())["points"][0] == {"x": 120, "y": 48, "colour": "#a0c4ff"}
    assert read_hints(path, 200, 100) == hints


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{not json", "not a JSON hint file"),
        ('{"dots": []}', 'expected {"points"'),
        ('{"points": [{"x": 1, "y": 1, "colour": "#fff"}]}', "point 1: bad colour '#fff'"),
        ('{"points": [{"x": 1, "y": 1, "colour": "#ffffff"}, {"x": 200, "y": 1, "colour": "#ffffff"}]}',
         "point 2 (200, 1) is outside the 200x100 photo"),
        ('{"points": [{"x": "1", "y": 1, "colour": "#ffffff"}]}', "point 1: x and y must be numbers"),
    ],
)
def test_bad_hint_files_get_one_line_naming_file_and_point(tmp_path, text, expected):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ColouriseError) as caught:
        read_hints(path, 200, 100)
    message = str(caught.value)
    assert message.startswith("bad.json: ") and expected in message and "\n" not in message


def test_a_missing_hint_file_is_one_line(tmp_path):
    with pytest.raises(ColouriseError, match="missing.json: cannot read"):
        read_hints(tmp_path / "missing.json", 10, 10)


def test_channels_put_each_hint_at_its_working_pixel_later_over_earlier():
    red, blue = Hint(10, 10, (220, 20, 20)), Hint(12, 10, (20, 20, 220))
    ch = hint_channels([red, blue], photo_shape=(100, 200), working=(50, 100), patch=3)
    assert ch.shape == (3, 50, 100)
    assert ch[2].sum() == 12  # two overlapping 3x3 squares at working (5, 5) and (5, 6)
    ab_red, ab_blue = hint_ab([red, blue]) / colour.AB_SCALE
    np.testing.assert_allclose(ch[:2, 5, 4].numpy(), ab_red, atol=1e-6)
    np.testing.assert_allclose(ch[:2, 5, 5].numpy(), ab_blue, atol=1e-6)  # the later hint wins the overlap
    assert ch[:, 20:, :].abs().sum() == 0
    assert hint_channels([], (100, 200), (50, 100)).abs().sum() == 0


def test_simulated_hints_carry_the_targets_patch_colours():
    ab = torch.zeros(64, 2, 16, 16)
    ab[:, 0, :, :8] = 0.5  # left half a = 0.5, right half a = 0
    ch = simulate_hint_channels(ab, np.random.default_rng(0))
    mask = ch[:, 2] > 0
    counts = mask.flatten(1).sum(1)
    assert 10 < (counts == 0).sum() < 45  # a good share of samples without hints
    assert (counts > 0).sum() > 20
    # Where a hinted patch lies fully on one side, it has that side's colour.
    assert torch.allclose(ch[:, 0][mask & (torch.arange(16) < 3)], torch.tensor(0.5))
    assert torch.allclose(ch[:, 0][mask & (torch.arange(16) > 12)], torch.tensor(0.0))
    assert torch.equal(simulate_hint_channels(ab, np.random.default_rng(0)), ch)  # seeded: resume repeats it


def test_sampled_hints_take_the_photo_colour_around_them():
    rgb = np.zeros((20, 30, 3), np.uint8)
    rgb[..., 1] = 200
    hints = sample_hints_from_photo(rgb, 5, np.random.default_rng(1))
    assert len(hints) == 5 and all(h.rgb == (0, 200, 0) and 0 <= h.x < 30 and 0 <= h.y < 20 for h in hints)


def test_the_photo_wide_share_grows_with_the_number_of_hints():
    from engine.hints import photo_wide_share

    assert photo_wide_share(0) == 0 and photo_wide_share(1) == 0.1 and photo_wide_share(3) == 0.5
    assert 0.91 < photo_wide_share(10) < 0.92 and photo_wide_share(200) > 0.999
    torch.testing.assert_close(photo_wide_share(torch.tensor([1.0, 3.0])), torch.tensor([0.1, 0.5]))


def test_the_hints_the_window_saved_beside_a_colour_version_are_found_newest_first(tmp_path):
    import os

    from engine.hints import hints_file_for, saved_hints_for

    photo = tmp_path / "scans" / "beach [1].jpg"
    first = hints_file_for(tmp_path / "beach [1]-colourised.jpg")
    assert first.name == "beach [1]-colourised.jpg.hints.json"
    again = hints_file_for(tmp_path / "beach [1]-colourised-2.png")  # saved beside the first: Keep Both
    for other in ("beach [1]-colourised-old.jpg", "beachfront-colourised.jpg", "beach [1].jpg"):
        hints_file_for(tmp_path / other).write_text("{}")  # not colour versions of this photo
    first.write_text("{}")
    again.write_text("{}")
    os.utime(first, (1_000, 1_000))
    assert saved_hints_for(photo, tmp_path) == again
    os.utime(again, (500, 500))
    assert saved_hints_for(photo, tmp_path) == first
    assert saved_hints_for(photo, tmp_path / "nowhere") is None


def test_one_listing_of_a_folder_finds_the_saved_hints_of_every_photo(tmp_path, monkeypatch):
    import os

    from engine import hints as hint_files
    from engine.hints import SavedHints, hints_file_for

    for saved in ("a-colourised.jpg", "a-colourised-colourised.png", "b-colourised-3.tif", "b-colourised-x.tif", "c.jpg"):
        hints_file_for(tmp_path / saved).write_text("{}")
    listings = []
    real_scandir = os.scandir
    monkeypatch.setattr(hint_files.os, "scandir", lambda folder: listings.append(folder) or real_scandir(folder))
    saved = SavedHints(tmp_path)
    found = {stem: saved.newest_for(tmp_path / "scans" / f"{stem}.jpg") for stem in ("a", "a-colourised", "b", "c")}
    assert listings == [tmp_path]  # once, for all four photos
    assert {stem: path.name if path else None for stem, path in found.items()} == {
        "a": "a-colourised.jpg.hints.json",
        "a-colourised": "a-colourised-colourised.png.hints.json",  # a photo whose own name ends in the tag
        "b": "b-colourised-3.tif.hints.json",  # Keep Both's numbered name; "-x" is not one
        "c": None,  # a hint file, but of no colour version
    }
    assert SavedHints(tmp_path / "nowhere").newest_for(tmp_path / "a.jpg") is None


def test_saved_hints_are_looked_for_in_the_save_folder_first_then_beside_each_photo(tmp_path):
    from engine.hints import find_saved_hints, hints_file_for
    from engine.photo import FoundPhoto

    scans, saved = tmp_path / "scans", tmp_path / "saved"
    for stem in ("a", "b", "c"):
        (scans / f"{stem}.jpg").parent.mkdir(exist_ok=True)
    saved.mkdir()
    for folder, stem in ((saved, "a"), (scans, "a"), (scans, "b")):
        hints_file_for(folder / f"{stem}-colourised.png").write_text("{}")
    photos = [scans / f"{stem}.jpg" for stem in ("a", "b", "c")]
    found = find_saved_hints([FoundPhoto(photo, Path(photo.name), True) for photo in photos], saved)
    assert found == {photos[0]: saved / "a-colourised.png.hints.json", photos[1]: scans / "b-colourised.png.hints.json"}
    assert find_saved_hints(FoundPhoto(photo, Path(photo.name), True) for photo in photos) == {photos[0]: scans / "a-colourised.png.hints.json", photos[1]: scans / "b-colourised.png.hints.json"}


def test_a_hint_file_records_the_strength_it_was_saved_at_and_older_files_have_none(tmp_path):
    from engine.hints import read_hint_file

    hints = [Hint(120, 48, (160, 196, 255))]
    path = write_hints(tmp_path / "p.hints.json", hints, strength=1.4)
    assert json.loads(path.read_text())["strength"] == 1.4
    assert read_hint_file(path, 200, 100) == (hints, 1.4)
    assert read_hints(path, 200, 100) == hints
    older = write_hints(tmp_path / "older.hints.json", hints)  # as files were written before: no strength
    assert "strength" not in json.loads(older.read_text()) and read_hint_file(older, 200, 100) == (hints, None)


@pytest.mark.parametrize("strength", ['"1.4"', "-0.5", "2.5", "true"])
def test_a_bad_strength_in_a_hint_file_is_one_line(tmp_path, strength):
    from engine.hints import read_hint_file

    path = tmp_path / "bad.json"
    path.write_text('{"strength": %s, "points": []}' % strength)
    with pytest.raises(ColouriseError, match=r"^bad.json: strength must be a number from 0 to 2"):
        read_hint_file(path, 10, 10)


def test_a_hint_file_goes_only_to_the_photo_it_was_saved_for_never_to_a_namesake_from_another_folder(tmp_path):
    """Two photos of one name from two folders (IMG_0001.jpg from two cameras; a family/ copy) got each other's hints:
    the window found them by name alone. A hint file names the photo it was saved for, and only that photo gets it."""
    from engine.hints import find_saved_hints, hints_file_for, read_hint_file, saved_hints_for
    from engine.photo import FoundPhoto

    photos, saved = tmp_path / "photos", tmp_path / "photos" / "coloured"
    top, family = photos / "IMG_0001.jpg", photos / "family" / "IMG_0001.jpg"
    (saved / "family").mkdir(parents=True)
    hints = [Hint(3, 4, (10, 20, 200))]
    written = write_hints(hints_file_for(saved / "IMG_0001-colourised.png"), hints, strength=0.8, photo=top)
    assert json.loads(written.read_text())["photo"] == "../IMG_0001.jpg"  # from the hint file's folder: moves with both
    assert read_hint_file(written, 10, 10) == (hints, 0.8)  # (a reader that knows nothing of it reads it as before)
    found = [FoundPhoto(top, Path("IMG_0001.jpg"), True), FoundPhoto(family, Path("family/IMG_0001.jpg"), True)]
    assert find_saved_hints(found, saved) == {top: written}  # the family photo never had hints: it gets none
    assert saved_hints_for(family, saved) is None and saved_hints_for(top, saved) == written

    # Save All keeps sub-folders: the family photo's own hints are under family/, and found there
    its_own = write_hints(hints_file_for(saved / "family" / "IMG_0001-colourised.png"), hints, strength=1.2, photo=family)
    assert find_saved_hints(found, saved) == {top: written, family: its_own}
    # ... also when the family folder was opened by itself (and saved flat, beside the other's)
    flat = write_hints(hints_file_for(saved / "IMG_0001-colourised-2.png"), hints, photo=family)
    its_own.unlink()
    assert find_saved_hints([FoundPhoto(family, Path("IMG_0001.jpg"), True)], saved) == {family: flat}
    assert find_saved_hints(found, saved) == {top: written, family: flat}


def test_a_hint_file_that_names_no_photo_is_given_only_where_no_namesake_could_claim_it(tmp_path):
    """Files written before the photo was recorded still reload, where only one photo looked for could be theirs."""
    from engine.hints import find_saved_hints, hints_file_for
    from engine.photo import FoundPhoto

    photos, saved = tmp_path / "photos", tmp_path / "saved"
    for folder in (saved, photos / "family"):
        folder.mkdir(parents=True)
    older = write_hints(hints_file_for(saved / "IMG_0001-colourised.png"), [Hint(1, 1, (1, 2, 3))])
    assert "photo" not in json.loads(older.read_text())
    top, family = photos / "IMG_0001.jpg", photos / "family" / "IMG_0001.jpg"
    alone = FoundPhoto(top, Path("IMG_0001.jpg"), True)
    assert find_saved_hints([alone], saved) == {top: older}
    both = [alone, FoundPhoto(family, Path("family/IMG_0001.jpg"), True)]
    assert find_saved_hints(both, saved) == {}  # whose? Either might be: neither gets them
    beside = write_hints(hints_file_for(family.parent / "IMG_0001-colourised.jpg"), [Hint(1, 1, (1, 2, 3))])
    assert find_saved_hints(both, saved) == {family: beside}  # beside the family photo, only it looks
