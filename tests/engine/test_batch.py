"""colourise_files: folders in, one output per photo, bad photos reported, nothing overwritten."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
import torch
from PIL import Image

from engine import batch
from engine.batch import collect_photos, colourise_files
from engine.data import mean_chroma
from engine.errors import PhotoError
from engine.events import BatchFinished, PhotoDone, PhotoFailed, PhotoSkipped, PhotoStarted
from engine.photo import SAVED_RECORD, read_photo
from engine.task import TaskState


class Recorder(TaskState):
    """A TaskState that keeps every event (and can stop after a number of finished photos)."""

    def __init__(self, stop_after: int | None = None):
        super().__init__(on_event=self._record)
        self.events = []
        self.stop_after = stop_after

    def _record(self, event) -> None:
        self.events.append(event)
        finished = sum(isinstance(e, (PhotoDone, PhotoFailed, PhotoSkipped)) for e in self.events)
        if self.stop_after is not None and finished >= self.stop_after:
            self.request_stop()

    def of(self, kind):
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def album(tmp_path, make_photo):
    """album/{a.jpg, b.png, trip/c.tif, trip/deeper/d.png, .hidden.jpg, notes.txt}"""
    root = tmp_path / "album"
    (root / "trip" / "deeper").mkdir(parents=True)
    Image.fromarray(make_photo.grey(20, 28, 1)).save(root / "a.jpg")
    Image.fromarray(make_photo.grey(16, 16, 2)).save(root / "b.png")
    Image.fromarray(make_photo.grey(24, 12, 3, bits=16)).save(root / "trip" / "c.tif")
    Image.fromarray(make_photo.rgb(12, 20, 4)).save(root / "trip" / "deeper" / "d.png")
    Image.fromarray(make_photo.grey(8, 8, 5)).save(root / ".hidden.jpg")
    (root / "notes.txt").write_text("not a photo")
    return root


def test_collect_photos_recurses_filters_sorts_and_deduplicates(album):
    found, colourised, _ = collect_photos([album, album / "a.jpg", album / "trip"])
    assert colourised == []
    assert [p.path.relative_to(album).as_posix() for p in found] == ["a.jpg", "b.png", "trip/c.tif", "trip/deeper/d.png"]


def test_collect_photos_keeps_named_files_and_leaves_out_the_output_folder(album):
    (album / "out").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(album / "out" / "old.png")
    found = collect_photos([album, album / "notes.txt", album / "missing.jpg"], exclude=album / "out").photos
    names = [p.path.name for p in found]
    assert "old.png" not in names and "notes.txt" in names and "missing.jpg" in names


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_named_like_a_photo_in_a_folder_is_left_out_unopened_and_still_fails_when_named(album, past_pipes):
    """A FIFO called pipe.png in a folder was queued as a photo and failed ("not a regular file"); like a GIF there,
    it is no photo: it is left out and said so. Named by itself it is still the user's to be told about."""
    os.mkfifo(album / "pipe.png")
    os.mkfifo(album / "trip" / "pipe.jpg")
    collected = past_pipes(lambda: collect_photos([album]), album / "pipe.png", album / "trip" / "pipe.jpg")
    assert [p.path.relative_to(album).as_posix() for p in collected.photos] == ["a.jpg", "b.png", "trip/c.tif", "trip/deeper/d.png"]
    assert [p.path.relative_to(album).as_posix() for p in collected.not_regular] == ["pipe.png", "trip/pipe.jpg"]
    assert collected.colourised == []
    named = past_pipes(lambda: collect_photos([album / "pipe.png"]), album / "pipe.png")
    assert [p.path for p in named.photos] == [album / "pipe.png"] and named.not_regular == []
    with pytest.raises(PhotoError, match="pipe.png: not a regular file"):
        read_photo(album / "pipe.png")


def test_colour_versions_saved_into_the_photos_folder_are_not_coloured_again(album, colouriser):
    # An archivist saves the colour versions into the scans' own folder, then colours the folder
    # again with another model: only the scans are coloured; a colour version named by itself still is.
    first = colourise_files([album], album / "coloured", colouriser)
    assert first.succeeded == 4
    again = collect_photos([album, album / "coloured" / "a.jpg"])
    assert [p.path.relative_to(album).as_posix() for p in again.colourised] == ["coloured/b.png", "coloured/trip/c.tif", "coloured/trip/deeper/d.png"]
    assert "coloured/a.jpg" in [p.path.relative_to(album).as_posix() for p in again.photos]
    second = colourise_files([album], album / "second", colouriser)
    assert second.succeeded == 4 and not (album / "second" / "coloured").exists()


