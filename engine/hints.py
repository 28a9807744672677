"""Colour hints: points where the user says which colour goes, as data, files and network input.

The API (the window and the command line build on it)::

    from engine.hints import Hint, read_hints, write_hints

    hints = [Hint(x=120, y=48, rgb=(160, 196, 255))]   # photo pixels (after EXIF orientation), sRGB 0..255
    colouriser = Colouriser.from_name("default")
    colouriser.takes_hints                               # False: the model ignores hints (grey the feature out)
    prediction = colouriser.predict(photo, hints=hints)  # network + residual propagation, at working size
    coloured = colouriser.render(photo, prediction, strength=1.0)      # full resolution; the strength scales the
                                                         # network's colours, the hints keep their own
    coloured = colouriser.colourise(photo, strength=1.0, hints=hints)  # both steps
    quick = colouriser.predict(photo, hints=hints, preview=True)       # while a point is dragged: the model's
                                                         # own colours (kept per photo), coarse propagation
    colouriser.suggest_colours(photo, x, y, count=8, hints=hints)      # [(r, g, b), ...] most likely first,
                                                         # at that pixel's L kept within 20..90 (the a/b-bin
                                                         # distribution there)
    colouriser.predict_many(photos, hints=[hints_a, None, ...])        # a batch, hints per photo

    hints = read_hints("photo.json", photo.width, photo.height)  # HintFileError (a ColouriseError, one line)
    write_hints("photo.hints.json", hints)                        # atomic; HintFileError when it cannot

    ModelInfo.takes_hints (engine.modelfile) and engine.models.takes_hints(arch, config) say it
    without loading weights; ``Prediction.hints`` counts the hints a prediction followed.
    engine.batch: ``SaveRequest(source, target, hints_file=...)`` colours a saved photo with a hint file.

Hint files are JSON: ``{"strength": 1.4, "photo": "../scans/beach.jpg", "points": [{"x": 120, "y": 48, "colour": "#a0c4ff"}, ...]}``,
x and y in the photo's pixels (fractions allowed), the colour as ``#rrggbb``; ``strength`` (optional,
0..2) is the colour strength the photo was saved at by the window (``read_hint_file`` returns it);
``photo`` (optional) names the photo the window saved them for, from the hint file's folder, so that
a photo of the same name from another folder is never given them (``find_saved_hints``).

How hints reach the colour (``engine.inference``): a model that takes hints gets
three extra input channels at working size (``hint_channels``): the hint's a/b
(normalised) and a mask, each hint painted as a small square patch, later hints
over earlier ones. Then the residual (hint colour minus the network's colour at
each hint) is spread along regions of similar lightness (``propagate``, an
L-affinity solve in the style of Levin et al. 2004), so every hint is honoured
exactly even where the network only half listened (``engine.propagation``). The
photo's own L stays at full resolution; only a/b change. A model that takes no
hints ignores them (``takes_hints`` is False; the fronts say so).

Training (``simulate_hint_channels``): hints are sampled from each crop's own
colours, as in Zhang et al. 2017: a share of samples without any, the rest a
geometric number of points at random positions, each the mean colour of a
random 1-5 px patch.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np
import torch

from engine import colour
from engine.atomic import atomic_write_bytes, read_regular_text, resolved_path
from engine.errors import ColouriseError

if TYPE_CHECKING:
    from engine.photo import FoundPhoto

HINT_CHANNELS = 3  # normalised a, normalised b, mask
INFERENCE_PATCH = 3  # working pixels each hint covers at inference (odd: centred on the point)
HINTS_FOR_HALF_WAY = 3  # see photo_wide_share
MAX_STRENGTH = 2.0  # a hint file's strength: 0 grey, 1 as the model predicts, 2 twice as vivid

# Training simulation (Zhang et al. 2017 sample a geometric number with p = 1/8 and patches 1-9 px at 256 px).
SIM_NO_HINTS = 0.4  # share of training samples without hints: the automatic colouring must stay good
SIM_GEOMETRIC_P = 1 / 8  # the number of points of the others: geometric, mean 8
SIM_MAX_POINTS = 200
SIM_MAX_PATCH = 5

_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6})$")


class HintFileError(ColouriseError):
    """A hint file could not be read, or one of its points is wrong."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


