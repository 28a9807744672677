"""engine.data: finding and screening photos, splits, crops, and the data order of every step."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine import data
from engine.training import AugmentConfig


@pytest.fixture
def mixed_folder(tmp_path, make_photo):
    """3 colour photos (one in a sub-folder), 2 greyscale, 2 unreadable, a hidden file and a text file."""
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    Image.fromarray(make_photo.rgb(40, 60, 1)).save(root / "a.png")
    Image.fromarray(make_photo.rgb(50, 30, 2)).save(root / "b.jpg", quality=92)
    Image.fromarray(make_photo.rgb(36, 36, 3)).save(root / "sub" / "c.webp")
    Image.fromarray(make_photo.grey(40, 40, 4)).save(root / "grey-mode.png")
    Image.fromarray(np.repeat(make_photo.grey(40, 40, 5)[..., None], 3, -1)).save(root / "grey-rgb.jpg")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    full = root / "cut.png"
    Image.fromarray(make_photo.rgb(64, 64, 6)).save(full)
    full.write_bytes(full.read_bytes()[:200])
    Image.fromarray(make_photo.rgb(20, 20, 7)).save(root / ".hidden" / "d.png")
    (root / "notes.txt").write_text("not a photo")
    return root


def test_list_images_is_recursive_sorted_and_skips_hidden_and_other_files(mixed_folder):
    names = [p.relative_to(mixed_folder).as_posix() for p in data.list_images([mixed_folder, mixed_folder / "a.png"])]
    assert names == ["a.png", "b.jpg", "broken.jpg", "cut.png", "grey-mode.png", "grey-rgb.jpg", "sub/c.webp"]


def test_list_images_keeps_the_order_training_runs_were_made_in(tmp_path):
    """The window and the command line list photos as a file manager does (engine.photo.find_photos); training
    data keeps the plain path order it had, so that a recipe trains (and a bench picks its photos) as before."""
    for name in ("b10.png", "B2.png", "a.png", "sub/c.png", "sub-d.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    names = [p.relative_to(tmp_path).as_posix() for p in data.list_images([tmp_path])]
    expected = sorted(["b10.png", "B2.png", "a.png", "sub/c.png", "sub-d.png"], key=lambda n: tuple(map(os.path.normcase, Path(n).parts)))
    assert names == expected


def test_scan_counts_colour_grey_and_broken_photos_with_names(mixed_folder, tmp_path):
    scan = data.scan_photo_folder([mixed_folder, tmp_path / "missing"])
    assert sorted(p.name for p in scan.colour) == ["a.png", "b.jpg", "c.webp"]
    assert sorted(p.name for p in scan.grey) == ["grey-mode.png", "grey-rgb.jpg"]
    assert sorted(p.name for p, _ in scan.broken) == ["broken.jpg", "cut.png"]
    # in the words colourise images and the window use (it said Pillow's own, "Truncated File Read")
    assert dict((p.name, reason) for p, reason in scan.broken) == {"broken.jpg": "truncated or corrupt", "cut.png": "truncated or corrupt"}
    assert scan.usable == 3 and scan.missing == [tmp_path / "missing"]
    assert scan.summary().startswith("3 colour photos (2 greyscale and 2 unreadable will be skipped); missing folder: ")


def test_scan_can_be_stopped(mixed_folder, tmp_path, make_photo):
    for i in range(20):
        Image.fromarray(make_photo.rgb(16, 16, i)).save(mixed_folder / f"x{i}.png")
    scan = data.scan_photo_folder(mixed_folder, should_stop=lambda: True)
    assert scan.usable == 0


def test_load_photo_downscales_to_the_short_side_and_screens(mixed_folder):
    photo = data.load_photo(mixed_folder / "a.png", 20)
    assert photo.pixels.shape == (20, 30, 3) and photo.pixels.dtype == np.uint8 and not photo.grey
    assert data.load_photo(mixed_folder / "a.png", 100).pixels.shape == (40, 60, 3)  # never upscaled
    assert data.load_photo(mixed_folder / "grey-rgb.jpg", 20).grey
    assert data.load_photo(mixed_folder / "broken.jpg", 20).error


def test_transparent_pixels_are_composited_on_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:4, :, 3] = 255  # top half opaque red, bottom half transparent
    Image.fromarray(rgba).save(tmp_path / "t.png")
    pixels = data.load_photo(tmp_path / "t.png", 8).pixels
    assert tuple(pixels[0, 0]) == (255, 0, 0) and tuple(pixels[7, 0]) == (255, 255, 255)


def test_the_split_is_deterministic_and_disjoint(tmp_path):
    paths = [tmp_path / f"photo-{i:04d}.jpg" for i in range(400)]
    train, val = data.split_paths(paths, 0.1)
    assert set(train).isdisjoint(val) and len(train) + len(val) == 400
    assert 20 <= len(val) <= 60
    assert data.split_paths(list(reversed(paths)), 0.1)[1] == sorted(val, reverse=True)
    # adding photos never moves an old one between the sets
    more_train, more_val = data.split_paths(paths + [tmp_path / "new.jpg"], 0.1)
    assert set(val) <= set(more_val) and set(train) <= set(more_train)
    assert data.split_paths(paths[:3], 0.1)[1] and data.split_paths(paths[:1], 0.1) == (paths[:1], [])


def test_augmented_crops_have_the_training_size_and_depend_only_on_the_seed(make_photo):
    pixels = make_photo.rgb(70, 100, 0)
    for augment in (AugmentConfig(), AugmentConfig(random_resized_crop=False), AugmentConfig(lineage_rotate=True, lineage_crop=True, random_resized_crop=False)):
        a = data.augmented_crop(pixels, 32, augment, np.random.default_rng(5))
        b = data.augmented_crop(pixels, 32, augment, np.random.default_rng(5))
        assert a.shape == (32, 32, 3) and a.dtype == np.uint8 and np.array_equal(a, b)
    plain = AugmentConfig(random_resized_crop=False, hflip=False)
    whole = data.augmented_crop(make_photo.rgb(32, 32, 1), 32, plain, np.random.default_rng(0))
    assert np.array_equal(whole, make_photo.rgb(32, 32, 1))  # no change when nothing is asked for


def test_hflip_flips_about_half_the_crops(make_photo):
    pixels = make_photo.rgb(32, 32, 0)
    augment = AugmentConfig(random_resized_crop=False, hflip=True)
    flipped = sum(np.array_equal(data.augmented_crop(pixels, 32, augment, np.random.default_rng(s)), pixels[:, ::-1]) for s in range(200))
    assert 70 < flipped < 130


def test_rotation_leaves_no_empty_corners(make_photo):
    pixels = np.full((60, 90, 3), 200, np.uint8)
    rotated = data._rotate_inside(pixels, 15.0)
    assert rotated.shape[0] < 60 and rotated.min() > 150


def test_centre_crop_is_the_middle_square():
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, 10:30] = 255
    assert data.centre_crop(pixels, 20).min() == 255


def test_data_order_covers_each_epoch_once_and_shards_without_overlap():
    single = data.DataOrder(10, 4, seed=3)
    assert single.steps_per_epoch == 2
    epoch0 = [i for step in range(2) for i, _ in single.batch_keys(step)]
    assert len(set(epoch0)) == 8  # 8 distinct photos, the last partial batch dropped
    assert [k for k, _ in single.batch_keys(2)] != [k for k, _ in single.batch_keys(0)]  # a new order each epoch

    ranks = [data.DataOrder(10, 2, seed=3, rank=r, world=2) for r in range(2)]
    for step in range(6):
        shards = [r.batch_keys(step) for r in ranks]
        merged = sorted(shards[0] + shards[1])
        assert merged == sorted(single.batch_keys(step))  # same photos and crops as one process with the global batch
        assert not set(shards[0]) & set(shards[1])


def test_the_order_of_any_step_is_the_same_when_asked_again():
    a, b = data.DataOrder(50, 4, seed=1), data.DataOrder(50, 4, seed=1)
    later = [b.batch_keys(s) for s in range(30, 35)]
    assert [a.batch_keys(s) for s in range(30, 35)] == later  # no hidden state: resuming at step 30 repeats it
    assert data.DataOrder(50, 4, seed=2).batch_keys(30) != later[0]


def test_tiny_sets_repeat_photos_to_fill_a_batch():
    order = data.DataOrder(3, 8, seed=0)
    keys = order.batch_keys(0)
    assert len(keys) == 8 and {i for i, _ in keys} == {0, 1, 2}


def test_the_loader_yields_uint8_batches_from_cache_and_from_disk(mixed_folder):
    paths = [mixed_folder / "a.png", mixed_folder / "b.jpg", mixed_folder / "sub" / "c.webp"]
    cached = data.prepare_photos(paths, 40, cache=True)
    assert cached.paths == paths and len(cached.cache) == 3
    order = data.DataOrder(3, 2, seed=0)
    from_cache = data.PhotoDataset(cached.paths, 32, AugmentConfig(), cached.cache, 40)
    from_disk = data.PhotoDataset(cached.paths, 32, AugmentConfig(), None, 40)
    batches = [list(data.make_loader(ds, order, 0, 3, num_workers=0)) for ds in (from_cache, from_disk)]
    assert len(batches[0]) == 3 and batches[0][0].shape == (2, 32, 32, 3) and batches[0][0].dtype == torch.uint8
    for a, b in zip(*batches):
        assert torch.equal(a, b)


def test_caching_is_automatic_for_sets_that_fit():
    assert data.should_cache("auto", 7000, 160) and not data.should_cache("auto", 200_000, 256)
    assert data.should_cache(True, 10**9, 512) and not data.should_cache(False, 1, 8)


@pytest.mark.shared_data
def test_the_shared_validation_photos_are_all_usable_colour_photos(shared_data):
    scan = data.scan_photo_folder(shared_data / "val")
    assert (scan.usable, len(scan.grey), len(scan.broken)) == (86, 0, 0)
    assert {p.name.split("_")[0] for p in scan.colour} == {"cbsd68", "mcmaster"}



class _Numbers(torch.utils.data.Dataset):
    cache = None

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return i


def test_loader_workers_are_spawned_when_other_threads_run():
    """Forking beside live threads (the window's) can deadlock a child; then the workers are spawned."""
    import threading

    def loader():
        return data.make_loader(_Numbers(), data.DataOrder(4, 2, seed=0), 0, 1, num_workers=1)

    if threading.active_count() == 1:  # alone (as in the command line): the cheaper fork
        assert loader().multiprocessing_context is None
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)  # as the window's threads are
    other.start()
    try:
        assert loader().multiprocessing_context.get_start_method() == "spawn"
    finally:
        release.set()
        other.join()