def test_outputs_mirror_the_folders_and_keep_names_and_formats(album, tmp_path, colouriser):
    out = tmp_path / "out"
    state = Recorder()
    result = colourise_files([album], out, colouriser, state=state)
    assert result == BatchFinished(succeeded=4, failed=0, skipped=0)
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["a.jpg", "b.png", "trip/c.tif", "trip/deeper/d.png"]
    c = read_photo(out / "trip" / "c.tif")
    assert c.pixels.shape == (24, 12, 3) and c.pixels.dtype == np.uint16  # 16 bits kept
    assert read_photo(out / "a.jpg").pixels.shape == (20, 28, 3)
    starts, dones = state.of(PhotoStarted), state.of(PhotoDone)
    assert [e.index for e in starts] == [e.index for e in dones] == [0, 1, 2, 3]
    assert all(e.total == 4 for e in starts) and dones[2].output == out / "trip" / "c.tif"


def test_every_saved_photo_says_what_coloured_it_and_keeps_the_originals_exif(album, tmp_path, colouriser):
    from engine import __version__

    exif = Image.Exif()
    exif[0x010E] = "Grandma at the lake, 1931"  # an archivist's caption
    exif[0x0131] = "EpsonScan 2"
    Image.fromarray(np.full((12, 16), 90, np.uint8)).save(album / "caption.jpg", exif=exif.tobytes())
    out = tmp_path / "out"
    colourise_files([album], out, colouriser)
    said = f"Colourise {__version__}, model {colouriser.name}"
    for path in [p for p in out.rglob("*") if p.is_file()]:
        assert Image.open(path).getexif().get(0x0131) == said, path.name  # 8 and 16 bits, JPEG, PNG, TIFF
    caption = Image.open(out / "caption.jpg").getexif()
    assert caption[0x010E] == "Grandma at the lake, 1931"


def test_made_by_names_the_model_and_what_the_user_set():
    from engine import __version__
    from engine.batch import made_by

    class Named:
        name = "default"

    assert made_by(Named()) == f"Colourise {__version__}, model default"
    assert made_by(Named(), hints=3, strength=1.2) == f"Colourise {__version__}, model default, 3 colour hints, strength 120 %"
    assert made_by(Named(), hints=1, strength=0.999) == f"Colourise {__version__}, model default, 1 colour hint"


def test_format_option_changes_the_suffix(album, tmp_path, colouriser):
    out = tmp_path / "out"
    colourise_files([album / "a.jpg", album / "trip"], out, colouriser, fmt="png")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == ["a.png", "c.png", "deeper/d.png"]
    with pytest.raises(ValueError):
        colourise_files([album], out, colouriser, fmt="gif")