@dataclass(frozen=True)
class Hint:
    """One point: ``x``, ``y`` in the photo's pixels (after EXIF orientation), ``rgb`` sRGB 0..255."""

    x: float
    y: float
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


def parse_colour(text: object) -> tuple[int, int, int]:
    """``"#a0c4ff"`` -> ``(160, 196, 255)``; ``ValueError`` otherwise."""
    match = _COLOUR.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"bad colour {text!r} (expected #rrggbb)")
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hints_from_data(data: object, width: int, height: int, where: str = "hints") -> list[Hint]:
    """Hints from parsed JSON; ``ValueError`` naming the point when one is wrong."""
    if isinstance(data, dict):
        points = data.get("points")
    else:
        points = None
    if not isinstance(points, list):
        raise ValueError('expected {"points": [{"x": ..., "y": ..., "colour": "#rrggbb"}, ...]}')
    hints = []
    for i, point in enumerate(points):
        label = f"point {i + 1}"
        if not isinstance(point, dict):
            raise ValueError(f"{label}: not an object with x, y and colour")
        x, y = point.get("x"), point.get("y")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
            raise ValueError(f"{label}: x and y must be numbers")
        if not (0 <= x < width and 0 <= y < height):
            raise ValueError(f"{label} ({x:g}, {y:g}) is outside the {width}x{height} photo")
        try:
            rgb = parse_colour(point.get("colour", point.get("color")))
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None
        hints.append(Hint(float(x), float(y), rgb))
    return hints


def read_hints(path: str | Path, width: int, height: int) -> list[Hint]:
    """The hints in a JSON file, checked against a ``width`` x ``height`` photo; ``HintFileError`` when bad."""
    return read_hint_file(path, width, height)[0]


