"""Datasets of colour photos for training: screening, splits, an in-memory cache, augmentation.

Photos are screened once: unreadable files and effectively greyscale photos (mean
Lab chroma below ``GREY_CHROMA``) are left out and reported. The dataset yields
uint8 RGB crops ``(S, S, 3)``; Lab conversion happens batched on the training
device (see ``engine.training.trainer``).

Data order is a pure function of (seed, step): ``batch_keys`` gives the photos and
per-sample augmentation seeds of any step, so a resumed run sees exactly the
batches the uninterrupted run would have, and torchrun ranks shard them
deterministically.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.errors import PhotoError, error_reason
from engine.events import PhotosFound
from engine.photo import (
    check_photo_pixels, coloured_by_colourise, find_photos, open_photo_file, path_order, recorded_as_saved, saved_by_colourise, too_large_reason,
)
from engine.task import TaskState

GREY_CHROMA = 3.0  # mean Lab chroma below this: the photo carries no colour worth learning
SCREEN_SIDE = 64  # greyscale screening looks at a thumbnail this big
CACHE_OVERSIZE = 1.15  # cached photos keep a short side of this x the training size
CACHE_BUDGET_BYTES = 3 << 30  # "auto" caches when the decoded photos need less than this


# -- finding and screening photos --------------------------------------------------------------
PHOTO_LIST_SUFFIX = ".txt"  # a text file naming photos, one path a line (relative to the file)


def read_photo_list(list_file: str | Path) -> list[Path]:
    """The photos a list file names: one path a line, relative to the list file; '#' starts a comment.

    ``PhotoError`` ("dev.txt: not a regular file") when it cannot be read: it is opened as photos are
    (``engine.photo.open_photo_file``), as a list swapped for a named pipe since it was looked at would
    block a plain read until something wrote to the pipe, i.e. training forever.
    """
    list_file = Path(list_file).expanduser()
    with open_photo_file(list_file, empty_ok=True) as fh:
        text = fh.read().decode("utf-8")
    paths = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            paths.append(list_file.parent / line)
    return paths


def list_images(folders: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[Path]:
    """Image files under ``folders`` (as ``engine.photo.find_photos`` finds them), sorted, without duplicates.

    An entry may also be one photo or a photo list (``.txt``, see ``read_photo_list``);
    entries that do not exist are left out. ``exclude``: folders, photos or photo
    lists whose photos are left out (the dev split).
    """
    entries: list[Path] = []
    for folder in map(lambda f: Path(f).expanduser(), folders):
        if folder.is_file() and folder.suffix.lower() == PHOTO_LIST_SUFFIX:
            entries.extend(p for p in read_photo_list(folder) if p.is_file())
        elif folder.exists():
            entries.append(folder)
    # In path order, not the file manager's order find_photos gives: the order a recipe's runs (and the benches'
    # photos) were made in, which decides the copy of a duplicate kept and the photos a spread subset picks.
    found = sorted((photo.path for photo in find_photos(entries)), key=path_order)
    exclude = list(exclude)
    if exclude:
        left_out = _excluded_tails(exclude)
        found = [p for p in found if _tail(p) not in left_out]
    return found


def without_copies(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """``paths`` less byte-for-byte copies of an earlier one (in order), and the copies as ``(copy, photo it copies)``.

    A photo copied into two folders, or saved as "IMG_0001 (1).jpg", would count twice, and land once in
    training and once in validation. Only files that share a size are read and hashed: a folder of distinct
    photos costs one stat each. Files that cannot be read, and empty ones, are kept for the screening to report.
    """
    sizes: dict[Path, int] = {}
    for path in paths:
        try:
            sizes[path] = path.stat().st_size
        except OSError:
            pass
    counts = Counter(sizes.values())
    first: dict[tuple[int, bytes], Path] = {}
    kept, copies = [], []
    for path in paths:
        size = sizes.get(path, 0)
        if size and counts[size] > 1:
            try:
                with open_photo_file(path) as f:  # (a named pipe put in its place since its size was taken is not waited on)
                    digest = hashlib.file_digest(f, "sha1").digest()
            except (PhotoError, OSError):
                kept.append(path)
                continue
            original = first.setdefault((size, digest), path)
            if original != path:
                copies.append((path, original))
                continue
        kept.append(path)
    return kept, copies


def without_colour_versions(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """``paths`` split into the photos to train on and the colour versions Colourise saved itself
    (``engine.photo.saved_by_colourise``, which reads each file's header only, or for BMPs, which have
    no room for its tag, their folder's record: ``engine.photo.recorded_as_saved``).

    Trained on, those would teach a model the guesses of the model that made them.
    """
    recorded = recorded_as_saved(paths)
    kept, colourised = [], []
    for path in paths:
        (colourised if path in recorded or saved_by_colourise(path) else kept).append(path)
    return kept, colourised


def _tail(path: Path) -> tuple[str, str]:
    return path.parent.name, path.name


def _excluded_tails(exclude: Iterable[str | Path]) -> set[tuple[str, str]]:
    """(folder name, file name) of every photo ``exclude`` names.

    Matched by that tail rather than by full path, a list keeps its photos out of
    training wherever the data folder sits (a checkout elsewhere, a copied data
    set), even when the list's relative paths do not resolve from there.
    """
    tails: set[tuple[str, str]] = set()
    for entry in map(lambda f: Path(f).expanduser(), exclude):
        if entry.is_file() and entry.suffix.lower() == PHOTO_LIST_SUFFIX:
            tails.update(_tail(p) for p in read_photo_list(entry))
        elif entry.exists():
            tails.update(_tail(photo.path) for photo in find_photos([entry]))
    return tails


def _open_rgb(path: Path, min_short_side: int) -> tuple[np.ndarray | None, bool, int]:
    """Decode ``path`` as uint8 RGB, at least ``min_short_side`` on its short side where the file allows.

    JPEG ``draft`` decodes at a reduced DCT scale, which is what makes screening
    and caching thousands of photos quick. Returns (pixels, stored_as_grey, the file's
    own short side); a file stored as greyscale is not decoded at all (it is skipped anyway).
    """
    # Opened as ``engine.photo`` opens photos: a named pipe called "ff.png" is not waited on forever; and not
    # by its path, which has Pillow map an uncompressed TIFF turned on its side (EXIF orientation 5-8) into
    # memory at its turned size, as stripes (Pillow 13).
    with open_photo_file(path) as fh, Image.open(fh) as im:
        check_photo_pixels(path, *im.size)  # (Pillow's own check can let a photo a pixel over the limit by)
        own_short_side = min(im.size)
        if im.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"):
            im.load()  # a broken grey file is still reported as broken
            return None, True, own_short_side
        im.draft("RGB", (min_short_side, min_short_side))
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "PA") or (im.mode == "P" and "transparency" in im.info):
            im = im.convert("RGBA")
            background = Image.new("RGB", im.size, (255, 255, 255))
            background.paste(im, mask=im.getchannel("A"))
            im = background
        return np.asarray(im.convert("RGB")), False, own_short_side


def shrink_to_short_side(pixels: np.ndarray, short_side: int) -> np.ndarray:
    """Downscale (never upscale) so the short side is ``short_side``; area-filtered by Pillow."""
    h, w = pixels.shape[:2]
    if min(h, w) <= short_side:
        return pixels
    scale = short_side / min(h, w)
    size = (max(short_side, round(w * scale)), max(short_side, round(h * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0))


def _thumbnail_lab(pixels: np.ndarray) -> torch.Tensor:
    """CIE Lab ``(3, h, w)`` of a uint8 RGB photo's ``SCREEN_SIDE`` thumbnail (the screening functions' view)."""
    from engine import colour

    small = shrink_to_short_side(pixels, SCREEN_SIDE)
    return colour.rgb_to_lab(torch.from_numpy(np.array(small, dtype=np.uint8)).permute(2, 0, 1).float() / 255)


def mean_chroma(pixels: np.ndarray) -> float:
    """Mean CIE Lab chroma sqrt(a^2 + b^2) of a uint8 RGB photo, on a small thumbnail."""
    return float(_thumbnail_lab(pixels)[1:].pow(2).sum(0).sqrt().mean())


# A photo has colours of its own, not greys in one tint (a sepia or a cyanotype print), when its colour
# varies where its lightness does not: a toned print's a/b is a function of L, so within each of 20 bands
# of L its pixels sit on one colour; a colour photo's grass and stone of one grey do not. Measured on 64 px
# thumbnails: the 41 historical photos of ../shared/data/bw toned by the classic sepia matrix, a three-point
# ramp or as cyanotypes, also saved as JPEG at quality 60, strayed from their band's colour by 0.3 to 3.4
# a/b units on average (median 0.3 to 1.4); 85 % of the val colour photos and 87 % of train's by more than
# TINT_SPREAD. Colour photos in one family of hues (sand, autumn leaves) add a second sign: more than
# OFF_TINT_SHARE of their pixels clearly coloured (chroma > 8) in a hue over 45 degrees from the mean
# tint's, which no toned print had. With both, 88 % of val and 92 % of train are told to be in colour.
TINT_SPREAD = 3.5  # a/b units
OFF_TINT_SHARE = 0.02
_L_BANDS = 20


def in_colour_already(photo) -> bool:
    """Whether a read ``engine.photo.Photo`` was in colour already: colours of its own (``has_own_colours``), or a
    colour version Colourise saved (its EXIF says so: some are in one family of hues, which looks like a toned print)."""
    return has_own_colours(photo.pixels) or coloured_by_colourise(photo)


def has_own_colours(pixels: np.ndarray) -> bool:
    """Whether an RGB photo (uint8 or uint16 ``(H, W, 3)``; greyscale ``(H, W)``: False) holds colours of its
    own rather than greys, or greys in one tint (sepia, cyanotype). Looks at a small thumbnail."""
    if pixels.ndim != 3:
        return False
    step = max(1, min(pixels.shape[:2]) // (4 * SCREEN_SIDE))  # every step-th pixel first: 2 ms, not 55, for 12 MP
    rgb = pixels[::step, ::step, :3]
    rgb8 = (rgb >> 8).astype(np.uint8) if rgb.dtype == np.uint16 else rgb
    lab = _thumbnail_lab(np.ascontiguousarray(rgb8)).reshape(3, -1)
    lightness, ab = lab[0], lab[1:]
    band = torch.clamp((lightness / 100 * _L_BANDS).long(), 0, _L_BANDS - 1)
    band_colour = torch.zeros(2, _L_BANDS).index_add_(1, band, ab) / torch.bincount(band, minlength=_L_BANDS).clamp(min=1)
    if float((ab - band_colour[:, band]).pow(2).sum(0).sqrt().mean()) > TINT_SPREAD:
        return True
    tint = ab.mean(1)
    off_tint = torch.remainder(torch.atan2(ab[1], ab[0]) - torch.atan2(tint[1], tint[0]) + np.pi, 2 * np.pi) - np.pi
    strays = (ab.pow(2).sum(0).sqrt() > 8) & (off_tint.abs() > np.pi / 4)
    return float(strays.float().mean()) > OFF_TINT_SHARE


@dataclass
class LoadedPhoto:
    path: Path
    pixels: np.ndarray | None = None  # uint8 (H, W, 3), None when broken
    grey: bool = False
    error: str = ""  # why it could not be read
    short_side: int = 0  # the photo's own, in pixels, before any downscaling


def load_photo(path: str | Path, short_side: int) -> LoadedPhoto:
    """Decode and downscale one photo and decide whether it is usable (never raises for bad files)."""
    path = Path(path)
    try:
        # Decoded at least as large as the folder scan's thumbnail, so a training run at a tiny size calls the
        # same photos greyscale as the Train page's count did (a 37 px thumbnail made one more borderline photo grey).
        pixels, grey_mode, own_side = _open_rgb(path, max(short_side, SCREEN_SIDE))
        if grey_mode:
            return LoadedPhoto(path, grey=True, short_side=own_side)
        if pixels.ndim != 3 or pixels.shape[0] < 2 or pixels.shape[1] < 2:
            return LoadedPhoto(path, error="image is too small")
        grey = mean_chroma(pixels) < GREY_CHROMA
        pixels = shrink_to_short_side(pixels, short_side)
    except PhotoError as exc:  # not a regular file, an empty one ...
        return LoadedPhoto(path, error=exc.reason)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, MemoryError) as exc:
        return LoadedPhoto(path, error=_unreadable_reason(exc))
    return LoadedPhoto(path, grey=True, short_side=own_side) if grey else LoadedPhoto(path, pixels, short_side=own_side)


def _unreadable_reason(exc: BaseException) -> str:
    """Why a photo could not be read, in the words ``colourise images`` and the window use for it
    (training said Pillow's own: "Truncated File Read", "image file is truncated")."""
    if isinstance(exc, UnidentifiedImageError):
        return "not an image (or in a format Colourise cannot read)"
    if isinstance(exc, Image.DecompressionBombError):
        return too_large_reason(str(exc))
    if isinstance(exc, (ValueError, SyntaxError)) or (isinstance(exc, OSError) and exc.errno is None):
        return "truncated or corrupt"  # a decoder's error, not the file system's
    return error_reason(exc)


def _parallel_map(fn: Callable, items: Sequence, should_stop: Callable[[], bool] | None = None) -> list:
    """Map in threads: Pillow releases the GIL while decoding and resizing."""
    workers = max(1, min(8, os.cpu_count() or 1))
    chunk = 64  # how often ``should_stop`` is asked
    out: list = []
    pool = ThreadPoolExecutor(workers) if workers > 1 and len(items) >= 8 else None
    try:
        for start in range(0, len(items), chunk):
            if should_stop is not None and should_stop():
                break
            part = items[start : start + chunk]
            out.extend(pool.map(fn, part) if pool is not None else map(fn, part))
    finally:
        if pool is not None:
            pool.shutdown()
    return out


@dataclass
class FolderScan:
    """What a set of folders holds for training (for the window's dataset picker)."""

    colour: list[Path] = field(default_factory=list)
    grey: list[Path] = field(default_factory=list)
    broken: list[tuple[Path, str]] = field(default_factory=list)  # (file, reason)
    missing: list[Path] = field(default_factory=list)  # folders that do not exist
    copies: list[tuple[Path, Path]] = field(default_factory=list)  # (file, the photo it is a byte-for-byte copy of)
    colourised: list[Path] = field(default_factory=list)  # colour versions Colourise saved
    short_sides: list[int] = field(default_factory=list)  # of the colour photos, in their order

    @property
    def usable(self) -> int:
        return len(self.colour)

    def smaller_than(self, crop: int) -> int:
        """How many colour photos are smaller than ``crop`` px on their short side (training enlarges them)."""
        return sum(side < crop for side in self.short_sides)

    def summary(self) -> str:
        """One line, e.g. '703 colour photos (12 greyscale, 1 copy and 1 unreadable will be skipped)'."""
        text = f"{len(self.colour)} colour photo{'s' if len(self.colour) != 1 else ''}"
        skipped = skipped_text(len(self.grey), len(self.copies), len(self.broken), len(self.colourised))
        if skipped:
            text += f" ({skipped} will be skipped)"
        if self.missing:
            text += f"; missing folder{'s' if len(self.missing) > 1 else ''}: {', '.join(str(m) for m in self.missing)}"
        return text

    def skipped_lines(self, root: str | Path | None = None, limit: int = 20) -> list[str]:
        """One line per file left out, with the reason ('trunc.jpg: truncated or corrupt'), named from ``root``;
        past ``limit`` lines, one saying how many more."""
        def name(path: Path) -> str:
            try:
                return str(Path(path).relative_to(root)) if root is not None else str(path)
            except ValueError:
                return str(path)

        lines = [f"{name(p)}: {reason}" for p, reason in self.broken]
        lines += [f"{name(p)}: greyscale" for p in self.grey]
        lines += [f"{name(p)}: the same file as {name(original)}" for p, original in self.copies]
        lines += [f"{name(p)}: coloured by Colourise" for p in self.colourised]
        if len(lines) > limit:
            lines = lines[: limit - 1] + [f"and {len(lines) - limit + 1:,} more"]
        return lines


def skipped_text(grey: int, copies: int, broken: int, colourised: int = 0) -> str:
    """'12 greyscale, 1 copy, 3 coloured by Colourise and 1 unreadable' (counts of 0 left out; '' when all are)."""
    parts = [
        f"{n} {what}"
        for n, what in (
            (grey, "greyscale"), (copies, "copy" if copies == 1 else "copies"), (colourised, "coloured by Colourise"), (broken, "unreadable"),
        )
        if n
    ]  # fmt: skip
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def scan_photo_folder(
    folders: str | Path | Iterable[str | Path], should_stop: Callable[[], bool] | None = None, state: TaskState | None = None
) -> FolderScan | None:
    """Count usable colour photos, greyscale ones and unreadable ones under ``folders``.

    Decodes only a ~64 px thumbnail of each photo (JPEG draft mode) in parallel
    threads, so thousands of photos take seconds. With a ``state``, emits
    ``PhotosFound`` first (a quick count while the photos are checked) and returns
    None when stopped; ``should_stop`` may also cut it short.
    """
    if isinstance(folders, (str, Path)):
        folders = [folders]
    if state is not None:
        should_stop = state.should_stop
    folders = [Path(f).expanduser() for f in folders]
    scan = FolderScan(missing=[f for f in folders if not f.exists()])
    paths, scan.copies = without_copies(list_images(f for f in folders if f.exists()))
    paths, scan.colourised = without_colour_versions(paths)
    if state is not None:
        state.emit(PhotosFound(len(paths)))
    for photo in _parallel_map(lambda p: load_photo(p, SCREEN_SIDE), paths, should_stop):
        if photo.error:
            scan.broken.append((photo.path, photo.error))
        elif photo.grey:
            scan.grey.append(photo.path)
        else:
            scan.colour.append(photo.path)
            scan.short_sides.append(photo.short_side)
    return None if state is not None and state.should_stop() else scan


# -- splits ------------------------------------------------------------------------------------
def _name_hash(path: Path) -> float:
    digest = hashlib.sha1(path.name.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_paths(paths: Sequence[Path], val_fraction: float) -> tuple[list[Path], list[Path]]:
    """Deterministic train/validation split by file name hash (stable when photos are added)."""
    if val_fraction <= 0 or len(paths) < 2:
        return list(paths), []
    val = [p for p in paths if _name_hash(p) < val_fraction]
    if not val:  # tiny sets: hold out the photo with the smallest hash
        val = [min(paths, key=_name_hash)]
    chosen = set(val)
    train = [p for p in paths if p not in chosen]
    if not train:
        return list(paths), []
    return train, val


def spread_subset(items: Sequence, limit: int) -> list:
    """At most ``limit`` items, evenly spread over ``items`` (deterministic)."""
    if limit <= 0 or len(items) <= limit:
        return list(items)
    idx = np.linspace(0, len(items) - 1, limit).round().astype(int)
    return [items[i] for i in idx]


# -- crops and augmentation --------------------------------------------------------------------
def _resize_box(pixels: np.ndarray, box: tuple[float, float, float, float], size: int) -> np.ndarray:
    """Crop ``box`` (left, top, right, bottom) and resize it to ``size`` x ``size`` in one Pillow call."""
    return np.array(Image.fromarray(pixels).resize((size, size), Image.Resampling.BILINEAR, box=box, reducing_gap=None))


def centre_crop(pixels: np.ndarray, size: int) -> np.ndarray:
    """The central square, resized to ``size`` (validation and previews)."""
    h, w = pixels.shape[:2]
    side = min(h, w)
    top, left = (h - side) / 2, (w - side) / 2
    return _resize_box(pixels, (left, top, left + side, top + side), size)


def augmented_crop(pixels: np.ndarray, size: int, augment, rng: np.random.Generator) -> np.ndarray:
    """One random training crop ``(size, size, 3)`` uint8, as ``augment`` (an AugmentConfig) asks."""
    h, w = pixels.shape[:2]
    if augment.lineage_rotate and augment.rotate_degrees > 0:
        angle = float(rng.uniform(-augment.rotate_degrees, augment.rotate_degrees))
        pixels = _rotate_inside(pixels, angle)
        h, w = pixels.shape[:2]
    if augment.random_resized_crop:
        area = h * w
        lo, hi = augment.crop_scale
        for _ in range(10):
            target = area * rng.uniform(lo, hi)
            aspect = float(np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3))))
            cw, ch = np.sqrt(target * aspect), np.sqrt(target / aspect)
            if cw <= w and ch <= h:
                break
        else:
            cw = ch = min(h, w)
    elif augment.lineage_crop:
        side = min(h, w) * rng.uniform(0.8, 1.0)
        cw = ch = side
    else:
        cw = ch = min(h, w)
    left = rng.uniform(0, w - cw)
    top = rng.uniform(0, h - ch)
    out = _resize_box(pixels, (left, top, left + cw, top + ch), size)
    if augment.hflip and rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def _rotate_inside(pixels: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees and keep the largest centred rectangle without empty corners."""
    h, w = pixels.shape[:2]
    rotated = Image.fromarray(pixels).rotate(angle, Image.Resampling.BILINEAR)
    a = np.radians(abs(angle))
    # A centred, same-aspect rectangle scaled by f fits inside the rotated frame when:
    f = min(1.0, 1 / (np.cos(a) + (max(h, w) / min(h, w)) * np.sin(a)))
    cw, ch = w * f, h * f
    left, top = (w - cw) / 2, (h - ch) / 2
    return np.asarray(rotated.crop((round(left), round(top), round(left + cw), round(top + ch))))


# -- the dataset and its data order ------------------------------------------------------------
class PhotoDataset(torch.utils.data.Dataset):
    """Colour photos as uint8 crops. Items are addressed by ``(index, augmentation seed)`` keys.

    With ``cache`` (a list of decoded, downscaled photos) nothing is read from disk;
    without it, each item decodes its file (in DataLoader worker processes).
    """

    def __init__(self, paths: Sequence[Path], image_size: int, augment, cache: list[np.ndarray] | None = None, store_short_side: int | None = None):
        self.paths = list(paths)
        self.image_size = image_size
        self.augment = augment
        self.cache = cache
        self.store_short_side = store_short_side or round(image_size * CACHE_OVERSIZE)

    def __len__(self) -> int:
        return len(self.paths)

    def pixels(self, index: int) -> np.ndarray:
        if self.cache is not None:
            return self.cache[index]
        photo = load_photo(self.paths[index], self.store_short_side)
        if photo.pixels is None:  # the file broke after screening: train on flat grey, harmlessly
            return np.full((self.image_size, self.image_size, 3), 128, np.uint8)
        return photo.pixels

    def __getitem__(self, key: tuple[int, int]) -> torch.Tensor:
        index, seed = key
        rng = np.random.default_rng(seed)
        return torch.from_numpy(augmented_crop(self.pixels(index), self.image_size, self.augment, rng))


def steps_per_epoch(n_photos: int, global_batch: int) -> int:
    """Steps in one pass over the photos (the last partial batch is dropped; at least 1)."""
    return max(1, n_photos // global_batch)


class DataOrder:
    """Which photos each step trains on: a seeded permutation per epoch, cut into global batches.

    Rank ``r`` of ``world`` takes every ``world``-th photo of each global batch, so
    ranks never overlap and a resumed run repeats the exact order.
    """

    def __init__(self, n_photos: int, batch_size: int, seed: int, rank: int = 0, world: int = 1):
        self.n = n_photos
        self.batch_size = batch_size
        self.seed = seed
        self.rank = rank
        self.world = world
        self.global_batch = batch_size * world
        self.steps_per_epoch = steps_per_epoch(n_photos, self.global_batch)
        self._perm_epoch = -1
        self._perm = np.empty(0, dtype=np.int64)

    def permutation(self, epoch: int) -> np.ndarray:
        if epoch != self._perm_epoch:
            perm = np.random.default_rng([self.seed, epoch]).permutation(self.n)
            need = self.steps_per_epoch * self.global_batch
            self._perm = np.resize(perm, need) if need > self.n else perm  # tiny sets repeat photos
            self._perm_epoch = epoch
        return self._perm

    def batch_keys(self, step: int) -> list[tuple[int, int]]:
        """This rank's ``(photo index, augmentation seed)`` keys for ``step``."""
        epoch, k = divmod(step, self.steps_per_epoch)
        chunk = self.permutation(epoch)[k * self.global_batch : (k + 1) * self.global_batch]
        keys = []
        for pos in range(self.rank, len(chunk), self.world):
            seed = int(np.random.SeedSequence([self.seed, step, pos]).generate_state(1)[0])
            keys.append((int(chunk[pos]), seed))
        return keys


class StepBatchSampler(torch.utils.data.Sampler):
    """Yields the batches of steps ``start_step`` .. ``total_steps - 1`` (for a DataLoader's ``batch_sampler``)."""

    def __init__(self, order: DataOrder, start_step: int, total_steps: int):
        self.order = order
        self.start_step = start_step
        self.total_steps = total_steps

    def __iter__(self):
        for step in range(self.start_step, self.total_steps):
            yield self.order.batch_keys(step)

    def __len__(self) -> int:
        return max(0, self.total_steps - self.start_step)


def default_num_workers() -> int:
    """DataLoader processes for decoding: none in a frozen app (unreliable there), else up to 4."""
    if getattr(sys, "frozen", False):
        return 0
    return max(0, min(4, (os.cpu_count() or 1)))


def make_loader(dataset: PhotoDataset, order: DataOrder, start_step: int, total_steps: int, num_workers: int = -1) -> torch.utils.data.DataLoader:
    """A DataLoader over the remaining steps; cached datasets are served in-process (cropping is cheap)."""
    if dataset.cache is not None:
        num_workers = 0
    elif num_workers < 0:
        num_workers = default_num_workers()
    if getattr(sys, "frozen", False):
        num_workers = 0
    # Forking a process that runs other threads (the window's, a worker pool's) can copy a held
    # lock into the child and hang it; such processes start their decoders fresh instead.
    context = "spawn" if num_workers > 0 and threading.active_count() > 1 else None
    return torch.utils.data.DataLoader(
        dataset,
        batch_sampler=StepBatchSampler(order, start_step, total_steps),
        num_workers=num_workers,
        multiprocessing_context=context,
        persistent_workers=False,
        prefetch_factor=4 if num_workers > 0 else None,
        pin_memory=torch.cuda.is_available(),
    )


def estimate_cache_bytes(n_photos: int, image_size: int) -> int:
    """Rough memory for caching ``n_photos`` at ``image_size`` (3:2 photos, short side 1.15 x size)."""
    short = round(image_size * CACHE_OVERSIZE)
    return int(n_photos * short * short * 1.5 * 3)


def should_cache(setting: bool | str, n_photos: int, image_size: int) -> bool:
    if setting == "auto":
        return estimate_cache_bytes(n_photos, image_size) <= CACHE_BUDGET_BYTES
    return bool(setting)


@dataclass
class PreparedPhotos:
    """The screened photos of one split; ``cache`` holds their pixels when caching."""

    paths: list[Path]
    grey: list[Path]
    broken: list[tuple[Path, str]]
    cache: list[np.ndarray] | None
    short_sides: list[int] = field(default_factory=list)  # of ``paths``, each photo's own


def prepare_photos(paths: Sequence[Path], store_short_side: int, cache: bool, should_stop: Callable[[], bool] | None = None) -> PreparedPhotos:
    """Screen ``paths`` in parallel; when ``cache``, keep each usable photo decoded and downscaled.

    Without caching only a thumbnail is decoded (the dataset decodes again per item).
    """
    side = store_short_side if cache else SCREEN_SIDE
    loaded = _parallel_map(lambda p: load_photo(p, side), list(paths), should_stop)
    keep, grey, broken, pixels, sides = [], [], [], [], []
    for photo in loaded:
        if photo.error:
            broken.append((photo.path, photo.error))
        elif photo.grey:
            grey.append(photo.path)
        else:
            keep.append(photo.path)
            sides.append(photo.short_side)
            if cache:
                pixels.append(np.ascontiguousarray(photo.pixels))
    return PreparedPhotos(keep, grey, broken, pixels if cache else None, sides)
