"""Read and write users' photos: every failure is a one-line ``PhotoError`` naming the file.

``read_photo`` decodes JPEG, PNG, TIFF, BMP and WebP in any common mode into a
``Photo`` (greyscale ``(H, W)`` or RGB ``(H, W, 3)``, uint8 or uint16, alpha kept),
with the EXIF orientation applied. ``write_photo`` writes one back atomically,
keeping 16 bits, alpha, the ICC profile and EXIF where the format can hold them.

Pillow cannot write 16-bit colour (or 16-bit grey with alpha), so 16-bit PNGs are
encoded here and 16-bit TIFFs go through ``tifffile`` (a scikit-image dependency).
It reads them at 8 bits too: such a TIFF is read by ``tifffile``, such a PNG's low
bytes are asked of Pillow apart (``_read_png_16bit``).
"""

from __future__ import annotations

import errno
import io
import itertools
import json
import logging
import math
import os
import re
import stat
import struct
import threading
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

from engine.atomic import NotRegularFileError, atomic_write_bytes, open_regular_file, remove_stale_temps, resolved_path, temp_path_for
from engine.errors import PhotoError

# Pillow format names read_photo accepts ("MPO" is how Pillow names many cameras' JPEGs).
READ_FORMATS = {"JPEG", "MPO", "PNG", "TIFF", "BMP", "WEBP"}
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".bmp", ".webp"}
# The formats a colour photo can be saved in, for every front: choice -> (label, suffix);
# "same" keeps each photo's own format.
OUTPUT_FORMATS = {
    "same": ("Same as original", None), "png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"),
    "tif": ("TIFF", ".tif"), "webp": ("WebP", ".webp"),
}  # fmt: skip
_WRITE_FORMATS = {
    "jpg": "JPEG", "jpeg": "JPEG", "jpe": "JPEG", "jfif": "JPEG", "png": "PNG",
    "tif": "TIFF", "tiff": "TIFF", "bmp": "BMP", "webp": "WEBP",
}  # fmt: skip
_ALPHA_FORMATS = {"PNG", "TIFF", "WEBP"}
# zlib level 3, not Pillow's and libpng's 6: written twice as fast (12 MP: 6.3 -> 2.5 s, at 16 bits
# 8.7 -> 2.5 s) for files 0.4 % larger on val's photos, 6 % on scikit-image's (bench/save_freeze.py).
# At level 6, writing the PNG took four times as long as colouring the photo in a Save All.
PNG_COMPRESS_LEVEL = 3
_EXIF_PREFIX = b"Exif\x00\x00"
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
# Descriptive TIFF tags kept when EXIF comes from (or goes to) a TIFF's own tags.
_TIFF_TEXT_TAGS = (270, 271, 272, 305, 306, 315, 33432)  # description, make, model, software, date, artist, copyright
_IMAGE_DESCRIPTION = 270  # TIFF "ImageDescription"
SOFTWARE_TAG = 305  # EXIF/TIFF "Software": what made the file
_EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x8769, 0x8825, 0xA005  # pointers to EXIF's own directories
_EXIF_DIRECTORIES = (_EXIF_IFD, _GPS_IFD)
_HEADER_BYTES = 1 << 16  # read to look for Colourise's name before Pillow is asked
_HEADERS_A_TASK = 64  # photos whose headers one task reads, when looking for colour versions in folders
_CLASSIC_TIFF_BYTES = 2**32 - 2**26  # pixels this large (uncompressed) are written as BigTIFF, as tifffile would
SOFTWARE_NAME = "Colourise"  # how the "Software" of every photo Colourise saves begins (engine.batch.made_by)
# In a folder Colourise saved BMPs in (no room for the tag): their names, sizes and times, and what the tag would say of each.
SAVED_RECORD = ".colourise-saved.json"
UNTAGGED_FORMATS = {"BMP"}  # formats written without EXIF: no room for Colourise's tag (listed in SAVED_RECORD instead)
# The one limit on a photo's size, in pixels: every decoder path checks it before decoding
# (``check_photo_pixels``; Pillow's own check, kept at half of it rounded up, raises only above it).
# 180 MP: scans of 100 MP are real; a 16-bit RGBA photo this size already needs 1.4 GB.
DEFAULT_MAX_PHOTO_PIXELS = 180_000_000
MAX_PIXELS_ENV = "COLOURISE_MAX_MEGAPIXELS"
# Between Pillow's MAX_IMAGE_PIXELS and twice that it only warns; our own check decides.
# A global filter, as catch_warnings is not thread-safe.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error, zlib.error)


def _limit_from_environment() -> int:
    try:
        pixels = float(os.environ.get(MAX_PIXELS_ENV, "")) * 1e6
    except ValueError:
        return DEFAULT_MAX_PHOTO_PIXELS
    # rounded: 2.01 * 1e6 is 2009999.9999999998, which int() made a limit a pixel below the one set;
    # "inf" (or 1e308, infinite once in pixels) is no number of pixels (round raised OverflowError on import)
    return round(pixels) if 0 < pixels < math.inf else DEFAULT_MAX_PHOTO_PIXELS


def max_pixels_setting_problem() -> str:
    """What is wrong with ``$COLOURISE_MAX_MEGAPIXELS`` as set, if anything ("" when it is unset or a positive number)."""
    text = os.environ.get(MAX_PIXELS_ENV, "").strip()
    try:
        if not text or 0 < float(text) * 1e6 < math.inf:  # (as _limit_from_environment takes it)
            return ""
    except ValueError:
        pass
    return f"{MAX_PIXELS_ENV}={text} is not a positive number of megapixels; the default, {DEFAULT_MAX_PHOTO_PIXELS // 1_000_000} MP, applies"


_max_pixels = 0