def test_bad_photo_is_reported_and_the_rest_go_on(album, tmp_path, colouriser):
    (album / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    state = Recorder()
    result = colourise_files([album, tmp_path / "missing.png"], tmp_path / "out", colouriser, state=state)
    assert (result.succeeded, result.failed) == (4, 2)
    messages = sorted(e.message for e in state.of(PhotoFailed))
    assert messages == ["broken.jpg: not an image (or in a format Colourise cannot read)", "missing.png: no such file"]


def test_existing_outputs_are_skipped_unless_overwrite(album, tmp_path, colouriser):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.jpg").write_bytes(b"mine, keep it")
    state = Recorder()
    result = colourise_files([album], out, colouriser, state=state)
    assert (result.succeeded, result.skipped) == (3, 1)
    assert (out / "a.jpg").read_bytes() == b"mine, keep it"
    assert [e.output for e in state.of(PhotoSkipped)] == [out / "a.jpg"]
    result = colourise_files([album], out, colouriser, overwrite=True)
    assert result.succeeded == 4 and (out / "a.jpg").read_bytes() != b"mine, keep it"


def test_an_original_is_never_overwritten_even_with_overwrite(album, colouriser):
    before = {p: p.read_bytes() for p in album.rglob("*") if p.is_file()}
    state = Recorder()
    result = colourise_files([album], album, colouriser, overwrite=True, state=state)
    assert result.succeeded == 0 and result.failed == 4
    assert all("would replace an original" in e.message for e in state.of(PhotoFailed))
    assert {p: p.read_bytes() for p in album.rglob("*") if p.is_file()} == before


def test_an_original_in_an_output_folder_inside_the_input_folder_is_never_replaced(tmp_path, make_photo, colouriser):
    # in3/a.jpg and in3/scans/a.jpg are both originals; -o in3/scans left the second out of the search
    root = tmp_path / "in3"
    (root / "scans").mkdir(parents=True)
    Image.fromarray(make_photo.grey(12, 16, 1)).save(root / "a.jpg")
    Image.fromarray(make_photo.grey(12, 16, 2)).save(root / "scans" / "a.jpg")
    Image.fromarray(make_photo.grey(12, 16, 3)).save(root / "b.jpg")
    before = (root / "scans" / "a.jpg").read_bytes()
    for overwrite in (False, True):
        state = Recorder()
        result = colourise_files([root], root / "scans", colouriser, overwrite=overwrite, state=state)
        assert (result.succeeded, result.failed, result.skipped) == (1, 1, 0)  # b.jpg coloured (then replaced), a.jpg refused
        assert [e.message for e in state.of(PhotoFailed)] == [f"a.jpg: the output {root / 'scans' / 'a.jpg'} would replace an original; choose another output folder"]
        assert (root / "scans" / "a.jpg").read_bytes() == before
    # b.jpg's colour version, saved by Colourise in the first run, is replaced by the second
    assert read_photo(root / "scans" / "b.jpg").pixels.ndim == 3


def test_bmps_saved_before_into_an_output_folder_inside_the_photos_folder_are_outputs_not_originals(tmp_path, make_photo, colouriser):
    """BMP has no room for Colourise's tag: the second run took the first run's BMPs for originals and refused them,
    even with overwrite. The folder's record of what Colourise saved there says they are its own."""
    nest = tmp_path / "nest"
    nest.mkdir()
    for i, name in enumerate(("a.bmp", "b.bmp")):
        Image.fromarray(make_photo.grey(12, 16, i)).save(nest / name)
    out = nest / "out"
    assert colourise_files([nest], out, colouriser).succeeded == 2
    state = Recorder()
    result = colourise_files([nest], out, colouriser, state=state)
    assert (result.succeeded, result.failed, result.skipped) == (0, 0, 2), [e.message for e in state.of(PhotoFailed)]
    assert colourise_files([nest], out, colouriser, overwrite=True).succeeded == 2
    # ...a file the user put or changed there since is theirs: never replaced
    Image.fromarray(make_photo.grey(12, 16, 9)).save(out / "b.bmp")
    theirs = (out / "b.bmp").read_bytes()
    state = Recorder()
    result = colourise_files([nest], out, colouriser, overwrite=True, state=state)
    assert (result.succeeded, result.failed) == (1, 1) and "would replace an original" in state.of(PhotoFailed)[0].message
    assert (out / "b.bmp").read_bytes() == theirs
    assert sorted(p.name for p in out.iterdir()) == [SAVED_RECORD, "a.bmp", "b.bmp"]


def test_the_record_of_the_bmps_colourise_saved_says_how_each_was_coloured_as_the_tag_says_it_of_a_png(tmp_path, make_photo, colouriser):
    """BMP has no room for the tag that says how Colourise coloured a photo, and its folder's record said only that
    Colourise saved it: the window never knew a BMP it saved held the colours it shows, as it knows of a PNG."""
    import json

    from engine.photo import recorded_as_saved, saved_software

    for i, name in enumerate(("a.bmp", "b.png")):
        Image.fromarray(make_photo.grey(12, 16, i)).save(tmp_path / name)
    out = tmp_path / "out"
    assert colourise_files([tmp_path / "a.bmp", tmp_path / "b.png"], out, colouriser, strength=1.3).succeeded == 2
    said = batch.made_by(colouriser, 0, 1.3)
    assert saved_software(out / "a.bmp") == said == saved_software(out / "b.png")
    # A record written before that was noted says the BMP is Colourise's, not how it was coloured.
    record = json.loads((out / SAVED_RECORD).read_text())
    (out / SAVED_RECORD).write_text(json.dumps({"colourise saved": record["colourise saved"]}))
    assert saved_software(out / "a.bmp") is None and recorded_as_saved([out / "a.bmp"]) == {out / "a.bmp"}
    assert colourise_files([tmp_path / "a.bmp"], out, colouriser, overwrite=True).succeeded == 1  # noted again, at 100 %
    assert saved_software(out / "a.bmp") == batch.made_by(colouriser)
    Image.fromarray(make_photo.grey(12, 20, 9)).save(out / "a.bmp")  # changed since: the record says nothing of it now
    assert saved_software(out / "a.bmp") is None


def test_bmps_colourise_saved_in_a_folder_are_left_out_when_the_folder_is_searched_again(tmp_path, make_photo, colouriser):
    """BMP has no room for Colourise's tag: a run into another folder (or the window opening the folder) queued the BMPs
    an earlier run saved inside it, while PNGs were left out by their tag. The folder's record of what it saved says so."""
    from engine.photo import find_photos, sort_found

    nest = tmp_path / "nest"
    nest.mkdir()
    for i, name in enumerate(("a.bmp", "b.bmp")):
        Image.fromarray(make_photo.grey(12, 16, i)).save(nest / name)
    assert colourise_files([nest], nest / "out", colouriser).succeeded == 2
    collected = collect_photos([nest], exclude=tmp_path / "other")
    assert [p.path.relative_to(nest).as_posix() for p in collected.photos] == ["a.bmp", "b.bmp"]
    assert [p.path.relative_to(nest).as_posix() for p in collected.colourised] == ["out/a.bmp", "out/b.bmp"]
    assert colourise_files([nest], tmp_path / "other", colouriser).succeeded == 2  # (coloured 4, 2 of them its own)
    assert sorted(p.name for p in (tmp_path / "other").rglob("*.bmp")) == ["a.bmp", "b.bmp"]
    # a file the user put or changed there since is theirs, and so is one named by itself
    Image.fromarray(make_photo.grey(12, 20, 9)).save(nest / "out" / "b.bmp")
    kept, colourised, _ = sort_found(find_photos([nest, nest / "out" / "a.bmp"]))
    assert [p.path.relative_to(nest).as_posix() for p in kept] == ["a.bmp", "b.bmp", "out/a.bmp", "out/b.bmp"]
    assert colourised == []


def test_an_output_that_is_a_link_to_an_original_is_refused(album, tmp_path, colouriser):
    out = tmp_path / "out"
    out.mkdir()
    os.link(album / "b.png", out / "b.png")
    before = (album / "b.png").read_bytes()
    result = colourise_files([album / "b.png"], out, colouriser, overwrite=True)
    assert result.failed == 1 and (album / "b.png").read_bytes() == before


def test_two_photos_with_one_name_both_survive(tmp_path, make_photo, colouriser):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        Image.fromarray(make_photo.grey(8, 8)).save(tmp_path / folder / "same.png")
    out = tmp_path / "out"
    result = colourise_files([tmp_path / "x" / "same.png", tmp_path / "y" / "same.png"], out, colouriser)
    assert result.succeeded == 2 and sorted(p.name for p in out.iterdir()) == ["same-2.png", "same.png"]


def test_stop_is_honoured_between_photos(album, tmp_path, colouriser):
    # Stop comes as the first photo is reported saved, by then the second is coloured (photos are
    # written while the next is coloured): it is dropped unwritten, and nothing after it starts.
    state = Recorder(stop_after=1)
    result = colourise_files([album], tmp_path / "out", colouriser, state=state)
    assert result.cancelled and result.succeeded == 1
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()] == ["a.jpg"]
    assert [e.index for e in state.of(PhotoStarted)] == [0, 1]