def test_photo_list_names_photos_relative_to_itself_and_exclude_leaves_them_out(tmp_path):
    from PIL import Image

    from engine.data import list_images, read_photo_list

    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.jpg", "b.png", "sub/c.jpg"):
        Image.new("RGB", (8, 8), (200, 30, 30)).save(folder / name)
    lists = tmp_path / "lists"
    lists.mkdir()
    dev = lists / "dev.txt"
    dev.write_text("# the dev set\n../photos/sub/c.jpg\n\n../photos/a.jpg  # a comment\n", encoding="utf-8")

    assert read_photo_list(dev) == [lists / "../photos/sub/c.jpg", lists / "../photos/a.jpg"]
    assert [p.name for p in list_images([dev])] == ["a.jpg", "c.jpg"]
    assert [p.name for p in list_images([folder], exclude=[dev])] == ["b.png"]
    assert [p.name for p in list_images([folder], exclude=[folder / "sub"])] == ["a.jpg", "b.png"]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_photo_list_that_is_a_named_pipe_fails_in_one_line_instead_of_waiting_forever(tmp_path, monkeypatch, past_pipes):
    """The list was looked at (``is_file``), then read by its name: one swapped for a named pipe in between blocked
    training forever, waiting for a writer. It is read as photos are: a regular file only, opened without waiting."""
    import os

    from engine.data import list_images, read_photo_list
    from engine.errors import PhotoError

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(folder / "a.jpg")
    dev = tmp_path / "dev.txt"
    os.mkfifo(dev)
    with pytest.raises(PhotoError, match="^dev.txt: not a regular file$"):
        past_pipes(lambda: read_photo_list(dev), dev)
    os.remove(dev)
    real_is_file = Path.is_file

    def swapped_once_looked_at(path: Path) -> bool:
        answer = real_is_file(path)
        if answer and path == dev:
            os.remove(dev)
            os.mkfifo(dev)
        return answer

    monkeypatch.setattr(Path, "is_file", swapped_once_looked_at)
    for entries, exclude in (([dev], []), ([folder], [dev])):
        dev.write_text("photos/a.jpg\n", encoding="utf-8")
        with pytest.raises(PhotoError, match="^dev.txt: not a regular file$"):
            past_pipes(lambda: list_images(entries, exclude=exclude), dev)
        os.remove(dev)
    (tmp_path / "empty.txt").write_bytes(b"")
    assert read_photo_list(tmp_path / "empty.txt") == []  # (an empty list names no photo: not an error)