def set_max_photo_pixels(pixels: int) -> None:
    """Set the largest photo (width x height) any reader decodes; Pillow's own check follows it."""
    global _max_pixels
    _max_pixels = int(pixels)
    # Pillow raises above twice this: rounded up, never below the limit (an odd limit halved down refused a
    # photo of exactly its size); what lies between is ours to refuse (``check_photo_pixels``).
    Image.MAX_IMAGE_PIXELS = max(1, (_max_pixels + 1) // 2)


def max_photo_pixels() -> int:
    """The largest photo (width x height) the readers decode (``$COLOURISE_MAX_MEGAPIXELS``, default 180 MP)."""
    return _max_pixels


set_max_photo_pixels(_limit_from_environment())


def check_photo_pixels(path: str | Path, width: int, height: int) -> None:
    """``PhotoError(path, "too large: ...")`` for a photo over the limit (``max_photo_pixels``), as every reader says it."""
    if width * height > _max_pixels:
        raise PhotoError(path, _too_large(width * height, _max_pixels))


def _too_large(pixels: int, limit: int) -> str:
    """'too large: 12.0 megapixels (limit 0.0001)': the limit exactly as set, the photo's size to one decimal, or
    exactly where that would say 0.0 (one decimal said 'limit 0.0' for COLOURISE_MAX_MEGAPIXELS=0.0001)."""
    def exactly(pixels: int) -> str:
        return f"{pixels / 1e6:.6f}".rstrip("0").rstrip(".")

    size = f"{pixels / 1e6:.1f}" if pixels >= 100_000 else exactly(pixels)
    return f"too large: {size} megapixels (limit {exactly(limit)})"


@dataclass
class Photo:
    """A decoded photo, ready for colourising.

    ``pixels`` is ``(H, W)`` for greyscale or ``(H, W, 3)`` RGB, uint8 or uint16 (16-bit
    sources keep 16 bits). ``alpha`` is ``(H, W)`` of the same dtype, or None.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    source: Path | None = None
    format: str | None = None  # Pillow's format name of the source ("JPEG", "PNG", "TIFF" ...)
    icc_profile: bytes | None = None
    exif: bytes | None = None

    @property
    def bit_depth(self) -> int:
        return 16 if self.pixels.dtype == np.uint16 else 8

    @property
    def is_grey(self) -> bool:
        return self.pixels.ndim == 2

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]


def is_photo_path(path: str | Path) -> bool:
    """Whether the file name looks like a photo Colourise reads (by suffix only)."""
    return os.path.splitext(path)[1].lower() in PHOTO_SUFFIXES  # not Path(path).suffix: folders of thousands ask


@dataclass(frozen=True)
class FoundPhoto:
    path: Path
    relative: Path  # where it sits under the folder it was found in (its name, for a file named directly)
    in_folder: bool = False  # found by searching a folder, not named by itself


def find_photos(inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[FoundPhoto]:
    """The photos ``inputs`` name: the one rule every front uses to look for photos.

    A file is kept as given, whatever its suffix (so a wrong one gets a clear error
    rather than being skipped silently), and so is a path that does not exist. A
    folder is searched recursively for photo suffixes (``PHOTO_SUFFIXES``), leaving
    out hidden files and folders and anything in ``exclude`` (e.g. the output
    folder); linked folders are followed, each real folder once, so a link loop
    ends. Each photo once (by resolved path), in the order a file manager shows
    them (``file_manager_order``).
    """
    excluded = {resolved_path(Path(p).expanduser()) for p in exclude}
    found: dict[Path, FoundPhoto] = {}

    def add(path: Path, relative: Path, in_folder: bool = True, key: Path | None = None) -> None:
        key = resolved_path(path) if key is None else key
        if key in excluded:
            return
        first = found.setdefault(key, FoundPhoto(path, relative, in_folder))
        if first.in_folder and not in_folder:  # also named by itself: the user asked for it
            found[key] = replace(first, in_folder=False)

    for item in (Path(p).expanduser() for p in inputs):
        if not _is_dir(item):
            add(item, Path(item.name), in_folder=False)
            continue

        def unreadable(error: OSError, top: Path = item) -> None:
            # A folder that cannot be listed is kept as an entry: reading it fails with the reason,
            # so it gets its failure line like any bad photo instead of being skipped without a word.
            folder = Path(error.filename) if error.filename else top
            inside = folder != top and folder.is_relative_to(top)
            add(folder, folder.relative_to(top) if inside else Path(folder.name))

        visited: set[tuple[int, int]] = set()
        for folder, dirs, files in os.walk(item, onerror=unreadable, followlinks=True):
            here = Path(folder)
            try:
                st = here.stat()
            except OSError:
                dirs[:] = []
                continue
            if (st.st_dev, st.st_ino) in visited:  # reached again through a link: a loop or a second way in
                dirs[:] = []
                continue
            visited.add((st.st_dev, st.st_ino))
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and resolved_path(here / d) not in excluded)
            # The folder is resolved once, not each photo in it (a folder of 30,000 photos: 2.9 -> 0.6 s);
            # only a photo that is itself a link is resolved on its own.
            real_here, relative_here = resolved_path(here), here.relative_to(item)
            for name in files:
                if not name.startswith(".") and is_photo_path(name):
                    path = here / name
                    add(path, relative_here / name, key=resolved_path(path) if os.path.islink(path) else real_here / name)
    return file_manager_order(found.values())


_DIGITS = re.compile(r"(\d+)")


def file_manager_order(photos: Iterable[FoundPhoto]) -> list[FoundPhoto]:
    """``photos`` as a file manager lists them: each folder's own photos, then each of its sub-folders' in turn;
    names compared without regard to case, with their numbers as numbers ("img_9" before "IMG_10"), a name before
    its suffix ("grey.jpg" before "grey16.tif", as GNOME's and Windows' file managers have them).

    Sorted by path alone, a folder's photos ran "Zebra.jpg", "apple.jpg", with a sub-folder's photos among them
    ("family/…" between "cbsd68_…" and "mcmaster_…"). Names equal but for case or zeros keep the path order.
    """
    photos = list(photos)
    names: dict[str, tuple] = {}  # each part of a path made a key once (30,000 photos share a few folders)

    def natural(part: str) -> tuple:
        if part not in names:
            chunks: list = _DIGITS.split(part.casefold())
            chunks[1::2] = map(int, chunks[1::2])  # (the split's odd places: the runs of digits)
            names[part] = tuple(chunks)
        return names[part]

    # Folders ranked once, not compared part by part for each pair of photos, and held as tuples of their parts, not
    # Paths, which hash slowly (30,000 photos: 0.2 s, against 0.85 s): a folder before its sub-folders, as its key is
    # the first part of theirs; then the plain path, for names equal but for case.
    parts = [photo.path.parts for photo in photos]
    folders = {path[:-1] for path in parts}
    ranked = sorted(folders, key=lambda folder: (tuple(map(natural, folder)), tuple(map(os.path.normcase, folder))))
    rank = {folder: i for i, folder in enumerate(ranked)}
    keys = [(rank[path[:-1]], *map(natural, os.path.splitext(path[-1])), os.path.normcase(path[-1])) for path in parts]
    return [photo for _key, photo in sorted(zip(keys, photos), key=lambda pair: pair[0])]


def path_order(path: Path) -> tuple[str, ...]:
    """A sort key ordering paths as Path does, by their parts (compared as the file system compares names): made
    once a path, it sorts 30,000 photos in a tenth of the second that comparing Path objects took."""
    return tuple(map(os.path.normcase, path.parts))


class Collected(NamedTuple):
    """``find_photos``' finds sorted by ``sort_found``: the photos to use, and those left out of folders."""

    photos: list[FoundPhoto]  # to use
    colourised: list[FoundPhoto]  # found in folders, saved by Colourise itself: left out
    not_regular: list[FoundPhoto]  # found in folders, named like photos but no regular file (a named pipe, a socket, a device)


def sort_found(found: list[FoundPhoto]) -> Collected:
    """``found`` sorted into the photos to use and those found in folders that are left out.

    A folder that holds both the scans and the colour versions saved beside them (or an output
    folder inside the photos' folder) must not have its colour versions coloured again, or trained
    on: their tag says so, or, for BMPs, their folder's ``SAVED_RECORD``. A named pipe, socket or
    device called like a photo is no photo, as a GIF there is none: it is left out without being
    opened (opening a named pipe waits for a writer). A file named by itself is always kept: the
    user asked for it (and reading it says what is wrong with it).
    """
    # BMP has no room for the tag: those Colourise saved are listed in their folder's SAVED_RECORD.
    ours = recorded_as_saved(photo.path for photo in found if photo.in_folder)
    in_folders = [photo.path for photo in found if photo.in_folder and photo.path not in ours]
    # Headers read side by side (a network drive answers each open slowly), a run of photos to a task:
    # a task for each photo spent more on handing work over than on reading (30,000 photos: 9.8 s
    # against 3.0 s one after another).
    runs = [in_folders[i : i + _HEADERS_A_TASK] for i in range(0, len(in_folders), _HEADERS_A_TASK)]
    with ThreadPoolExecutor(8) as pool:
        kinds = dict(zip(in_folders, itertools.chain.from_iterable(pool.map(lambda run: [_kind_in_folder(p) for p in run], runs))))
    kinds.update(dict.fromkeys(ours, _OURS))
    collected = Collected([], [], [])
    into = {_PHOTO: collected.photos, _OURS: collected.colourised, _NOT_REGULAR: collected.not_regular}
    for photo in found:
        into[kinds.get(photo.path, _PHOTO)].append(photo)  # (one named by itself was not looked at: a photo)
    return collected


_PHOTO, _OURS, _NOT_REGULAR = "photo", "saved by Colourise", "not a regular file"  # what a file found in a folder is


def _kind_in_folder(path: Path) -> str:
    """What the file found in a folder at ``path`` is: ``_NOT_REGULAR`` (looked at, never opened), ``_OURS`` or ``_PHOTO``
    (also when it cannot be looked at, or is a folder the search could not look into: reading it says why)."""
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return _NOT_REGULAR
    except (OSError, ValueError):
        return _PHOTO
    return _OURS if saved_by_colourise(path) else _PHOTO


def saved_by_colourise(path: str | Path) -> bool:
    """Whether the photo at ``path`` says that Colourise saved it (its EXIF "Software" tag).

    Reads the file's header only (about 0.1 ms). BMP has no room for the tag; anything
    unreadable is not Colourise's, and reading it later says what is wrong.
    """
    return colourise_software(path) is not None


def colourise_software(path: str | Path) -> str | None:
    """What the photo at ``path`` says of how Colourise coloured it (its EXIF "Software" tag, ``Colourise 0.1.0,
    model default, strength 80 %``: ``engine.batch.made_by``); None when it says nothing of Colourise (as
    ``saved_by_colourise``: the header only)."""
    fh = _open_regular_file(path)
    if fh is None:
        return None
    with fh:
        if _header_names_no_colourise(fh):
            return None
        try:
            fh.seek(0)
            with _library_noise(), Image.open(fh) as im:
                tiff_tags = getattr(im, "tag_v2", None)  # a TIFF keeps "Software" among its own tags
                software = tiff_tags.get(SOFTWARE_TAG) if tiff_tags is not None else None
                # JPEG, PNG (eXIf before the pixels, as ours are) and WebP: EXIF read at open
                for said in (software, _software_in(im.info.get("exif"))):
                    if _says_colourise(said):
                        return said
                return None
        except Exception:  # noqa: BLE001 (Pillow raises many kinds on damaged headers) not ours, and said when read
            return None


def recorded_as_saved(paths: Iterable[Path], records: dict[Path, dict[str, list[int]]] | None = None) -> set[Path]:
    """Those of ``paths`` that their folder's ``SAVED_RECORD`` lists as saved by Colourise and not changed since
    (the same size and time). Each folder's record is read once (into ``records``, when given)."""
    records = {} if records is None else records
    recorded = set()
    for path in paths:
        if path.parent not in records:
            records[path.parent] = saved_record(path.parent)
        mark = records[path.parent].get(path.name)
        if mark is not None and file_mark(path) == mark:
            recorded.add(path)
    return recorded


def saved_record(folder: Path) -> dict[str, list[int]]:
    """``folder``'s ``SAVED_RECORD``: file name -> [size, mtime in ns]; empty when missing or unreadable."""
    return read_saved_record(folder)[0]


def read_saved_record(folder: Path) -> tuple[dict[str, list[int]], dict[str, str]]:
    """``folder``'s ``SAVED_RECORD``: file name -> [size, mtime in ns], and file name -> what Colourise's tag would
    say of the file (``engine.batch.made_by``; none in a record written before that was noted); empty when missing
    or unreadable."""
    fh = _open_regular_file(folder / SAVED_RECORD)  # (a named pipe called so is not waited on)
    if fh is None:
        return {}, {}
    try:
        with fh:
            record = json.loads(fh.read())
        entries, software = record["colourise saved"], record.get("software", {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}
    if not isinstance(entries, dict):
        return {}, {}
    marks = {name: mark for name, mark in entries.items() if isinstance(mark, list)}
    said = {name: text for name, text in software.items() if name in marks and _says_colourise(text)} if isinstance(software, dict) else {}
    return marks, said


def recorded_software(path: Path) -> str | None:
    """What its folder's ``SAVED_RECORD`` says of how Colourise coloured the photo at ``path`` (as the tag would, had
    its format room for one: ``colourise_software``); None when it says nothing of it, or the file changed since."""
    path = Path(path)
    marks, software = read_saved_record(path.parent)
    said = software.get(path.name)
    return said if said is not None and file_mark(path) == marks[path.name] else None


def saved_software(path: str | Path) -> str | None:
    """How Colourise coloured the photo it saved at ``path`` (``Colourise 0.1.0, model default, strength 80 %``): what its
    tag says (``colourise_software``), or for a format with no room for the tag (BMP) its folder's record
    (``recorded_software``); None when neither says."""
    return recorded_software(Path(path)) if written_untagged(path) else colourise_software(path)


def file_mark(path: Path) -> list[int] | None:
    """[size, mtime in ns] of the plain file (not a link) at ``path``; None when there is none."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns] if stat.S_ISREG(st.st_mode) else None


def _open_regular_file(path: str | Path) -> BinaryIO | None:
    """``path`` opened as ``open_photo_file`` opens it; None where it cannot be (reading it later says why)."""
    try:
        return open_photo_file(path)
    except (PhotoError, ValueError):  # (ValueError: a name with a NUL in it)
        return None


def open_photo_file(path: str | Path, *, empty_ok: bool = False) -> BinaryIO:
    """``path`` opened for reading, as every reader opens a photo; ``PhotoError(path, reason)`` when it cannot be
    ("no such file", "not a regular file", "empty file", "permission denied" ...). ``empty_ok``: an empty
    file is opened too (a photo list naming no photo).

    A named pipe called "pipe.png" in a folder would block a plain ``open`` until something writes to
    it, i.e. forever: it is opened with ``engine.atomic.open_regular_file`` (a regular file only, without waiting).
    """
    path = Path(path)
    try:
        fh = open_regular_file(path)
    except FileNotFoundError:
        raise PhotoError(path, "no such file") from None
    except IsADirectoryError:
        raise PhotoError(path, _folder_reason(path)) from None
    except NotRegularFileError:  # a FIFO or a device: opening it could block forever
        raise PhotoError(path, "not a regular file") from None
    except PermissionError:
        raise PhotoError(path, "permission denied") from None
    except OSError as exc:
        raise PhotoError(path, f"cannot be read ({_os_reason(exc)})") from None
    if not empty_ok and os.fstat(fh.fileno()).st_size == 0:
        fh.close()
        raise PhotoError(path, "empty file")
    return fh


def _header_names_no_colourise(fh: BinaryIO) -> bool:
    """True when a JPEG's or PNG's segments before its pixels hold no metadata that could name
    Colourise; False when they might, or for other formats: Pillow then reads the header.

    Opening folders of thousands of photos: a byte walk of the first 64 kB takes a fifth of the time
    Pillow takes to open the file (30,000 JPEGs: 0.6 against 2.7 s), and almost every photo is not ours.
    """
    try:
        head = fh.read(_HEADER_BYTES)
    except OSError:
        return False  # Pillow says the same, and the photo is read (and fails) later
    mark = SOFTWARE_NAME.encode()
    if head[:2] == b"\xff\xd8":  # JPEG: its segments up to the first scan
        at = 2
        while at + 4 <= len(head) and head[at] == 0xFF:
            marker = head[at + 1]
            if marker == 0xFF or marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # fill byte, or no length
                at += 1 if marker == 0xFF else 2
                continue
            if marker in (0xDA, 0xD9):  # the scan, or the end: no EXIF segment named Colourise
                return True
            (length,) = struct.unpack_from(">H", head, at + 2)
            if marker == 0xE1 and mark in head[at + 4 : at + 2 + length]:
                return False
            at += 2 + length
    elif head[:8] == b"\x89PNG\r\n\x1a\n":  # PNG: its chunks up to the pixels
        at = 8
        while at + 8 <= len(head):
            length, kind = struct.unpack_from(">I4s", head, at)
            if kind in (b"IDAT", b"IEND"):
                return True
            if kind in (b"eXIf", b"tEXt", b"zTXt", b"iTXt") and mark in head[at + 8 : at + 8 + length]:
                return False
            at += 12 + length
    return False  # other formats, or segments running past what was read


def coloured_by_colourise(photo: Photo) -> bool:
    """Whether a read photo's EXIF "Software" says that Colourise saved it (a colour version named by itself)."""
    return photo_software(photo) is not None


def photo_software(photo: Photo) -> str | None:
    """What a photo's EXIF "Software" says of how Colourise coloured it (``made_by_model``); None when it says nothing of Colourise."""
    said = _software_in(photo.exif)
    return said if _says_colourise(said) else None


def _software_in(raw: bytes | None) -> str | None:
    """The "Software" tag of raw EXIF bytes; None when there is none or the EXIF is damaged."""
    if not raw:
        return None
    exif = Image.Exif()
    try:
        with _library_noise():
            exif.load(raw)
    except Exception:  # noqa: BLE001 (damaged EXIF comes in many kinds) not ours
        return None
    return exif.get(SOFTWARE_TAG)


def _says_colourise(software) -> bool:
    return isinstance(software, str) and software.startswith(SOFTWARE_NAME + " ")


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except (OSError, ValueError):  # missing, unreadable or a link loop: reading it will say which
        return False


# --- reading --------------------------------------------------------------------------------


def read_photo(path: str | Path) -> Photo:
    """Decode the photo at ``path``; raises ``PhotoError(path, reason)`` for anything unreadable.

    What Pillow and tifffile say while decoding (warnings, log lines) never reaches the
    terminal: for a photo that fails, the first of it joins the reason; otherwise it is dropped.
    """
    path = Path(path)
    with _library_noise() as noise:
        try:
            return _read_photo(path)
        except PhotoError as exc:
            if not noise:
                raise
            raise PhotoError(path, f"{exc.reason} ({_one_line(noise[0])})") from None


def _read_photo(path: Path) -> Photo:
    # Every reader below reads this one opened file, never the path again: a named pipe put in its place
    # since would block them. Not by its path for Pillow either: given a path, Pillow maps an uncompressed TIFF
    # into memory at the size it has once turned (EXIF orientation 5-8) but with its stored rows, i.e. as
    # stripes (Pillow 13).
    with open_photo_file(path) as fh:
        return _read_opened_photo(path, fh)


def _read_opened_photo(path: Path, fh: BinaryIO) -> Photo:
    try:
        with Image.open(fh) as im:
            if im.format not in READ_FORMATS:
                raise PhotoError(path, f"unsupported format {im.format} (Colourise reads JPEG, PNG, TIFF, BMP and WebP)")
            check_photo_pixels(path, *im.size)
            if im.format in ("WEBP", "PNG") and getattr(im, "is_animated", False):  # (its first frame alone was coloured, without a word)
                raise PhotoError(path, f"an animation ({im.n_frames} frames): Colourise colours still photos; save the frame you want as a photo")
            if im.format == "TIFF" and getattr(im, "is_animated", False):  # (its first page alone was coloured, without a word)
                _check_one_page(path, _tiff_page_kinds(im))
            if _is_multichannel_16bit_tiff(im):  # Pillow would quietly drop it to 8 bits; its tags read once, here
                return _read_tiff_16bit(path, fh, _exif_of(im))
            if im.format == "PNG" and im.tile and im.tile[0][3] in _PNG_16BIT_UNPACKED:
                return _read_png_16bit(im, fh, path)  # the same
            # A TIFF's EXIF directories are read from its file, which Pillow closes once the pixels are.
            tiff_exif = _exif_of(im) if im.format == "TIFF" else None
            transparent = _png_transparent_value(im)  # (the depth it needs is known until the pixels are decoded)
            im.load()  # decode now: a header can be fine while the pixel data is cut short
            return _photo_from_image(im, path, tiff_exif, transparent)
    except PhotoError:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoError(path, too_large_reason(str(exc))) from None
    except UnidentifiedImageError:
        if _starts_with(fh, _TIFF_MAGIC):
            return _read_tiff_16bit(path, fh, _tiff_file_exif(fh))  # e.g. 16-bit grey + alpha, which Pillow cannot open
        raise PhotoError(path, "not an image (or in a format Colourise cannot read)") from None
    except PermissionError:
        raise PhotoError(path, "permission denied") from None
    except MemoryError:
        raise PhotoError(path, "too large to fit in memory") from None
    except _DECODE_ERRORS:
        raise PhotoError(path, "truncated or corrupt") from None


# Warnings and log lines the decoders emit go to the photo being read, per thread (the window
# decodes on several): a hook on warnings.showwarning and a filter on tifffile's logger.
_noise = threading.local()
_show_warning = warnings.showwarning


def _capture_warning(message, category, filename, lineno, file=None, line=None):
    bucket = getattr(_noise, "bucket", None)
    if bucket is None:
        return _show_warning(message, category, filename, lineno, file, line)
    bucket.append(str(message))


class _CaptureLogRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        bucket = getattr(_noise, "bucket", None)
        if bucket is None or record.levelno < logging.WARNING:  # debug output is for whoever asked for it
            return True
        bucket.append(record.getMessage())
        return False


warnings.showwarning = _capture_warning
warnings.filterwarnings("always", category=UserWarning, module=r"PIL\.")  # each photo's own, not once per process
# Each of these logs errors about damaged files on its own logger (a filter on "PIL" would not see them).
for _logger in ("tifffile", "PIL.Image", "PIL.ImageFile", "PIL.TiffImagePlugin", "PIL.TiffTags", "PIL.PngImagePlugin",
                "PIL.JpegImagePlugin", "PIL.BmpImagePlugin", "PIL.WebPImagePlugin"):  # fmt: skip
    logging.getLogger(_logger).addFilter(_CaptureLogRecords())


def _silence_libtiff_errors() -> None:
    """libtiff prints its errors straight to the process's stderr ("TIFFFillStrip: Read error on strip 0"),
    a line per damaged strip, past any Python capture. Pillow already silences its warnings; its
    errors still raise, and become the file's one-line reason. Best effort: where the symbol cannot
    be found (another platform's build), the lines just stay."""
    try:
        import ctypes

        from PIL import _imaging

        set_handler = ctypes.CDLL(_imaging.__file__).TIFFSetErrorHandler  # found among _imaging's own libraries
        set_handler.restype, set_handler.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
        set_handler(None)
    except (OSError, AttributeError, ImportError):
        pass


_silence_libtiff_errors()


@contextmanager
def _library_noise() -> Iterator[list[str]]:
    outer = getattr(_noise, "bucket", None)
    _noise.bucket = bucket = []
    try:
        yield bucket
    finally:
        _noise.bucket = outer


def _one_line(text: str) -> str:
    text = re.sub(r"^<tifffile\.[^>]*>\s*", "", " ".join(str(text).split()))  # tifffile names its own object first
    return text if len(text) <= 100 else text[:97] + "..."


def _folder_reason(path: Path) -> str:
    """Why a folder given as a photo cannot be one: it cannot be looked into (the search could not), or it is a folder."""
    try:
        os.scandir(path).close()
    except OSError as exc:
        return f"cannot be read ({_os_reason(exc)})"
    return "is a folder, not a photo"


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _starts_with(fh: BinaryIO, prefixes: tuple[bytes, ...]) -> bool:
    try:
        fh.seek(0)
        head = fh.read(4)
    except OSError:
        return False
    return head in prefixes


def too_large_reason(message: str) -> str:
    """Pillow's DecompressionBombError ``message`` in the readers' words ('too large: 12.0 megapixels (limit 0.0001)')."""
    numbers = [int(n) for n in re.findall(r"\d+", message)]
    if numbers:  # the limit is ours as set: Pillow's is at most a pixel above it (``set_max_photo_pixels``)
        return _too_large(numbers[0], _max_pixels)
    return "too large (Pillow's decompression-bomb limit)"


def _png_transparent_value(im: Image.Image) -> int | tuple[int, int, int] | None:
    """The value a grey or RGB PNG's tRNS chunk makes transparent, on the scale of Pillow's pixels; None without one."""
    value = im.info.get("transparency")
    if im.format != "PNG" or im.mode not in ("1", "L", "I;16", "RGB") or value is None or not im.tile:
        return None
    rawmode = im.tile[0][3]  # (codec, extents, offset, rawmode)
    if rawmode in ("L;2", "L;4"):  # Pillow scales such pixels to 8 bits, not the value
        return value * (255 // (2 ** int(rawmode[-1]) - 1))
    return value  # (16-bit RGB is read by _read_png_16bit)


def _photo_from_image(im: Image.Image, path: Path, tiff_exif: bytes | None = None, transparent=None) -> Photo:
    """``im`` decoded; a TIFF's EXIF (``_exif_of``) read before it was, while its file was open; ``transparent``
    the pixel value a PNG's tRNS chunk makes transparent (``_png_transparent_value``)."""
    ImageOps.exif_transpose(im, in_place=True)  # also drops the orientation tag from info["exif"]
    icc = im.info.get("icc_profile") or None
    exif = tiff_exif if im.format == "TIFF" else _exif_of(im)
    fmt = "JPEG" if im.format == "MPO" else im.format
    mode = im.mode
    alpha = None
    if mode in ("P", "PA"):
        im = im.convert("RGBA" if im.has_transparency_data else "RGB")
        mode = im.mode
    if mode == "CMYK":
        im, icc = _cmyk_to_srgb(im, icc), None  # the CMYK profile does not describe the RGB result
        mode = "RGB"
    if mode == "1":
        pixels = np.array(im.convert("L"))
    elif mode == "L":
        pixels = np.array(im)
    elif mode in ("LA", "La"):
        la = np.array(im.convert("LA"))
        pixels, alpha = np.ascontiguousarray(la[..., 0]), np.ascontiguousarray(la[..., 1])
    elif mode.startswith("I;16"):
        pixels = np.array(im).astype(np.uint16)  # native byte order whatever the file's
    elif mode == "I":
        pixels = _int32_to_uint16(np.array(im), path)
    elif mode == "F":
        pixels = _float_to_uint16(np.array(im), path)
    elif mode in ("RGBA", "RGBa"):
        rgba = np.array(im.convert("RGBA"))
        pixels, alpha = np.ascontiguousarray(rgba[..., :3]), np.ascontiguousarray(rgba[..., 3])
    else:
        try:
            pixels = np.array(im.convert("RGB"))
        except ValueError:
            raise PhotoError(path, f"unsupported pixel format (mode {mode})") from None
    if transparent is not None and alpha is None:  # kept as alpha, as a grey + alpha PNG's is
        matches = pixels == transparent if pixels.ndim == 2 else (pixels == np.asarray(transparent)).all(axis=-1)
        alpha = np.where(matches, 0, np.iinfo(pixels.dtype).max).astype(pixels.dtype)
    return Photo(pixels, alpha, path, fmt, icc, exif)


def _exif_of(im: Image.Image) -> bytes | None:
    """EXIF as bytes starting with ``Exif\\0\\0`` (the form every Pillow writer accepts)."""
    raw = im.info.get("exif")
    if raw:
        return raw if raw.startswith(_EXIF_PREFIX) else _EXIF_PREFIX + raw
    if im.format == "TIFF":
        return _kept_tiff_tags(im.getexif())
    return None


def _kept_tiff_tags(tags: Image.Exif) -> bytes | None:
    """A TIFF's "EXIF" is its own tag directory (strip offsets ...): EXIF bytes of only its descriptive
    tags, and the EXIF and GPS directories a camera's photo saved as TIFF has."""
    kept = Image.Exif()
    for tag in _TIFF_TEXT_TAGS:
        if tag in tags and not (tag == _IMAGE_DESCRIPTION and _is_tifffile_shape(tags[tag])):
            kept[tag] = tags[tag]
    for pointer, directory in _exif_directories(tags).items():
        kept[pointer] = directory
    return kept.tobytes() if len(kept) else None


def _is_tifffile_shape(description) -> bool:
    """Whether an ImageDescription is the ``{"shape": [48, 64]}`` tifffile writes: it describes the old
    pixels' shape, and kept on the colour photo (48 x 64 x 3) it makes tifffile warn that the shaped
    series does not match the page."""
    if not isinstance(description, str) or not description.startswith("{"):
        return False
    try:
        return "shape" in json.loads(description)
    except (ValueError, TypeError):
        return False


def _exif_directories(tags: Image.Exif) -> dict[int, dict]:
    """The EXIF and GPS directories of ``tags`` (by their pointer tag), each as a dict, the interoperability
    directory nested in the EXIF one as a dict too (as an offset it would point into the old file).
    A directory that cannot be read, or written again, is left out."""
    directories: dict[int, dict] = {}
    for pointer in _EXIF_DIRECTORIES:
        try:
            with _library_noise():
                directory = dict(tags.get_ifd(pointer))
                if pointer == _EXIF_IFD and _INTEROP_IFD in directory:
                    interop = _interop_directory(tags)
                    if interop:
                        directory[_INTEROP_IFD] = interop
                    else:
                        del directory[_INTEROP_IFD]
                if directory:
                    _directory_bytes(directory, 0)  # one that cannot be written is left out, not the photo
                    directories[pointer] = directory
        except Exception:  # noqa: BLE001 (damaged EXIF comes in many kinds) the other tags still go
            continue
    return directories


def _tiff_file_exif(fh: BinaryIO) -> bytes | None:
    """``_kept_tiff_tags`` of a TIFF Pillow cannot decode (its tags it can still read); None if not even those."""
    try:
        fh.seek(0)
        with _library_noise():
            tags = Image.Exif()
            tags.load_from_fp(fh)
            return _kept_tiff_tags(tags)
    except Exception:  # noqa: BLE001 (damaged tags come in many kinds) the tifffile-read text tags remain
        return None


def _cmyk_to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: Pillow's naive conversion is still a fair picture
    return im.convert("RGB")


def _int32_to_uint16(values: np.ndarray, path: Path) -> np.ndarray:
    if values.size and (values.min() < 0 or values.max() > 65535):
        raise PhotoError(path, "unsupported pixel format (32-bit integer values beyond 16 bits)")
    return values.astype(np.uint16)


def _float_to_uint16(values: np.ndarray, path: Path) -> np.ndarray:
    if values.size and not (np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1):
        raise PhotoError(path, "unsupported pixel format (floating-point values outside 0..1)")
    return (values * 65535 + 0.5).astype(np.uint16)


_REDUCED_OR_MASK = 0b101  # TIFF "NewSubfileType" bits of a page that is not a photo of its own: a preview, a mask


def _tiff_page_kinds(im: Image.Image) -> list[int]:
    """The "NewSubfileType" of each page Pillow can reach (up to a damaged one: the first page is still a photo)."""
    kinds = []
    try:
        for _ in ImageSequence.Iterator(im):
            kind = im.tag_v2.get(254, 0)
            kinds.append(kind if isinstance(kind, int) else 0)
    except _DECODE_ERRORS:
        pass
    im.seek(0)
    return kinds


def _check_one_page(path: Path, kinds: list[int]) -> None:
    """Refuse a TIFF of several photos (a preview of the photo, or a mask, is not one): by their "NewSubfileType"s."""
    photos = sum(1 for kind in kinds if not kind & _REDUCED_OR_MASK)
    if photos > 1:
        raise PhotoError(path, f"a multi-page TIFF ({photos} pages): Colourise colours single photos; save the page you want as its own file")


def _is_multichannel_16bit_tiff(im: Image.Image) -> bool:
    if im.format != "TIFF":
        return False
    bits = im.tag_v2.get(258)
    bits = bits if isinstance(bits, tuple) else (bits,)
    return len(bits) > 1 and all(b == 16 for b in bits)


def _read_tiff_16bit(path: Path, fh: BinaryIO, exif: bytes | None) -> Photo:
    """A TIFF of 16-bit samples Pillow cannot read at 16 bits, read by tifffile from ``fh`` (the opened ``path``);
    ``exif`` its tags as ``_kept_tiff_tags`` keeps them (None: those tifffile reads, the text ones only)."""
    import tifffile

    try:
        fh.seek(0)  # (tifffile reads a file handed to it from where it stands)
        with tifffile.TiffFile(fh) as tif:
            _check_one_page(path, [int(page.subfiletype) for page in tif.pages])
            page = tif.pages[0]
            check_photo_pixels(path, int(page.imagewidth), int(page.imagelength))
            if page.size > 4 * _max_pixels:  # more samples per pixel than any photo has
                raise PhotoError(path, f"unsupported TIFF layout ({page.samplesperpixel} samples per pixel)")
            data = page.asarray()
            orientation = page.tags.valueof(274) or 1
            icc = page.tags.valueof(34675)
            texts = {t: page.tags.valueof(t) for t in _TIFF_TEXT_TAGS if page.tags.valueof(t)}
            separate = page.planarconfig == 2
    except PhotoError:
        raise
    except MemoryError:
        raise PhotoError(path, "too large to fit in memory") from None
    except Exception:  # tifffile raises many kinds; any of them means we cannot read this file
        raise PhotoError(path, "not an image (or a TIFF layout Colourise cannot read)") from None
    if separate and data.ndim == 3:
        data = np.moveaxis(data, 0, -1)
    if data.dtype != np.uint16 or data.ndim != 3 or data.shape[-1] not in (2, 3, 4):
        raise PhotoError(path, f"unsupported TIFF layout ({data.dtype}, shape {data.shape})")
    data = _apply_orientation(data, int(orientation))
    grey = data.shape[-1] == 2
    pixels = np.ascontiguousarray(data[..., 0] if grey else data[..., :3])
    alpha = np.ascontiguousarray(data[..., -1]) if data.shape[-1] in (2, 4) else None
    if exif is None and texts:
        kept = Image.Exif()
        for tag, value in texts.items():
            kept[tag] = value
        exif = kept.tobytes()
    return Photo(pixels, alpha, path, "TIFF", bytes(icc) if icc else None, exif)


# How Pillow unpacks a 16-bit PNG it reads at 8 bits (its high bytes), and how it can be made to give the rest:
# the low bytes, from the same bytes read as little-endian; or for grey + alpha every byte, as if it were
# 8-bit RGBA. Either has as many bytes to a pixel, so the rows are unfiltered alike.
_PNG_16BIT_UNPACKED = {"RGB;16B": "RGB;16L", "RGBA;16B": "RGBA;16L", "LA;16B": "RGBA"}


def _read_png_16bit(im: Image.Image, fh: BinaryIO, path: Path) -> Photo:
    """A 16-bit RGB, RGBA or grey + alpha PNG at 16 bits, decoded by Pillow (once, or twice) from ``fh``."""
    rest = _PNG_16BIT_UNPACKED[im.tile[0][3]]
    key = im.info.get("transparency") if im.mode == "RGB" else None  # tRNS: three 16-bit values
    if rest == "RGBA":  # grey + alpha: every byte at once
        _unpack_as(im, rest)
        im.load()
        samples = np.array(im).view(">u2").astype(np.uint16)  # (H, W, 2): grey, alpha
    else:
        im.load()
        fh.seek(0)
        with Image.open(fh) as again:
            _unpack_as(again, rest)
            low = np.array(again)
        samples = (np.array(im).astype(np.uint16) << 8) | low
    orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
    photo = _photo_from_image(im, path)  # its ICC profile and EXIF (less the orientation), its pixels thrown away
    samples = _apply_orientation(samples, orientation if isinstance(orientation, int) else 1)
    if rest == "RGBA":
        pixels, alpha = samples[..., 0], samples[..., 1]
    elif im.mode == "RGBA":
        pixels, alpha = samples[..., :3], samples[..., 3]
    else:
        pixels = samples
        alpha = None if key is None else np.where((pixels == np.asarray(key)).all(axis=-1), 0, 65535).astype(np.uint16)
    return replace(photo, pixels=np.ascontiguousarray(pixels), alpha=None if alpha is None else np.ascontiguousarray(alpha))


def _unpack_as(im: Image.Image, rawmode: str) -> None:
    codec, extents, offset, _ = im.tile[0]
    im.tile = [(codec, extents, offset, rawmode)]


def _apply_orientation(a: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF orientation 1-8 on an ``(H, W, ...)`` array (as ``ImageOps.exif_transpose``)."""
    ops: dict[int, Callable[[np.ndarray], np.ndarray]] = {
        2: lambda x: x[:, ::-1],
        3: lambda x: x[::-1, ::-1],
        4: lambda x: x[::-1],
        5: lambda x: x.swapaxes(0, 1),
        6: lambda x: x.swapaxes(0, 1)[:, ::-1],
        7: lambda x: x.swapaxes(0, 1)[::-1, ::-1],
        8: lambda x: x.swapaxes(0, 1)[::-1],
    }
    return ops[orientation](a) if orientation in ops else a


# --- writing --------------------------------------------------------------------------------


def output_format(path: str | Path, format: str | None = None) -> str:
    """Pillow's format name for writing ``path`` (``format`` wins over the suffix)."""
    key = (format or Path(path).suffix).lower().lstrip(".")
    try:
        return _WRITE_FORMATS[key]
    except KeyError:
        raise PhotoError(path, f"cannot write: unsupported output format {key!r} (use png, jpg, tif, bmp or webp)") from None


def written_untagged(path: str | Path) -> bool:
    """Whether a photo saved as ``path`` goes without Colourise's tag (its suffix names a format in
    ``UNTAGGED_FORMATS``: BMP)."""
    return _WRITE_FORMATS.get(Path(path).suffix.lower().lstrip(".")) in UNTAGGED_FORMATS


def writes_format_of(path: str | Path) -> bool:
    """Whether ``path``'s suffix names a format Colourise writes (``output_format`` takes it): "grandma 1952.06"
    has a suffix, ".06", that names none."""
    return Path(path).suffix.lower().lstrip(".") in _WRITE_FORMATS


def to_8bit(values: np.ndarray) -> np.ndarray:
    """uint16 -> uint8 with correct rounding (65535 -> 255); uint8 passes through."""
    if values.dtype == np.uint8:
        return values
    return ((values.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


MAX_SIDE = {"JPEG": 65_500, "WEBP": 16_383}  # the longest side each format can hold


def write_photo(photo: Photo, path: str | Path, format: str | None = None, quality: int = 95, *, overwrite: bool = True) -> Path:
    """Write ``photo`` to ``path`` atomically (a failed write leaves no file behind); returns the path.

    The format comes from ``format`` or the suffix. 16-bit pixels stay 16-bit in PNG and
    TIFF; alpha is kept in PNG, TIFF and WebP; ICC and EXIF are carried where they fit.
    With ``overwrite=False`` an existing file raises ``FileExistsError`` and is untouched.
    """
    path = Path(path)
    fmt = output_format(path, format)
    largest = MAX_SIDE.get(fmt)
    if largest and max(photo.width, photo.height) > largest:
        # (asked anyway, libjpeg prints its own line on the terminal and Pillow says "broken data stream")
        raise PhotoError(path, f"cannot write: {fmt} holds at most {largest:,} pixels a side; save it as PNG or TIFF")
    alpha = photo.alpha if fmt in _ALPHA_FORMATS else None
    icc = photo.icc_profile if _icc_fits(photo.icc_profile, photo.is_grey) else None
    exif = photo.exif if photo.exif and (fmt != "JPEG" or len(photo.exif) < 65000) else None
    if photo.bit_depth == 16 and fmt == "PNG":
        encode = lambda fh: _write_png_16bit(fh, photo.pixels, alpha, icc, exif)  # noqa: E731
    elif fmt == "TIFF":
        encode = lambda fh: _write_tiff(fh, photo, alpha, icc, exif)  # noqa: E731
    else:
        encode = lambda fh: _write_with_pillow(fh, photo, alpha, fmt, quality, icc, exif)  # noqa: E731
    _write_atomically(path, encode, overwrite)
    return path


def _icc_fits(icc: bytes | None, grey: bool) -> bool:
    """Only attach a profile that describes the pixels (a GRAY profile on RGB misleads viewers)."""
    if not icc or len(icc) < 20:
        return False
    return icc[16:20] == (b"GRAY" if grey else b"RGB ")


def _write_atomically(path: Path, encode: Callable[[BinaryIO], None], overwrite: bool) -> None:
    if path.is_dir():
        raise PhotoError(path, "cannot write: a folder of that name exists")
    if not overwrite and path.exists():
        raise FileExistsError(str(path))
    remove_stale_temps(path.parent)
    tmp = temp_path_for(path)
    try:
        with open(tmp, "x+b") as fh:  # unlike mkstemp's 0600, the umask decides permissions; read back by _write_tiff
            encode(_Unbuffered(fh))
        if overwrite:
            os.replace(tmp, path)
        else:
            _move_without_clobbering(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # (a read-only folder refuses even that: its own error, not this one, is what to say)
            pass
        if isinstance(exc, (FileExistsError, PhotoError)) or not isinstance(exc, Exception):
            raise
        raise PhotoError(path, f"cannot write: {_write_reason(exc)}") from None


class _Unbuffered:
    """A file without ``fileno``: encoders then write through Python (one clear ``OSError`` on a full
    disk), never straight to the descriptor, where libtiff prints its own errors on the terminal and
    Pillow reports only "encoder error -2"."""

    def __init__(self, fh: BinaryIO):
        self._fh = fh
        self.write, self.seek, self.tell, self.flush = fh.write, fh.seek, fh.tell, fh.flush
        self.read = fh.read

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True


def _move_without_clobbering(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)  # fails if ``path`` appeared meanwhile: nothing is replaced
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links (FAT, some network shares)
        if path.exists():
            raise FileExistsError(str(path)) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _write_reason(exc: BaseException) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "the folder does not exist"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return "the folder is on a read-only file system"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def with_software(photo: Photo, text: str) -> Photo:
    """``photo`` with its EXIF "Software" tag set to ``text`` (the rest of its EXIF kept as it was).

    A coloured photo says what made it, so that nobody takes it for an original colour photograph.
    """
    exif = Image.Exif()
    if photo.exif:
        try:
            with _library_noise():  # Pillow warns about damaged EXIF it reads anyway: said when the photo was read
                exif.load(photo.exif)
        except Exception:  # (Pillow raises several kinds on damaged EXIF) keep the tag we add, drop the rest
            exif = Image.Exif()
    exif[SOFTWARE_TAG] = text
    return replace(photo, exif=exif.tobytes())


def made_by_model(model: str, hints: int = 0, strength: float = 1.0) -> str:
    """What the EXIF "Software" of a photo the model named ``model`` coloured says: ``Colourise 0.1.0, model default``
    and, when the user had a hand in it, ``, 3 colour hints`` and ``, strength 120 %`` (``engine.batch.made_by``;
    compared with what a saved photo says: ``saved_software``)."""
    from engine import __version__

    text = f"{SOFTWARE_NAME} {__version__}, model {model or 'unnamed'}"
    if hints:
        text += f", {hints} colour hint{'s' if hints != 1 else ''}"
    if round(strength * 100) != 100:
        text += f", strength {round(strength * 100)} %"
    return text


def record_saved(outputs: Iterable[tuple[Path, str]]) -> None:
    """Note ``outputs`` (each a file and what the tag would say of it: ``made_by_model``) in their folders' ``SAVED_RECORD``
    (each file's size and time, so a file put or changed there since is not taken for Colourise's; and how it was
    coloured, so the window can tell it holds the colours it shows). Entries whose file went or changed are dropped.
    A record that cannot be written only leaves those files to be taken for originals later."""
    by_folder: dict[Path, list[tuple[Path, str]]] = {}
    for output, software in outputs:
        by_folder.setdefault(output.parent, []).append((output, software))
    for folder, saved in by_folder.items():
        marks, said = read_saved_record(folder)
        entries = {name: mark for name, mark in marks.items() if file_mark(folder / name) == mark}
        software = {name: text for name, text in said.items() if name in entries}
        for output, text in saved:
            mark = file_mark(output)
            if mark is not None:
                entries[output.name] = mark
                software[output.name] = text
        try:
            atomic_write_bytes(folder / SAVED_RECORD, json.dumps({"colourise saved": entries, "software": software}).encode())
        except OSError:
            logging.getLogger(__name__).debug("could not note what was saved in %s", folder, exc_info=True)


def side_by_side(before: Photo, after: Photo) -> Photo:
    """``before`` (the original as it was) beside ``after`` (its colours): one before-and-after picture to share.

    Both at full size, a white gap between them (1 % of the width, at least 2 px); the bit depth,
    ICC profile and EXIF of ``after``; no alpha (a transparent gap or background reads as a hole).
    """
    colour = after.pixels if after.pixels.ndim == 3 else np.repeat(after.pixels[..., None], 3, axis=2)
    grey = before.pixels if before.pixels.ndim == 3 else np.repeat(before.pixels[..., None], 3, axis=2)
    grey = grey[..., :3]
    if grey.dtype != colour.dtype:
        grey = grey.astype(np.uint16) * 257 if colour.dtype == np.uint16 else to_8bit(grey)
    height, width = colour.shape[:2]
    gap = max(2, round(width / 100))
    pixels = np.full((height, 2 * width + gap, 3), np.iinfo(colour.dtype).max, dtype=colour.dtype)
    pixels[:, :width] = grey[:height, :width]
    pixels[:, width + gap :] = colour[..., :3]
    return replace(after, pixels=pixels, alpha=None)


def _write_with_pillow(fh: BinaryIO, photo: Photo, alpha, fmt: str, quality: int, icc, exif) -> None:
    pixels = to_8bit(photo.pixels)
    if alpha is not None:
        channels = [pixels] if photo.is_grey else [pixels[..., i] for i in range(3)]
        im = Image.fromarray(np.dstack(channels + [to_8bit(alpha)]), "LA" if photo.is_grey else "RGBA")
    else:
        im = Image.fromarray(pixels, "L" if photo.is_grey else "RGB")
    options: dict = {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality
    if fmt == "PNG":
        options["compress_level"] = PNG_COMPRESS_LEVEL
    if fmt not in UNTAGGED_FORMATS:
        if icc:
            options["icc_profile"] = icc
        if exif:
            options["exif"] = exif
    im.save(fh, fmt, **options)


def _png_chunk(fh: BinaryIO, kind: bytes, data: bytes) -> None:
    fh.write(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))


def _write_png_16bit(fh: BinaryIO, pixels: np.ndarray, alpha, icc, exif) -> None:
    """A 16-bit PNG (grey, grey+alpha, RGB or RGBA), streamed in bands to bound memory."""
    planes = [pixels] if pixels.ndim == 2 else [pixels[..., i] for i in range(3)]
    if alpha is not None:
        planes.append(alpha.astype(np.uint16))
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[len(planes)]
    height, width = pixels.shape[:2]
    fh.write(b"\x89PNG\r\n\x1a\n")
    _png_chunk(fh, b"IHDR", struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0))
    if icc:
        _png_chunk(fh, b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc))
    if exif:
        _png_chunk(fh, b"eXIf", exif[len(_EXIF_PREFIX) :] if exif.startswith(_EXIF_PREFIX) else exif)
    compressor = zlib.compressobj(PNG_COMPRESS_LEVEL)
    previous = np.zeros(width * len(planes) * 2, dtype=np.uint8)
    rows = max(1, (1 << 20) // max(width, 1))
    for top in range(0, height, rows):
        band = np.stack([p[top : top + rows] for p in planes], axis=-1).astype(">u2")
        raw = band.view(np.uint8).reshape(band.shape[0], -1)
        # PNG filter 2 ("Up"): each byte minus the one above, which suits smooth photos.
        above = np.vstack((previous[None], raw[:-1]))
        filtered = np.empty((raw.shape[0], raw.shape[1] + 1), dtype=np.uint8)
        filtered[:, 0] = 2
        np.subtract(raw, above, out=filtered[:, 1:])
        previous = raw[-1].copy()
        data = compressor.compress(filtered.tobytes())
        if data:
            _png_chunk(fh, b"IDAT", data)
    _png_chunk(fh, b"IDAT", compressor.flush())
    _png_chunk(fh, b"IEND", b"")


def _write_tiff(fh: BinaryIO, photo: Photo, alpha, icc, exif) -> None:
    """A zlib-compressed TIFF (8 or 16 bits; grey, grey + alpha, RGB or RGBA), written by tifffile.

    Not Pillow's: its libtiff encoder holds the GIL for the whole file (0.9 s for 12 MP, the window
    stalls while Save All writes), and it fails on EXIF that has a camera's EXIF or GPS directory
    ("Error setting from dictionary", Pillow 13). The descriptive tags go in the TIFF's own
    directory; the EXIF and GPS directories, which tifffile cannot write, are appended and linked in.
    """
    import tifffile

    sixteen = photo.bit_depth == 16
    pixels = photo.pixels if sixteen else to_8bit(photo.pixels)
    data, extra = pixels, {}  # as it is without alpha: no copy (a 100 MP 16-bit scan: 600 MB)
    if alpha is not None:
        data = np.dstack([data, alpha.astype(np.uint16) if sixteen else to_8bit(alpha)])
        extra["extrasamples"] = ["unassalpha"]
    text_tags, software, directories = _tiff_tags_from_exif(exif)
    bigtiff = data.nbytes >= _CLASSIC_TIFF_BYTES
    if bigtiff:
        directories = {}  # _append_directories patches a classic TIFF's IFD0 only; so large a photo keeps its text tags
    # tifffile will not write the pointer tags themselves: a stand-in one number below each (the same
    # place in IFD0's sorted entries) becomes the pointer once its directory is written.
    placeholders = [(pointer - 1, "I", 1, 0, True) for pointer in directories]
    tifffile.imwrite(
        fh,
        data,
        photometric="minisblack" if pixels.ndim == 2 else "rgb",
        compression="zlib",
        iccprofile=icc,
        metadata=None,
        software=software or False,  # (not tifffile's own name: this file is ours)
        extratags=text_tags + placeholders,
        byteorder="<",
        bigtiff=bigtiff,
        **extra,
    )
    if directories:
        _append_directories(fh, directories)


def _tiff_tags_from_exif(exif: bytes | None) -> tuple[list, str | None, dict[int, dict]]:
    """From EXIF bytes: tifffile's extra tags for the descriptive text, the "Software" text, and the
    EXIF and GPS directories (by their pointer tag). Damaged EXIF gives nothing."""
    tags: list = []
    software = None
    if not exif:
        return tags, software, {}
    parsed = Image.Exif()
    try:
        with _library_noise():
            parsed.load(exif)
            for tag in _TIFF_TEXT_TAGS:
                value = parsed.get(tag)
                if isinstance(value, str) and value:
                    if tag == SOFTWARE_TAG:
                        software = value  # a tag tifffile writes itself
                    else:
                        tags.append((tag, "s", 0, value, True))
    except Exception:  # noqa: BLE001 (damaged EXIF comes in many kinds) the pixels still get written
        return [], None, {}
    return tags, software, _exif_directories(parsed)


def _interop_directory(tags: Image.Exif) -> dict:
    """The interoperability directory (a note on the EXIF's colour space); empty when it cannot be read."""
    try:
        return dict(tags.get_ifd(_INTEROP_IFD))
    except Exception:  # noqa: BLE001 (damaged, or its file closed) the rest of the EXIF directory still goes
        return {}


def _directory_bytes(values: dict, offset: int) -> bytes:
    """A little-endian TIFF directory of ``values`` as it is written at ``offset`` in the file."""
    from PIL.TiffImagePlugin import ImageFileDirectory_v2

    directory = ImageFileDirectory_v2(prefix=b"II")
    for tag, value in values.items():
        directory[tag] = value
    return directory.tobytes(offset)


def _append_directories(fh: BinaryIO, directories: dict[int, dict]) -> None:
    """Write each directory after the image (little-endian, as written) and turn its stand-in entry in IFD0
    (tag ``pointer - 1``) into the pointer to it."""
    offsets = {}
    for pointer, values in directories.items():
        end = fh.seek(0, os.SEEK_END)
        if end % 2:
            fh.write(b"\0")  # directories start on a word boundary
            end += 1
        with _library_noise():
            fh.write(_directory_bytes(values, end))
        offsets[pointer] = end
    fh.seek(4)
    first = struct.unpack("<I", fh.read(4))[0]
    fh.seek(first)
    (count,) = struct.unpack("<H", fh.read(2))
    entries = fh.read(12 * count)
    for index in range(count):
        (tag,) = struct.unpack_from("<H", entries, 12 * index)
        if tag + 1 in offsets:
            fh.seek(first + 2 + 12 * index)
            fh.write(struct.pack("<HHII", tag + 1, 4, 1, offsets[tag + 1]))  # tag, LONG, one value, the offset