def test_a_photo_is_written_while_the_next_is_coloured_and_a_failed_write_fails_that_photo_alone(album, tmp_path, colouriser, monkeypatch):
    second_coloured = threading.Event()
    writes_overlapped, real_render, real_write = [], colouriser.render, batch._write

    def render(photo, *args, **kwargs):
        if photo.width == 16:  # b.png, the second photo
            second_coloured.set()
        return real_render(photo, *args, **kwargs)

    def write(coloured, target, settings):
        if target.name == "a.jpg":  # waits for the next photo's colours, which come only if writing runs beside them
            writes_overlapped.append(second_coloured.wait(timeout=20))
            raise PhotoError(target, "cannot write: the disk is full")
        return real_write(coloured, target, settings)

    monkeypatch.setattr(colouriser, "render", render)
    monkeypatch.setattr(batch, "_write", write)
    state = Recorder()
    result = colourise_files([album], tmp_path / "out", colouriser, state=state)
    assert writes_overlapped == [True]
    assert result == BatchFinished(succeeded=3, failed=1, skipped=0)
    assert [(e.index, e.message) for e in state.of(PhotoFailed)] == [(0, "a.jpg: cannot write: the disk is full")]
    assert sorted(e.index for e in state.of(PhotoDone)) == [1, 2, 3] and not (tmp_path / "out" / "a.jpg").exists()