def test_a_photo_list_excludes_its_photos_even_where_its_relative_paths_do_not_resolve(tmp_path):
    """A checkout elsewhere (or a copied data set): the dev split must still stay out of training."""
    from PIL import Image

    from engine.data import list_images

    data = tmp_path / "elsewhere" / "train-extra" / "flowers"
    data.mkdir(parents=True)
    for name in ("rose.jpg", "tulip.jpg"):
        Image.new("RGB", (8, 8), (200, 30, 30)).save(data / name)
    dev = tmp_path / "configs" / "dev.txt"
    dev.parent.mkdir()
    dev.write_text("../../shared/data/train-extra/flowers/rose.jpg\n", encoding="utf-8")

    assert [p.name for p in list_images([data.parent], exclude=[dev])] == ["tulip.jpg"]


def test_the_default_recipe_never_trains_on_the_dev_split():
    from engine.training.config import TrainConfig

    root = Path(__file__).resolve().parents[2]
    config = TrainConfig.load(root / "configs" / "default.toml")
    assert config.exclude == ["configs/dev-split.txt"]
    stage2 = TrainConfig.load(root / "configs" / "experiments" / "default-stage2.toml")  # trains on from stage 1's model
    assert stage2.init_from == config.name
    finetune = TrainConfig.load(root / "configs" / "default-finetune.toml")  # the shipped default's second stage
    assert finetune.init_from == config.name and finetune.exclude == config.exclude and finetune.data == config.data
    experiments = sorted((root / "configs" / "experiments").glob("*.toml"))
    assert len(experiments) >= 2
    for path in experiments:  # every measured experiment keeps dev out too, or its dev figures would mean nothing
        experiment = TrainConfig.load(path)
        assert experiment.exclude == ["configs/dev-split.txt"] and experiment.data == config.data, path.name
    names = [line for line in (root / "configs" / "dev-split.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert len(names) == 300 and all(n.startswith("../../shared/data/train-extra/") for n in names)


def _photo_of_two_things(shape=(96, 96)) -> np.ndarray:
    """Left half a grey lightness ramp; right half the same ramp green: two things of one grey."""
    ramp = np.tile(np.linspace(30, 220, shape[0])[:, None], (1, shape[1])).astype(np.uint8)
    rgb = np.stack([ramp] * 3, -1)
    rgb[:, shape[1] // 2 :, 0] = (rgb[:, shape[1] // 2 :, 0] * 0.6).astype(np.uint8)
    rgb[:, shape[1] // 2 :, 2] = (rgb[:, shape[1] // 2 :, 2] * 0.6).astype(np.uint8)
    return rgb


def _toned(grey: np.ndarray, dark=(43, 29, 14), light=(247, 236, 217)) -> np.ndarray:
    """A toned print: each grey mapped onto one ramp of colour, from ``dark`` to ``light`` (sepia by default)."""
    t = grey[..., None].astype(np.float64) / 255
    return (np.array(dark) * (1 - t) + np.array(light) * t).astype(np.uint8)


def test_a_photo_in_colour_is_told_from_greys_and_toned_prints():
    from engine.data import has_own_colours

    rng = np.random.default_rng(0)
    grey = (rng.random((80, 120)) * 255).astype(np.uint8)
    assert not has_own_colours(grey)  # (H, W): greyscale
    assert not has_own_colours(np.stack([grey] * 3, -1))  # grey in RGB
    assert not has_own_colours(_toned(grey))  # sepia: colour, but one tint that follows the lightness
    assert not has_own_colours(_toned(grey, dark=(10, 26, 43), light=(232, 244, 255)))  # a cyanotype
    two_things = _photo_of_two_things()
    assert has_own_colours(two_things)  # grey stone beside green grass of the same lightness
    assert has_own_colours(two_things.astype(np.uint16) * 257)  # a 16-bit scan alike
    hues = np.zeros((64, 64, 3), np.uint8)
    hues[:, :32] = (200, 150, 60)  # ochre and a little blue: one family of hues mostly, another too
    hues[:, 32:] = (170, 120, 50)
    hues[:12, :12] = (60, 90, 200)  # 3.5 % of the photo
    assert has_own_colours(hues)


def test_copies_of_a_photo_are_found_by_content_and_the_first_is_kept(tmp_path, make_photo):
    folder = tmp_path / "album"
    (folder / "z-side").mkdir(parents=True)
    Image.fromarray(make_photo.rgb(40, 40, 1)).save(folder / "beach.png")
    (folder / "z-side" / "beach (1).png").write_bytes((folder / "beach.png").read_bytes())
    (folder / "twin.png").write_bytes((folder / "beach.png").read_bytes()[:-1] + b"\x00")  # the same size, other bytes
    Image.fromarray(make_photo.rgb(30, 50, 2)).save(folder / "pier.png")
    (folder / "empty-1.jpg").write_bytes(b"")
    (folder / "empty-2.jpg").write_bytes(b"")  # empty files are left for the screening to call unreadable
    kept, copies = data.without_copies(data.list_images([folder]))
    assert [p.name for p in kept] == ["beach.png", "empty-1.jpg", "empty-2.jpg", "pier.png", "twin.png"]
    assert copies == [(folder / "z-side" / "beach (1).png", folder / "beach.png")]

    scan = data.scan_photo_folder([folder])
    assert scan.copies == copies and "beach (1).png" not in {p.name for p in scan.colour}
    assert scan.summary() == "3 colour photos (1 copy and 2 unreadable will be skipped)"


def test_colour_versions_colourise_saved_are_not_trained_on(tmp_path, make_photo):
    from engine.photo import Photo, with_software, write_photo

    folder = tmp_path / "album"
    Image.fromarray(make_photo.rgb(40, 40, 1)).save(folder.mkdir() or folder / "beach.png")
    write_photo(with_software(Photo(make_photo.rgb(40, 40, 2)), "Colourise 0.1.0, model default"), folder / "old-colourised.jpg")
    write_photo(with_software(Photo(make_photo.rgb(40, 40, 3)), "GIMP 2.10"), folder / "edited.jpg")
    kept, colourised = data.without_colour_versions(data.list_images([folder]))
    assert [p.name for p in kept] == ["beach.png", "edited.jpg"] and [p.name for p in colourised] == ["old-colourised.jpg"]
    scan = data.scan_photo_folder([folder])
    assert scan.colourised == colourised and len(scan.colour) == 2
    assert scan.summary() == "2 colour photos (1 coloured by Colourise will be skipped)"


def test_bmps_colourise_saved_are_not_trained_on(tmp_path, make_photo):
    import json

    from engine.photo import SAVED_RECORD, file_mark

    folder = tmp_path / "album"
    (folder / "out").mkdir(parents=True)
    Image.fromarray(make_photo.rgb(40, 40, 1)).save(folder / "beach.png")
    for i, name in enumerate(("beach.bmp", "pier.bmp")):
        Image.fromarray(make_photo.rgb(40, 40, 2 + i)).save(folder / "out" / name)
    # as engine.batch notes the BMPs it saved, which have no room for Colourise's tag
    record = {name: file_mark(folder / "out" / name) for name in ("beach.bmp", "pier.bmp")}
    (folder / "out" / SAVED_RECORD).write_text(json.dumps({"colourise saved": record}))
    Image.fromarray(make_photo.rgb(40, 48, 9)).save(folder / "out" / "pier.bmp")  # changed since: the user's now
    kept, colourised = data.without_colour_versions(data.list_images([folder]))
    assert [p.relative_to(folder).as_posix() for p in kept] == ["beach.png", "out/pier.bmp"]
    assert colourised == [folder / "out" / "beach.bmp"]
    assert data.scan_photo_folder([folder]).summary() == "2 colour photos (1 coloured by Colourise will be skipped)"


def test_a_photo_over_the_size_limit_is_skipped_in_the_words_colourise_images_uses(tmp_path, make_photo):
    from engine import photo as photo_module

    Image.fromarray(make_photo.rgb(24, 32, 1)).save(tmp_path / "scan.png")
    previous = photo_module.max_photo_pixels()
    photo_module.set_max_photo_pixels(100)  # the one setting ($COLOURISE_MAX_MEGAPIXELS=0.0001); 24 x 32 is over it
    try:
        loaded = data.load_photo(tmp_path / "scan.png", 8)
        with pytest.raises(photo_module.PhotoError) as caught:
            photo_module.read_photo(tmp_path / "scan.png")
    finally:
        photo_module.set_max_photo_pixels(previous)
    assert loaded.error == caught.value.reason == "too large: 0.000768 megapixels (limit 0.0001)"  # (said 'too many pixels to be a safe image')


def test_photos_smaller_than_the_training_crops_are_counted_by_their_own_size(tmp_path, make_photo):
    folder = tmp_path / "album"
    folder.mkdir()
    Image.fromarray(make_photo.rgb(20, 30, 1)).save(folder / "small.png")
    Image.fromarray(make_photo.rgb(80, 60, 2)).save(folder / "large.jpg")  # (a JPEG is decoded at a reduced scale)
    assert data.load_photo(folder / "small.png", 8).short_side == 20
    assert data.load_photo(folder / "large.jpg", 8).short_side == 60
    scan = data.scan_photo_folder([folder])
    assert (scan.smaller_than(16), scan.smaller_than(32), scan.smaller_than(64)) == (0, 1, 2)
    prepared = data.prepare_photos(scan.colour, 8, cache=True)
    assert dict(zip([p.name for p in prepared.paths], prepared.short_sides)) == {"large.jpg": 60, "small.png": 20}


def test_a_colour_version_colourise_saved_is_in_colour_already_even_in_one_family_of_hues():
    from engine.photo import Photo, with_software

    sepia = np.dstack([np.linspace(60, 200, 32), np.linspace(45, 170, 32), np.linspace(30, 140, 32)]).astype(np.uint8)
    sepia = np.repeat(sepia, 24, axis=0)  # greys in one tint: what some colour versions look like
    assert not data.in_colour_already(Photo(sepia))
    assert data.in_colour_already(with_software(Photo(sepia), "Colourise 0.1.0, model default"))
    assert not data.in_colour_already(with_software(Photo(sepia), "GIMP 2.10"))


def test_the_skipped_photos_are_said_in_one_phrase():
    assert data.skipped_text(12, 1, 1) == "12 greyscale, 1 copy and 1 unreadable"
    assert data.skipped_text(12, 1, 1, 3) == "12 greyscale, 1 copy, 3 coloured by Colourise and 1 unreadable"
    assert data.skipped_text(0, 2, 0) == "2 copies" and data.skipped_text(0, 0, 0) == ""


def test_a_photo_is_called_greyscale_alike_whatever_size_it_is_loaded_at(tmp_path):
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, 0::2] = (200, 60, 60)  # red and cyan columns, one pixel wide: a 16 px copy of them is grey
    stripes[:, 1::2] = (60, 200, 200)
    Image.fromarray(stripes).save(tmp_path / "stripes.png")
    scanned, tiny = data.load_photo(tmp_path / "stripes.png", data.SCREEN_SIDE), data.load_photo(tmp_path / "stripes.png", 16)
    assert not scanned.grey and not tiny.grey  # (training at a tiny size used to skip it as greyscale)
    assert tiny.pixels.shape == (16, 16, 3)


def test_a_folder_scan_names_each_file_it_leaves_out_with_the_reason(tmp_path):
    from engine.data import FolderScan

    scan = FolderScan(
        broken=[(tmp_path / "bad.jpg", "not an image"), (tmp_path / "sub" / "trunc.jpg", "truncated or corrupt")],
        grey=[tmp_path / "g.png"], copies=[(tmp_path / "a (1).jpg", tmp_path / "a.jpg")],
    )
    assert scan.skipped_lines(tmp_path) == [
        "bad.jpg: not an image", f"{Path('sub/trunc.jpg')}: truncated or corrupt", "g.png: greyscale", "a (1).jpg: the same file as a.jpg",
    ]
    assert scan.skipped_lines(tmp_path, limit=3)[-1] == "and 2 more" and len(scan.skipped_lines(tmp_path, limit=3)) == 3


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_an_uncompressed_tiff_turned_on_its_side_is_trained_on_turned_not_scrambled(tmp_path, mode):
    # Pillow maps an uncompressed TIFF opened by its path into memory at its turned size, as stripes.
    rng = np.random.default_rng(6)
    stored = rng.integers(0, 256, (30, 40, len(mode)), dtype=np.uint8)
    stored[..., 3:] = 255  # opaque: composited on white, the pixels stay as they are
    exif = Image.Exif()
    exif[0x0112] = 6  # turned 90 degrees clockwise to display
    Image.fromarray(stored, mode).save(tmp_path / "turned.tif", exif=exif.tobytes())
    photo = data.load_photo(tmp_path / "turned.tif", 64)
    assert not photo.error and not photo.grey and photo.short_side == 30
    assert np.array_equal(photo.pixels, np.rot90(stored[..., :3], k=-1))  # portrait (40 x 30), as viewers show it


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_named_like_a_photo_in_the_training_folder_is_skipped_not_waited_on(tmp_path, make_photo, past_pipes):
    import os

    folder = tmp_path / "album"
    folder.mkdir()
    Image.fromarray(make_photo.rgb(40, 40, 1)).save(folder / "beach.png")
    os.mkfifo(folder / "ff.png")
    scan = past_pipes(lambda: data.scan_photo_folder([folder]), folder / "ff.png")
    assert [p.name for p in scan.colour] == ["beach.png"]
    assert scan.broken == [(folder / "ff.png", "not a regular file")]
    assert scan.skipped_lines(folder) == ["ff.png: not a regular file"]
    assert data.load_photo(folder / "ff.png", 8).error == "not a regular file"


def test_a_photo_of_exactly_an_odd_size_limit_is_trained_on_and_one_pixel_over_is_skipped_as_colourise_images_says(tmp_path, make_photo, monkeypatch):
    from engine import photo as photo_module

    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "0.000105")  # 105 pixels: Pillow's own check is kept at half of it
    previous = photo_module.max_photo_pixels()
    photo_module.set_max_photo_pixels(photo_module._limit_from_environment())
    loaded, read = {}, {}
    try:
        for height, width in ((7, 15), (2, 53), (9, 12)):  # 105 pixels, one over, and three over
            path = tmp_path / f"{height}x{width}.png"
            Image.fromarray(make_photo.rgb(height, width, 1)).save(path)
            loaded[height * width] = data.load_photo(path, 8).error
            try:
                read[height * width] = photo_module.read_photo(path) and ""
            except photo_module.PhotoError as exc:
                read[height * width] = exc.reason
    finally:
        photo_module.set_max_photo_pixels(previous)
    assert loaded == read == {
        105: "",  # (refused: 'too large: 0.000105 megapixels (limit 0.000104)')
        106: "too large: 0.000106 megapixels (limit 0.000105)",  # (a wider limit in Pillow's check alone took it)
        108: "too large: 0.000108 megapixels (limit 0.000105)",
    }


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_copy_swapped_for_a_named_pipe_while_copies_are_looked_for_is_kept_for_the_screening_not_waited_on(tmp_path, make_photo, monkeypatch, past_pipes):
    import hashlib
    import os

    pixels = make_photo.rgb(20, 20, 1)
    for name in ("a.png", "b.png"):
        Image.fromarray(pixels).save(tmp_path / name)  # byte-for-byte copies: both are read to compare them
    digest = hashlib.file_digest

    def digest_then_swap(fh, kind):  # a.png read; b.png a named pipe from then on, after its size was taken
        if (tmp_path / "b.png").is_file():
            os.unlink(tmp_path / "b.png")
            os.mkfifo(tmp_path / "b.png")
        return digest(fh, kind)

    monkeypatch.setattr(hashlib, "file_digest", digest_then_swap)
    split = past_pipes(lambda: data.without_copies([tmp_path / "a.png", tmp_path / "b.png"]), tmp_path / "b.png")
    assert split == ([tmp_path / "a.png", tmp_path / "b.png"], [])
    assert data.load_photo(tmp_path / "b.png", 8).error == "not a regular file"