def read_hint_file(path: str | Path, width: int, height: int) -> tuple[list[Hint], float | None]:
    """The hints in a JSON file and the colour strength it was saved at (None: the file does not say, as
    files written before it was recorded); ``HintFileError`` when bad (a named pipe in its place is not waited on)."""
    path = Path(path)
    try:
        data = json.loads(read_regular_text(path))
    except OSError as exc:
        raise HintFileError(path, f"cannot read the hint file ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HintFileError(path, f"not a JSON hint file ({str(exc).splitlines()[0]})") from None
    try:
        return hints_from_data(data, width, height), strength_from_data(data)
    except ValueError as exc:
        raise HintFileError(path, str(exc)) from None


def strength_from_data(data: object) -> float | None:
    """A hint file's ``"strength"`` (0..2), or None when it has none; ``ValueError`` when it is wrong."""
    strength = data.get("strength") if isinstance(data, dict) else None
    if strength is None:
        return None
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength <= MAX_STRENGTH:
        raise ValueError(f"strength must be a number from 0 to {MAX_STRENGTH:g} (1: as the model predicts), not {json.dumps(strength)}")
    return float(strength)


def hints_to_data(hints: list[Hint], strength: float | None = None, photo: str | None = None) -> dict:
    def number(v: float) -> float | int:
        return int(v) if float(v).is_integer() else round(float(v), 2)

    data: dict = {} if strength is None else {"strength": round(float(strength), 2)}
    if photo is not None:
        data[PHOTO_KEY] = photo
    return {**data, "points": [{"x": number(h.x), "y": number(h.y), "colour": h.hex} for h in hints]}


def write_hints(path: str | Path, hints: list[Hint], strength: float | None = None, photo: Path | None = None) -> Path:
    """Write ``hints`` as a JSON hint file (atomically), with the colour ``strength`` the photo was saved at
    and the ``photo`` they are for (``photo_record``) when given; ``HintFileError`` when it cannot be written."""
    path = Path(path)
    record = photo_record(path, photo) if photo is not None else None
    text = json.dumps(hints_to_data(hints, strength, record), indent=1) + "\n"
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise HintFileError(path, f"cannot write the hint file ({exc.strerror or exc})") from None
    return path


# -- where the window keeps hint files ------------------------------------------------------------
SAVED_TAG = "-colourised"  # the window saves a photo as <stem>-colourised.<ext> ...
HINTS_SUFFIX = ".hints.json"  # ... and its hints beside it, as <that name>.hints.json
PHOTO_KEY = "photo"  # ... naming the photo they are for (files written before it was recorded name none)
_DIGITS = frozenset("0123456789")  # what Keep Both numbers a second version with (-2, -3 ...)


def photo_record(hints_file: Path, photo: Path) -> str:
    """How a hint file names the photo it is for: its path from the hint file's folder, with "/" between
    folders (``../family/1908.jpg``: it holds when both are moved together), or its whole path where there is
    none (another drive)."""
    photo, folder = resolved_path(Path(photo)), resolved_path(Path(hints_file).parent)
    try:
        return Path(os.path.relpath(photo, folder)).as_posix()
    except ValueError:  # (Windows: no path from one drive to another)
        return photo.as_posix()


def recorded_photo(hints_file: Path) -> Path | None:
    """The photo a hint file says it is for, resolved; None when it says none (or cannot be read: reading it
    for its hints says why)."""
    try:
        data = json.loads(read_regular_text(hints_file))
    except (OSError, ValueError):  # (a decoding or JSON error is a ValueError)
        return None
    record = data.get(PHOTO_KEY) if isinstance(data, dict) else None
    if not isinstance(record, str) or not record:
        return None
    return resolved_path(Path(hints_file).parent / record)


def hints_file_for(saved: Path) -> Path:
    """Where the hints of a saved colour photo go: ``<saved name>.hints.json`` beside it."""
    return saved.with_name(saved.name + HINTS_SUFFIX)


def saved_hints_for(photo: Path, folder: Path, tag: str = SAVED_TAG) -> Path | None:
    """The newest ``<stem><tag>.<ext>.hints.json`` in ``folder`` (hints saved with a colour version of ``photo``),
    or ``<stem><tag>-2.<ext>.hints.json`` ... (a version saved beside an older one: Keep Both), that was saved
    for ``photo`` (one that names another photo is not; one that names none is, as nothing else is looked for).

    For many photos, use ``find_saved_hints``."""
    return SavedHints(folder, tag).newest_for(photo)


class SavedHints:
    """The hint files the window saved in one ``folder``, listed once and found by photo.

    Looking for each photo's hints with a glob of its own listed the whole folder per
    photo: opening a folder of 6,334 photos spent 19 s on it, on the window's thread.

    A file found by name is a photo's only if it names that photo (``PHOTO_KEY``), or names none and is
    not among ``contested``: files that several photos looked for could be the hints of (``find_saved_hints``).
    """

    def __init__(self, folder: Path, tag: str = SAVED_TAG):
        self.tag = os.path.normcase(tag)
        self.contested: set[Path] = set()
        self._by_name: dict[str, list[Path]] = {}  # "<stem><tag>", as the file system compares names
        self._recorded: dict[Path, Path | None] = {}  # each file's recorded photo, once read
        try:
            with os.scandir(folder) as entries:
                files = [Path(e.path) for e in entries if e.name.endswith(HINTS_SUFFIX) and e.is_file()]
        except OSError:
            files = []
        for path in files:
            for name in self._version_names(os.path.normcase(path.name[: -len(HINTS_SUFFIX)])):
                self._by_name.setdefault(name, []).append(path)

    def _version_names(self, saved: str) -> list[str]:
        """Each ``<stem><tag>`` that the saved file's name ``saved`` can be a colour version of:
        ``<stem><tag>.<ext>`` or ``<stem><tag>-<n...>.<ext>``."""
        names, at = [], saved.find(self.tag)
        while at >= 0:
            end = at + len(self.tag)
            rest = saved[end:]
            if rest.startswith(".") or (rest[:1] == "-" and rest[1:2] in _DIGITS and "." in rest[2:]):
                names.append(saved[:end])
            at = saved.find(self.tag, at + 1)
        return names

    def named_for(self, photo: Path) -> list[Path]:
        """The hint files here named as saved with a colour version of ``photo`` (of whichever photo of its name)."""
        return self._by_name.get(os.path.normcase(photo.stem) + self.tag, [])

    def newest_for(self, photo: Path) -> Path | None:
        """The newest hint file saved with a colour version of ``photo`` here, for ``photo``, or None."""

        def modified(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:  # gone since the folder was listed
                return float("-inf")

        return max((path for path in self.named_for(photo) if self._is_for(path, photo)), key=modified, default=None)

    def _is_for(self, hints_file: Path, photo: Path) -> bool:
        if hints_file not in self._recorded:
            self._recorded[hints_file] = recorded_photo(hints_file)
        recorded = self._recorded[hints_file]
        if recorded is None:
            return hints_file not in self.contested
        return os.path.normcase(recorded) == os.path.normcase(resolved_path(photo))


def find_saved_hints(photos: Iterable["FoundPhoto"], save_folder: Path | None = None, *, beside: bool = True) -> dict[Path, Path]:
    """The newest hint file saved with a colour version of each photo (``engine.photo.FoundPhoto``) for it,
    by photo path, looked for in ``save_folder`` under the photo's sub-folder (where Save All puts it), then
    in ``save_folder`` itself, then (``beside``) in the photo's own folder; photos without one are left out.
    Each folder is listed once.

    A hint file that names no photo (written before that was recorded) goes to a photo only where no other
    of ``photos`` could claim it by its name: the family/ copy of a photo must not get the other's hints.
    """
    photos = list(photos)
    listed: dict[Path, SavedHints] = {}
    folders = {}
    claims: dict[Path, int] = {}
    for photo in photos:
        under = [save_folder / photo.relative.parent, save_folder] if save_folder is not None else []
        folders[photo.path] = list(dict.fromkeys([*under, *([photo.path.parent] if beside else [])]))
        named = set()
        for folder in folders[photo.path]:
            if folder not in listed:
                listed[folder] = SavedHints(folder)
            named.update(listed[folder].named_for(photo.path))
        for path in named:
            claims[path] = claims.get(path, 0) + 1
    contested = {path for path, count in claims.items() if count > 1}
    for saved in listed.values():
        saved.contested = contested
    found = {}
    for photo in photos:
        for folder in folders[photo.path]:
            hints_file = listed[folder].newest_for(photo.path)
            if hints_file is not None:
                found[photo.path] = hints_file
                break
    return found


# -- network input ------------------------------------------------------------------------------
def hint_ab(hints: list[Hint]) -> np.ndarray:
    """The hints' colours as Lab a/b, ``(n, 2)`` float32 (their own L is ignored: L is the photo's)."""
    if not hints:
        return np.zeros((0, 2), np.float32)
    rgb = torch.tensor([h.rgb for h in hints], dtype=torch.float32).T[:, :, None] / 255  # (3, n, 1)
    return colour.rgb_to_lab(rgb)[1:, :, 0].T.numpy().astype(np.float32)


def to_working(hints: list[Hint], photo_shape: tuple[int, int], working: tuple[int, int]) -> np.ndarray:
    """Hint positions in working pixels, ``(n, 2)`` int (row, column), clamped inside."""
    (height, width), (h, w) = photo_shape, working
    if not hints:
        return np.zeros((0, 2), np.intp)
    xy = np.array([(p.x, p.y) for p in hints], np.float64)
    cols = np.clip(np.floor((xy[:, 0] + 0.5) * w / width), 0, w - 1)
    rows = np.clip(np.floor((xy[:, 1] + 0.5) * h / height), 0, h - 1)
    return np.stack([rows, cols], 1).astype(np.intp)


def paint(channels: np.ndarray, rows: np.ndarray, cols: np.ndarray, ab_norm: np.ndarray, sizes) -> np.ndarray:
    """Paint hints into ``channels`` ``(3, h, w)`` in order (later over earlier): a square of ``sizes`` px each."""
    _, h, w = channels.shape
    sizes = np.broadcast_to(np.asarray(sizes), rows.shape)
    for r, c, ab, s in zip(rows, cols, ab_norm, sizes):
        half = int(s) // 2
        top, left = max(0, r - half), max(0, c - half)
        bottom, right = min(h, r - half + int(s)), min(w, c - half + int(s))
        channels[0, top:bottom, left:right] = ab[0]
        channels[1, top:bottom, left:right] = ab[1]
        channels[2, top:bottom, left:right] = 1.0
    return channels


def photo_wide_share(count):
    """How much ``count`` hints speak for the whole photo rather than the object under each, 0..1.

    ``count^2 / (count^2 + 9)``: a tenth for one hint, half for three, 92 % for ten. One hint
    corrects one thing; many that agree reveal the photo's colour cast. The propagation spreads
    this share of the hints' correction photo-wide (engine.propagation), and colour_unet moves a
    hinted photo's blend this far towards ``hint_class_weight`` (docs/quality.md, "How far one
    hint reaches"). ``count``: a number or a tensor of them.
    """
    return count**2 / (count**2 + HINTS_FOR_HALF_WAY**2)


def hint_channels(hints: list[Hint], photo_shape: tuple[int, int], working: tuple[int, int], patch: int = INFERENCE_PATCH) -> torch.Tensor:
    """The network's hint input at working size: ``(3, h, w)`` float32 (a/b normalised, mask)."""
    channels = np.zeros((HINT_CHANNELS, *working), np.float32)
    if hints:
        rc = to_working(hints, photo_shape, working)
        paint(channels, rc[:, 0], rc[:, 1], hint_ab(hints) / colour.AB_SCALE, patch)
    return torch.from_numpy(channels)


def simulate_hint_channels(
    ab_norm: torch.Tensor, rng: np.random.Generator, no_hints: float = SIM_NO_HINTS, count: int | None = None
) -> torch.Tensor:
    """Training hints sampled from the targets ``ab_norm`` ``(N, 2, H, W)``: ``(N, 3, H, W)`` on the same device.

    Per sample: none with probability ``no_hints``, else a geometric number of points
    (p = 1/8, at most 200) at uniform positions, each a 1-5 px square holding the
    mean a/b of the target under it. ``count``: exactly that many points per sample instead.
    """
    n, _, h, w = ab_norm.shape
    ab = ab_norm.detach().float().cpu()
    # The mean of each square size around every pixel, once per size (cheap at training sizes).
    means = [ab.numpy()] + [
        torch.nn.functional.avg_pool2d(ab, s, stride=1, padding=s // 2, count_include_pad=False)[..., :h, :w].numpy()
        for s in range(2, SIM_MAX_PATCH + 1)
    ]
    out = np.zeros((n, HINT_CHANNELS, h, w), np.float32)
    for i in range(n):
        if count is None:
            if rng.random() < no_hints:
                continue
            k = min(SIM_MAX_POINTS, int(rng.geometric(SIM_GEOMETRIC_P)))
        else:
            k = count
        rows, cols = rng.integers(0, h, k), rng.integers(0, w, k)
        sizes = rng.integers(1, SIM_MAX_PATCH + 1, k)
        # avg_pool with an even size centres the square half a pixel up-left, as ``paint`` does.
        colours = np.stack([means[s - 1][i, :, r, c] for r, c, s in zip(rows, cols, sizes)])
        paint(out[i], rows, cols, colours, sizes)
    return torch.from_numpy(out).to(ab_norm.device)


def draw_hint_marks(rgb: np.ndarray, mask: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """A copy of ``rgb`` ``(H, W, 3)`` uint8 with hint patches (``mask`` ``(H, W)``) filled from ``colours``
    ``(H, W, 3)`` and outlined in white, so small hints show on any photo (training previews)."""
    out = rgb.copy()
    inside = mask > 0
    grown = inside.copy()
    grown[1:] |= inside[:-1]
    grown[:-1] |= inside[1:]
    grown[:, 1:] |= grown[:, :-1].copy()
    grown[:, :-1] |= grown[:, 1:].copy()
    out[grown & ~inside] = 255
    out[inside] = colours[inside]
    return out


def sample_hints_from_photo(rgb: np.ndarray, count: int, rng: np.random.Generator, patch: int = 5) -> list[Hint]:
    """``count`` hints at random positions of an original colour photo ``(H, W, 3)`` uint8 (benchmarks, tests).

    Each hint's colour is the sRGB mean of a ``patch`` x ``patch`` square around it.
    """
    h, w = rgb.shape[:2]
    hints = []
    half = patch // 2
    for _ in range(count):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        square = rgb[max(0, y - half) : y + half + 1, max(0, x - half) : x + half + 1].reshape(-1, 3).astype(np.float64)
        mean = tuple(int(v) for v in np.clip(np.round(square.mean(0)), 0, 255))
        hints.append(Hint(x, y, mean))
    return hints