class FakeCudaColouriser:
    """The real CPU colouriser dressed as a CUDA one: records the batches the GPU path sends."""

    def __init__(self, real, fail_batches: bool = False):
        self.real, self.device, self.batches, self.fail_batches = real, torch.device("cuda"), [], fail_batches

    def predict_many(self, photos, l_fulls=None):
        self.batches.append(len(photos))
        if self.fail_batches:
            raise RuntimeError("CUDA out of memory")
        return self.real.predict_many(photos, l_fulls)

    def predict(self, photo, l_full=None):
        return self.real.predict(photo, l_full)

    def render(self, photo, prediction, strength=1.0, l_full=None):
        return self.real.render(photo, prediction, strength, l_full)


@pytest.fixture
def same_size_album(tmp_path, make_photo):
    """Seven 16x16 photos: batched and single network passes see exactly the same input."""
    root = tmp_path / "same"
    root.mkdir()
    for i in range(7):
        Image.fromarray(make_photo.grey(16, 16, 10 + i)).save(root / f"p{i}.png")
    return root


@pytest.mark.parametrize("fail_batches", [False, True])
def test_gpu_path_batches_photos_and_gives_the_same_pictures(same_size_album, tmp_path, colouriser, fail_batches):
    cpu_out, gpu_out = tmp_path / "cpu", tmp_path / "gpu"
    colourise_files([same_size_album], cpu_out, colouriser)
    fake = FakeCudaColouriser(colouriser, fail_batches)
    result = colourise_files([same_size_album], gpu_out, fake)
    assert result.succeeded == 7 and fake.batches == [batch.CUDA_BATCH, 3]
    for path in cpu_out.iterdir():
        assert np.abs(read_photo(path).pixels.astype(int) - read_photo(gpu_out / path.name).pixels.astype(int)).max() <= 1


def test_gpu_path_handles_photos_of_different_sizes(album, tmp_path, colouriser):
    fake = FakeCudaColouriser(colouriser)
    result = colourise_files([album], tmp_path / "gpu", fake)
    assert result.succeeded == 4 and fake.batches == [4]
    assert read_photo(tmp_path / "gpu" / "a.jpg").pixels.shape == (20, 28, 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_real_cuda_matches_cpu(same_size_album, tmp_path, alpha_model_file):
    from engine.inference import Colouriser

    cpu = Colouriser.from_name(alpha_model_file, device="cpu", working_size=64)
    gpu = Colouriser.from_name(alpha_model_file, device="cuda", working_size=64)
    colourise_files([same_size_album], tmp_path / "cpu", cpu)
    result = colourise_files([same_size_album], tmp_path / "gpu", gpu)
    assert result.succeeded == 7
    for path in (tmp_path / "cpu").iterdir():
        other = read_photo(tmp_path / "gpu" / path.name).pixels.astype(int)
        assert np.abs(read_photo(path).pixels.astype(int) - other).max() <= 2


@pytest.mark.shared_data
def test_real_black_and_white_photos_keep_their_tones(shared_data, tmp_path, colouriser):
    """Genuine historical photos (read from ../shared/data, never copied): coloured, tones kept."""
    from skimage import color

    photos = [p for p in sorted((shared_data / "bw").glob("*.jpg")) if read_photo(p).is_grey][:2]
    assert photos, "the shared bw/ folder has no greyscale JPEGs"
    result = colourise_files(photos, tmp_path / "out", colouriser, fmt="png")
    assert result.succeeded == len(photos)
    for source in photos:
        grey = read_photo(source).pixels / 255.0
        coloured = read_photo(tmp_path / "out" / f"{source.stem}.png").pixels / 255.0
        l_in = color.rgb2lab(np.repeat(grey[..., None], 3, axis=-1))[..., 0]
        assert np.abs(color.rgb2lab(coloured)[..., 0] - l_in).max() <= 1.0


# --- the one path both fronts use: save_photos, plan_targets, ColourCache --------------------------
from engine.batch import (  # noqa: E402
    ColourCache,
    Existing,
    PhotoSource,
    SaveRequest,
    SaveSettings,
    output_name,
    plan_targets,
    save_photos,
)


class CountingColouriser:
    """The real colouriser, counting its network passes."""

    def __init__(self, real):
        self.real, self.device, self.key, self.predicted = real, real.device, real.key, 0

    def predict(self, photo, l_full=None):
        self.predicted += 1
        return self.real.predict(photo, l_full)

    def render(self, photo, prediction, strength=1.0, l_full=None):
        return self.real.render(photo, prediction, strength, l_full)


def test_a_previewed_photo_is_decoded_and_predicted_once_then_saved(album, tmp_path, colouriser, monkeypatch):
    """The window's case: the queue predicts (the preview), Save reuses the decoded photo and the prediction."""
    reads = []
    real_read = PhotoSource.read
    monkeypatch.setattr(PhotoSource, "read", lambda self: reads.append(self.name) or real_read(self))
    counting, cache = CountingColouriser(colouriser), ColourCache()
    source = PhotoSource.file(album / "b.png")
    preview = cache.prediction(source, counting)  # what the page's preview job does
    result = save_photos([SaveRequest(source, tmp_path / "b-colourised.png")], counting, SaveSettings(), cache=cache)
    assert result.succeeded == 1 and reads == ["b.png"] and counting.predicted == 1
    expected = colouriser.render(read_photo(album / "b.png"), preview)
    assert np.array_equal(read_photo(tmp_path / "b-colourised.png").pixels, expected.pixels)


def test_a_changed_file_or_another_model_is_predicted_again(album, colouriser, alpha_model_file):
    from engine.inference import Colouriser

    cache, source = ColourCache(), PhotoSource.file(album / "b.png")
    first = cache.prediction(source, colouriser)
    assert cache.prediction(source, colouriser) is first
    bigger = Colouriser.from_name(alpha_model_file, device="cpu", working_size=32)
    assert cache.cached_prediction(source, bigger) is None  # another working size is another model
    os.utime(album / "b.png", ns=(1, 1))
    assert cache.cached_prediction(source, colouriser) is None  # the file changed on disk
    cache.prediction(source, colouriser)
    cache.forget(source)
    assert cache.cached_prediction(source, colouriser) is None


def test_the_photo_cache_keeps_the_newest_within_its_budget(album):
    cache = ColourCache(photo_bytes=1)
    a, b = PhotoSource.file(album / "a.jpg"), PhotoSource.file(album / "b.png")
    assert cache.photo(a) is cache.photo(a)  # the newest is always kept
    photo_b = cache.photo(b)
    assert cache.photo(b) is photo_b and cache.photo(a) is not None


def test_keep_both_saves_beside_an_existing_file_and_replace_replaces(album, tmp_path, colouriser):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"mine")
    source = PhotoSource.file(album / "a.jpg")
    kept = save_photos([SaveRequest(source, out / "a.png")], colouriser, SaveSettings(existing=Existing.KEEP_BOTH))
    assert kept.succeeded == 1 and (out / "a.png").read_bytes() == b"mine" and read_photo(out / "a-2.png").pixels.ndim == 3
    skipped = save_photos([SaveRequest(source, out / "a.png")], colouriser, SaveSettings(existing=Existing.SKIP))
    assert skipped.skipped == 1 and (out / "a.png").read_bytes() == b"mine"
    replaced = save_photos([SaveRequest(source, out / "a.png")], colouriser, SaveSettings(existing=Existing.REPLACE))
    assert replaced.succeeded == 1 and read_photo(out / "a.png").pixels.shape == (20, 28, 3)


@pytest.mark.parametrize("existing", list(Existing))
@pytest.mark.parametrize("folder", ["out", "out/1952"])
def test_a_file_where_the_output_folder_should_be_fails_the_photo_and_says_so(album, tmp_path, colouriser, existing, folder):
    (tmp_path / "out").write_bytes(b"notes")  # a file named like the folder chosen
    state = Recorder()
    result = save_photos([SaveRequest(PhotoSource.file(album / "a.jpg"), tmp_path / folder / "a.png")], colouriser,
                         SaveSettings(existing=existing), state=state)
    assert result == BatchFinished(succeeded=0, failed=1, skipped=0)  # not "skipped", as if the photo were there already
    assert [e.message for e in state.of(PhotoFailed)] == [f"a.jpg: cannot write: {tmp_path / 'out'} is a file, not a folder"]
    assert (tmp_path / "out").read_bytes() == b"notes"


def test_no_rule_writes_an_original_or_a_protected_photo(album, tmp_path, colouriser):
    before = (album / "b.png").read_bytes()
    state = Recorder()
    requests = [SaveRequest(PhotoSource.file(album / "a.jpg"), album / "b.png"), SaveRequest(PhotoSource.file(album / "b.png"), album / "b.png")]
    result = save_photos(requests, colouriser, SaveSettings(existing=Existing.REPLACE), state)
    assert result.failed == 2 and (album / "b.png").read_bytes() == before
    protected = SaveSettings(existing=Existing.REPLACE, protected={album / "trip" / "c.tif"})
    result = save_photos([SaveRequest(PhotoSource.file(album / "a.jpg"), album / "trip" / "c.tif")], colouriser, protected)
    assert result.failed == 1


def test_a_pasted_image_is_saved_and_named_in_events(tmp_path, make_photo, colouriser):
    from engine.photo import Photo

    state = Recorder()
    source = PhotoSource("pasted-1.png", pasted=Photo(make_photo.grey(12, 12)))
    result = save_photos([SaveRequest(source, tmp_path / "pasted-1-colourised.png")], colouriser, state=state)
    assert result.succeeded == 1 and state.of(PhotoDone)[0].source.name == "pasted-1.png"


def test_plan_targets_gives_free_names_and_output_name_the_format():
    assert output_name("a.JPG") == "a.JPG" and output_name("a.jpg", "webp", "-colourised") == "a-colourised.webp"
    assert output_name("notes.txt", "same", "-c") == "notes-c.png"
    with pytest.raises(ValueError):
        output_name("a.jpg", "gif")


def test_plan_targets_avoids_each_other_originals_and_existing_files(tmp_path):
    (tmp_path / "x.png").write_bytes(b"there")
    wanted = [tmp_path / "x.png", tmp_path / "x.png", tmp_path / "y.png"]
    assert plan_targets(wanted) == [tmp_path / "x.png", tmp_path / "x-2.png", tmp_path / "y.png"]
    assert plan_targets(wanted, avoid=[tmp_path / "y.png"]) == [tmp_path / "x.png", tmp_path / "x-2.png", tmp_path / "y-2.png"]
    assert plan_targets(wanted, avoid_existing=True) == [tmp_path / "x-2.png", tmp_path / "x-3.png", tmp_path / "y.png"]


def test_each_request_can_carry_its_own_strength(album, tmp_path, colouriser):
    """The window's case: one batch, each photo at its own strength; a request without one takes the settings'."""
    source = PhotoSource.file(album / "b.png")
    strengths = {"grey": 0.0, "as-predicted": 1.0, "vivid": 2.0, "unset": None}
    requests = [SaveRequest(source, tmp_path / f"{name}.png", strength=strength) for name, strength in strengths.items()]
    result = save_photos(requests, colouriser, SaveSettings(strength=2.0))
    assert result.succeeded == 4
    chroma = {name: mean_chroma(read_photo(tmp_path / f"{name}.png").pixels) for name in strengths}
    assert chroma["grey"] < 0.01 < chroma["as-predicted"] < chroma["vivid"], chroma  # Lab rounding leaves grey a few thousandths
    assert np.array_equal(read_photo(tmp_path / "unset.png").pixels, read_photo(tmp_path / "vivid.png").pixels)
