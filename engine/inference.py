"""Colourise a photo: L at working size -> network -> a/b upsampled -> recombined with full-res L.

The photo's own luminance is kept at full resolution; only the colour comes from
the network, which sees L at a small working size (long side ``working_size``,
aspect ratio kept, padded to the network's stride). Full-resolution work runs in
horizontal bands so memory stays bounded for huge scans.

    from engine import Colouriser, read_photo, write_photo

    colouriser = Colouriser.from_name("default")   # a library name or a .safetensors file
    coloured = colouriser.colourise(read_photo("grandma.tif"), strength=1.2)
    write_photo(coloured, "grandma-coloured.tif")

More in README.md, "Use the engine from Python".
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine import colour
from engine.atomic import resolved_path
from engine.errors import PhotoError
from engine.photo import Photo, made_by_model, photo_software, record_saved, with_software, write_photo, written_untagged

# Full-resolution work is done about this many pixels at a time: small enough that a band's
# temporaries stay in the CPU cache (1 << 20 was ~3x slower), large enough to amortise Python.
BAND_PIXELS = 1 << 15
MAX_STRENGTH = 2.0


def check_strength(strength: float) -> None:
    """``ValueError`` naming the range for a colour strength outside 0..``MAX_STRENGTH`` (as ``colourise images
    --strength`` refuses one): clamped silently, 5 would look like 2 and -1 like grey, and nobody would know why."""
    if not 0 <= strength <= MAX_STRENGTH:  # (NaN too)
        raise ValueError(f"colour strength must be from 0 to {MAX_STRENGTH:g} (1: the model's own colours), not {strength!r}")


@lru_cache(maxsize=4)
def _lut(depth: int, kind: str) -> np.ndarray:
    """Per-code lookup tables: 'linear' (sRGB code -> linear) or 'L' (grey code -> L*)."""
    codes = torch.arange(2**depth, dtype=torch.float64) / (2**depth - 1)
    lin = colour.srgb_to_linear(codes)
    table = lin if kind == "linear" else colour.luminance_to_l(lin)
    return table.to(torch.float32).numpy()


def _bands(height: int, width: int):
    rows = max(1, BAND_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        yield slice(top, min(height, top + rows))


def luminance(photo: Photo) -> torch.Tensor:
    """The photo's CIE L* as a float32 ``(H, W)`` tensor in [0, 100]."""
    pixels = photo.pixels
    if photo.is_grey:
        return torch.from_numpy(np.take(_lut(photo.bit_depth, "L"), pixels))
    lin = _lut(photo.bit_depth, "linear")
    weights = np.asarray(colour.RGB_TO_XYZ[1], dtype=np.float32)
    out = torch.empty(photo.height, photo.width, dtype=torch.float32)
    for band in _bands(photo.height, photo.width):
        y = np.take(lin, pixels[band]) @ weights
        out[band] = colour.luminance_to_l(torch.from_numpy(y))
    return out


def working_shape(height: int, width: int, working_size: int) -> tuple[int, int]:
    """The (h, w) the network sees: long side ``working_size`` (never upscaled), aspect kept."""
    scale = min(1.0, working_size / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _pad_to(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    pad_h, pad_w = height - x.shape[-2], width - x.shape[-1]
    if pad_h == 0 and pad_w == 0:
        return x
    return F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")


def upsample_rows(ab_wide: np.ndarray, rows: slice, full_height: int) -> np.ndarray:
    """Bilinear upsampling along height for output ``rows`` only (``align_corners=False``).

    ``ab_wide`` is ``(2, h, W)``: already at full width. Doing height band by band
    gives ``F.interpolate(..., mode="bilinear")`` without a full-size a/b map.
    """
    h = ab_wide.shape[1]
    y = np.arange(rows.start, rows.stop, dtype=np.float64)
    src = np.clip((y + 0.5) * (h / full_height) - 0.5, 0, h - 1)
    y0 = src.astype(np.intp)
    y1 = np.minimum(y0 + 1, h - 1)
    w = (src - y0).astype(np.float32)[None, :, None]
    top = ab_wide[:, y0]
    return top + (ab_wide[:, y1] - top) * w


# Lab's f^-1 values (fx, fy, fz) -> linear sRGB: the XYZ->RGB matrix with the D65 white folded in.
_F_TO_LINEAR = (np.linalg.inv(np.asarray(colour.RGB_TO_XYZ)) * np.asarray(colour.WHITE_D65)).astype(np.float32)
_KNEE = np.float32(6 / 29)  # f^-1(t) is t**3 above, a line of slope 1/kappa below
_SLOPE = np.float32(1 / colour.KAPPA)
_TINY = np.float32(1e-12)


@lru_cache(maxsize=2)
def _encode_lut(bit_depth: int) -> np.ndarray:
    """Linear [0, 1] at 2**16 (8-bit) or 2**20 (16-bit) steps -> sRGB code; within one code of exact."""
    steps = 1 << (16 if bit_depth == 8 else 20)
    lin = torch.arange(steps, dtype=torch.float64) / (steps - 1)
    codes = (colour.linear_to_srgb(lin) * (2**bit_depth - 1) + 0.5).floor().numpy()
    return codes.astype(np.uint16 if bit_depth == 16 else np.uint8)


def _f_inv(t: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    """CIE Lab f^-1 into ``out`` without branches: max(t, knee)**3 + (min(t, knee) - knee) / kappa."""
    np.maximum(t, _KNEE, out=out)
    np.multiply(out, out, out=scratch)
    out *= scratch
    np.minimum(t, _KNEE, out=scratch)
    scratch -= _KNEE
    scratch *= _SLOPE
    out += scratch


def _lab_to_codes(l: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray, bit_depth: int) -> None:
    """Lab (three flat float32 arrays) -> sRGB codes in ``out`` ``(N, 3)``, as
    ``lab_to_linear_rgb`` -> ``fit_to_gamut_keeping_luminance`` -> ``linear_to_srgb``.

    The same formulas, in place on cache-sized float32 numpy bands, with the sRGB curve
    as a lookup table: over 10x faster than the torch expressions on a 12 MP photo
    (bench/infer.py), and single-threaded, so a busy machine's thread contention
    cannot stall it.
    """
    n = l.size
    f = np.empty((3, n), np.float32)
    fy, t, scratch = np.empty(n, np.float32), np.empty(n, np.float32), np.empty(n, np.float32)
    np.multiply(l, np.float32(1 / 116), out=fy)
    fy += np.float32(16 / 116)
    _f_inv(fy, f[1], scratch)
    np.multiply(a, np.float32(1 / 500), out=t)
    t += fy
    _f_inv(t, f[0], scratch)
    np.multiply(b, np.float32(-1 / 200), out=t)
    t += fy
    _f_inv(t, f[2], scratch)
    lin = _F_TO_LINEAR @ f
    # Pull out-of-gamut pixels towards the grey of their own luminance y (= Y): the
    # largest s in [0, 1] with y + s * (c - y) inside [0, 1] for every channel c.
    hi = np.maximum(np.maximum(lin[0], lin[1]), lin[2])
    lo = np.minimum(np.minimum(lin[0], lin[1], out=t), lin[2], out=t)
    if hi.max() > 1 or lo.min() < 0:  # most bands of most photos are in gamut: skip the work
        y = np.clip(f[1], 0, 1, out=f[1])
        room_up = np.subtract(1, y, out=fy)
        hi -= y
        np.maximum(hi, room_up, out=hi)
        np.maximum(hi, _TINY, out=hi)
        np.divide(room_up, hi, out=hi)
        np.subtract(y, lo, out=lo)
        np.maximum(lo, y, out=lo)
        np.maximum(lo, _TINY, out=lo)
        np.divide(y, lo, out=lo)
        s = np.minimum(hi, lo, out=hi)
        lin -= y
        lin *= s
        lin += y
    lut = _encode_lut(bit_depth)
    lin *= np.float32(len(lut) - 1)
    lin += np.float32(0.5)
    codes = lin.astype(np.int32)
    for c in range(3):  # one contiguous index row per channel: ~3x faster than a transposed take
        # mode="clip" also clamps the few values float rounding puts just outside [0, 1].
        np.take(lut, codes[c], out=out[:, c], mode="clip")


def recombine(l_full: torch.Tensor, ab_small: torch.Tensor, strength: float, bit_depth: int) -> np.ndarray:
    """Full-res L ``(H, W)`` + small a/b ``(2, h, w)`` (Lab units) -> RGB ``(H, W, 3)`` uint8/uint16.

    Out-of-gamut colours are pulled towards grey of the same luminance, so the
    output's L equals the input's up to rounding.
    """
    height, width = l_full.shape
    strength = float(min(max(strength, 0.0), MAX_STRENGTH))
    ab_wide = F.interpolate(ab_small[None].float(), size=(ab_small.shape[1], width), mode="bilinear", align_corners=False)[0]
    ab_wide = (ab_wide * strength).numpy()
    l_np = l_full.numpy()
    out = np.empty((height, width, 3), dtype=np.uint16 if bit_depth == 16 else np.uint8)
    for band in _bands(height, width):
        a, b = upsample_rows(ab_wide, band, height)
        _lab_to_codes(l_np[band].ravel(), a.ravel(), b.ravel(), out[band].reshape(-1, 3), bit_depth)
    return out


@dataclass
class Prediction:
    """The network's colour for one photo: a/b in Lab units at working size, ``(2, h, w)`` on the CPU.

    ``hints``: how many hints shaped it (0: the model's own guess). ``pinned``: see ``strengthened``.
    """

    ab: torch.Tensor
    hints: int = 0
    # With hints: the hints' own colours spread over the objects under them (the local share's solve;
    # Lab units, like ``ab``). A colour strength leaves this part as it is: a hint's colour is shown
    # as the user chose it.
    pinned: torch.Tensor | None = None


class Colouriser:
    """A loaded model on a device, ready to colour photos of any size (with colour hints if it takes them)."""

    def __init__(
        self, model: torch.nn.Module, device: str | torch.device = "cpu", working_size: int | None = None, name: str = "", model_file: str = ""
    ):
        self.device = torch.device(device)
        self.model = model.eval().to(self.device)
        self.working_size = int(working_size or getattr(model, "working_size", 256))
        self.stride = int(getattr(model, "stride", 8))
        self.name = name
        # What its predictions depend on: one version of one model file at one working size
        # (predictions are cached under it). A model given as an object is only itself.
        self.key = f"{model_file or f'model@{id(self.model):x}'}@{self.working_size}"
        self._suggest_cache: tuple | None = None  # (photo, hints, working size) -> probabilities, for repeated clicks
        # (photo, working size, small L, the network's a/b given hints): the last hinted pass's, for drag previews
        self._hinted_base: tuple | None = None

    @property
    def takes_hints(self) -> bool:
        """Whether the model takes colour hints; a model that does not ignores any it is given."""
        return bool(getattr(self.model, "takes_hints", False))

    @classmethod
    def from_name(cls, name_or_path: str | Path = "default", device: str = "auto", working_size: int | None = None, user_dir=None) -> "Colouriser":
        """Load a model by library name or path (see ``engine.library``)."""
        from engine.device import resolve_device
        from engine.library import resolve_model
        from engine.modelfile import load_model

        path = resolve_model(name_or_path, user_dir)
        dev = resolve_device(device)
        model, info = load_model(path, dev)
        return cls(model, dev, working_size, name=info.name, model_file=model_key(path))

    def _small_l(self, photo: Photo, l_full: torch.Tensor | None = None, working_size: int | None = None) -> torch.Tensor:
        l_full = luminance(photo) if l_full is None else l_full
        h, w = working_shape(photo.height, photo.width, working_size or self.working_size)
        if (h, w) == tuple(l_full.shape):
            return l_full
        return F.interpolate(l_full[None, None], size=(h, w), mode="bilinear", antialias=True, align_corners=False)[0, 0]

    def _network_input(self, photos, l_fulls, hints, working_size):
        """Small L of each photo, the padded batch, and each photo's hint channels (None without hints)."""
        smalls = [self._small_l(p, l, working_size) for p, l in zip(photos, l_fulls or [None] * len(photos))]
        s = self.stride
        height = max(math.ceil(x.shape[0] / s) * s for x in smalls)
        width = max(math.ceil(x.shape[1] / s) * s for x in smalls)
        batch = torch.stack([_pad_to(x[None], height, width) for x in smalls]).to(self.device)
        channels: list[torch.Tensor | None] = [None] * len(photos)
        hint_batch = None
        if self.takes_hints and hints and any(hints):  # (without any, the model's own plain call)
            from engine.hints import hint_channels

            hint_batch = torch.zeros(len(photos), 3, height, width)
            for i, (photo, small, points) in enumerate(zip(photos, smalls, hints or [None] * len(photos))):
                if points:
                    channels[i] = hint_channels(list(points), (photo.height, photo.width), tuple(small.shape))
                    hint_batch[i, :, : small.shape[0], : small.shape[1]] = channels[i]
            hint_batch = hint_batch.to(self.device)
        return smalls, batch, channels, hint_batch

    def _run(self, l_norm: torch.Tensor, hint_batch: torch.Tensor | None) -> torch.Tensor:
        return self.model(l_norm) if hint_batch is None else self.model(l_norm, hint_batch)

    @torch.inference_mode()
    def predict_many(
        self, photos: list[Photo], l_fulls: list[torch.Tensor] | None = None, hints: list | None = None, preview: bool = False, propagate: bool = True
    ) -> list[Prediction]:
        """Run the network once for a batch of photos (padded to a common, stride-divisible size).

        ``l_fulls``: the photos' ``luminance`` when the caller has it already (it is reused by ``render``).
        ``hints``: per photo, a list of ``engine.hints.Hint`` (or None); ignored unless ``takes_hints``.
        ``preview``: a quick prediction while a hint is dragged: the network's colours from the last pass
        with hints on this photo (one is run when there is none), the hints' residual propagated on a
        coarse grid.
        ``propagate``: False leaves out the propagation of the hints' residual (the network alone; benchmarks).
        """
        if preview and propagate:
            return [self._quick_prediction(p, h) for p, h in zip(photos, hints or [None] * len(photos))]
        smalls, batch, channels, hint_batch = self._network_input(photos, l_fulls, hints, self.working_size)
        ab = colour.denormalise_ab(self._run(colour.normalise_l(batch), hint_batch).float()).cpu()
        out = []
        for i, x in enumerate(smalls):
            ab_i = ab[i, :, : x.shape[0], : x.shape[1]].contiguous()
            if channels[i] is not None:
                self._hinted_base = (photos[i], self.working_size, x.cpu(), ab_i)
            if channels[i] is None or not propagate:
                out.append(Prediction(ab_i, len(hints[i]) if channels[i] is not None else 0))
            else:
                out.append(_follow_hints(x, ab_i, channels[i], len(hints[i]), preview=False))
        return out

    def _quick_prediction(self, photo: Photo, hints: list | None) -> Prediction:
        """A drag's preview: the hints' propagation over the network's colours from the last hinted pass.

        The network's answer to where the hints are is small (it barely uses them, docs/quality.md),
        so a drag need not run it on every move. Running it at a smaller size instead, to save
        time, gave other colours (a face turned yellow while a point was dragged, and back when it
        was let go); these are the final pass's colours, from its own working size and blend.
        """
        if not (self.takes_hints and hints):
            return self.predict_many([photo])[0]
        cached = self._hinted_base
        if cached is None or cached[0] is not photo or cached[1] != self.working_size:
            self.predict_many([photo], hints=[hints], propagate=False)  # (keeps its network pass)
            cached = self._hinted_base
        from engine.hints import hint_channels

        _, _, small, ab = cached
        channels = hint_channels(list(hints), (photo.height, photo.width), tuple(small.shape))
        return _follow_hints(small, ab, channels, len(hints), preview=True)

    def predict(
        self, photo: Photo, l_full: torch.Tensor | None = None, hints: list | None = None, preview: bool = False, propagate: bool = True
    ) -> Prediction:
        """The network's colours for ``photo`` (with ``hints``, a list of ``engine.hints.Hint``, when it takes them)."""
        return self.predict_many([photo], None if l_full is None else [l_full], [hints] if hints else None, preview, propagate)[0]

    def render(self, photo: Photo, prediction: Prediction, strength: float = 1.0, l_full: torch.Tensor | None = None) -> Photo:
        """The colour photo from a prediction: cheap, so strength changes need no new network pass.

        ``strength``: 0 (grey) to ``MAX_STRENGTH``; another raises ``ValueError`` (``check_strength``).
        """
        check_strength(strength)
        l_full = luminance(photo) if l_full is None else l_full
        rgb = recombine(l_full, strengthened(prediction, strength), 1.0, photo.bit_depth)
        return Photo(rgb, photo.alpha, photo.source, photo.format, photo.icc_profile, photo.exif)

    def colourise(self, photo: Photo, strength: float = 1.0, hints: list | None = None) -> Photo:
        """The colour photo at full resolution; ``hints`` (``engine.hints.Hint``) when the model takes them.

        Its EXIF "Software" tag says what coloured it and how (``software``), as the command line's photos do, so
        written by ``write_photo`` or ``save`` it is never taken for an original colour photograph.
        """
        check_strength(strength)  # (before the network's pass)
        l_full = luminance(photo)  # once: a full-resolution pass both steps need
        prediction = self.predict(photo, l_full, hints)
        return with_software(self.render(photo, prediction, strength, l_full), self.software(prediction.hints, strength))

    def software(self, hints: int = 0, strength: float = 1.0) -> str:
        """What the EXIF "Software" of a photo it coloured says (``Colourise 0.1.0, model default, strength 120 %``)."""
        return made_by_model(self.name, hints, strength)

    def save(self, coloured: Photo, path: str | Path, format: str | None = None, quality: int = 95, *, overwrite: bool = False) -> Path:
        """Write a photo it coloured to ``path`` as ``colourise images`` does; returns the path.

        The file says Colourise coloured it, and how (a photo from ``colourise`` says so already; one from
        ``render`` is tagged with the model), or, where its format has no room for the tag (BMP), its folder's
        record does (``engine.photo.SAVED_RECORD``): folders opened, searched or trained on later leave it out.
        An existing file is left alone (``FileExistsError``) unless ``overwrite``; the original, never.
        """
        path = Path(path)
        if coloured.source is not None and resolved_path(path) == resolved_path(Path(coloured.source)):
            raise PhotoError(path, "cannot write: that is the original photo; choose another name")
        software = photo_software(coloured) or self.software()
        written = write_photo(with_software(coloured, software), path, format, quality, overwrite=overwrite)
        if written_untagged(written):
            record_saved([(written, software)])
        return written

    @torch.inference_mode()
    def suggest_colours(self, photo: Photo, x: float, y: float, count: int = 8, hints: list | None = None) -> list[tuple[int, int, int]]:
        """The model's own most likely colours at photo pixel (x, y), most likely first, as sRGB at that pixel's L
        (kept within ``SUGGESTION_LIGHTNESS``: near black or white every hue would look, and read back, the same;
        a hint takes only its colour's a/b, the photo gives the L).

        Read from the classification head's a/b-bin distribution there (neighbouring bins
        pooled, then the top ``count`` at least ``SUGGESTION_SPACING`` apart in a/b). A model
        without a classification head suggests its one predicted colour.
        """
        x = min(max(float(x), 0.0), photo.width - 1)
        y = min(max(float(y), 0.0), photo.height - 1)
        cached = self._suggest_cache
        if cached is None or cached[0] is not photo or cached[1] != tuple(hints or ()) or cached[2] != self.working_size:
            smalls, batch, _, hint_batch = self._network_input([photo], None, [hints] if hints else None, self.working_size)
            l_norm = colour.normalise_l(batch)
            logits = getattr(self.model, "ab_logits", None)
            if callable(logits):
                value = torch.softmax((logits(l_norm) if hint_batch is None else logits(l_norm, hint_batch)).float(), 1)[0].cpu()
            else:
                value = colour.denormalise_ab(self._run(l_norm, hint_batch).float())[0].cpu()
            self._suggest_cache = cached = (photo, tuple(hints or ()), self.working_size, smalls[0], value)
        small, value = cached[3], cached[4]
        h, w = small.shape
        row = min(h - 1, int((y + 0.5) * h / photo.height))
        col = min(w - 1, int((x + 0.5) * w / photo.width))
        l_here = min(max(float(small[row, col]), SUGGESTION_LIGHTNESS[0]), SUGGESTION_LIGHTNESS[1])
        if value.shape[0] == 2:  # a/b itself: no distribution to choose from
            return [_lab_to_srgb8(l_here, float(value[0, row, col]), float(value[1, row, col]))]
        scale_r, scale_c = value.shape[1] / padded(h, self.stride), value.shape[2] / padded(w, self.stride)
        probabilities = value[:, min(value.shape[1] - 1, int(row * scale_r)), min(value.shape[2] - 1, int(col * scale_c))]
        centres = self.model.ab_centres.detach().float().cpu()  # the model's own bins (models/base.py)
        return [_lab_to_srgb8(l_here, a, b) for a, b in _distinct_modes(probabilities, centres, count)]


SUGGESTION_SPACING = 20.0  # a/b units between two suggested colours at the default grid (bins 10 apart): two cells
SUGGESTION_LIGHTNESS = (20.0, 90.0)  # L* range the suggestions are shown at, whatever the pixel's


def padded(n: int, stride: int) -> int:
    """``n`` rounded up to the stride: the padded size the network saw."""
    return math.ceil(n / stride) * stride


def _distinct_modes(probabilities: torch.Tensor, centres: torch.Tensor, count: int) -> list[tuple[float, float]]:
    """The a/b of the ``count`` most likely bins, each at least ``SUGGESTION_SPACING`` from those before it.

    Both distances grow with the bins' spacing (the grid, read off the centres) when it is coarser than 10.
    """
    distance = torch.cdist(centres, centres)
    grid = float(distance.masked_fill(torch.eye(len(centres), dtype=torch.bool), float("inf")).min())
    spacing = max(SUGGESTION_SPACING, 2 * grid)
    # Pool each bin with its neighbours (diagonal ones too), so a colour spread over adjacent bins counts as one.
    pooled = (distance <= 1.5 * grid).float() @ probabilities
    chosen: list[int] = []
    for index in torch.argsort(pooled, descending=True).tolist():
        if pooled[index] < 1e-3 or len(chosen) >= count:
            break
        if all(distance[index, c] >= spacing for c in chosen):
            chosen.append(index)
    return [(float(centres[i, 0]), float(centres[i, 1])) for i in chosen]


def _lab_to_srgb8(l: float, a: float, b: float) -> tuple[int, int, int]:
    """One Lab colour as 8-bit sRGB, pulled into gamut towards the grey of its luminance."""
    lab = torch.tensor([l, a, b], dtype=torch.float32).view(3, 1, 1)
    rgb = colour.linear_to_srgb(colour.fit_to_gamut_keeping_luminance(colour.lab_to_linear_rgb(lab)).clamp(0, 1))
    return tuple(int(v) for v in (rgb.flatten() * 255 + 0.5).clamp(0, 255).to(torch.uint8).tolist())


def lightness_at(photo: Photo, x: float, y: float) -> float:
    """The photo's mean L* (0..100) over the 5 x 5 pixels around photo pixel (x, y): the lightness a hint there is shown at."""
    col = min(max(int(x), 0), photo.width - 1)
    row = min(max(int(y), 0), photo.height - 1)
    window = (slice(max(0, row - 2), row + 3), slice(max(0, col - 2), col + 3))
    return float(luminance(replace(photo, pixels=photo.pixels[window], alpha=None)).mean())


def shown_at_lightness(rgb: tuple[int, int, int], lightness: float) -> tuple[tuple[int, int, int], float]:
    """``rgb`` as a hint shows it where the photo's L* is ``lightness``, and ``rgb``'s own L*.

    A hint gives its pixels a colour's a/b and keeps the photo's L: a navy chosen for a light suit
    shows as a light blue there (the QA pass read it as "lavender, not navy").
    """
    srgb = torch.tensor(rgb, dtype=torch.float32).view(3, 1, 1) / 255
    l_own, a, b = (float(v) for v in colour.rgb_to_lab(srgb).flatten())
    return _lab_to_srgb8(min(max(lightness, 0.0), 100.0), a, b), l_own


def strengthened(prediction: Prediction, strength: float) -> torch.Tensor:
    """The prediction's a/b at a colour strength: the network's colours scaled, the hints' colours kept.

    Without hints, ``strength * ab``. With them, the strength scales what the network put down and
    its correction towards the hints (the cast many hints give the whole photo too), but not the
    hints' own colours on the objects under them (``pinned``): ``pinned +
    strength * (ab - pinned)``. A hinted pixel shows its hint's colour at any strength; before,
    at 160 % a point placed on a pale yellow dress, taking the colour shown there, turned the
    dress half again as yellow, and a colour picked for a point came out 60 % stronger than picked.
    """
    strength = float(min(max(strength, 0.0), MAX_STRENGTH))
    if prediction.pinned is None:
        return prediction.ab * strength
    return torch.lerp(prediction.pinned, prediction.ab, strength)


# How sharply the local share's reach decides that a pixel belongs with a hint (see _follow_hints):
# 1 mixes in the network's colour in proportion; 2 measured on 10 val photos as well as the mixing
# (bench/hints.py, +0.00 to +0.10 dB) and fills a hinted object evenly in the pictures.
REACH_SHARPNESS = 2.0


# A lighter fold or sleeve of a hinted object is shut out of the hint's reach by the lightness gate
# (engine.propagation), and kept the network's own colour: orange streaks on a coat given navy, doubled
# at 200 %, grey at 0 %. Such gaps, up to FOLD_SHARE of the long side across, surrounded by the hinted
# object and coloured by the network in about its hue, take the hint's colour too (docs/quality.md,
# "Folds and sleeves").
FOLD_SHARE = 1 / 16  # 24 px at the 384 px working size; the 1908 family photo's sleeve and folds are 10 to 20
FOLD_HUE_SPREAD = math.radians(20)  # a lit fold keeps its hue and loses chroma; a face beside a red coat turns yellower
FOLD_CHROMA = (4.0, 12.0)  # the network's chroma from which its hue counts (ramping in): a white collar has none


def _fill_folds(
    ab: torch.Tensor, belongs: torch.Tensor, hint_colour: torch.Tensor, reach: torch.Tensor, hint_colours: torch.Tensor,
    network_at_hints: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``belongs`` ``(1, h, w)`` raised in the hinted object's narrow gaps, and the hint colour each pixel takes there.

    A gap is where closing the ``belongs`` map (a grey-level closing over a square FOLD_SHARE of the long side)
    raises it; it is filled as far as the network coloured it in the hue it gave the hinted pixels around it.
    The colours around a gap come from the spread planes averaged over the same square (the reach is about 0
    inside the gap, so ``hint_colour`` there means nothing).
    """
    from scipy.ndimage import grey_closing, uniform_filter

    side = max(3, round(FOLD_SHARE * max(ab.shape[-2:])))
    ab_, belongs_ = ab.numpy().astype(np.float32, copy=False), belongs[0].numpy().astype(np.float32, copy=False)
    spread = np.concatenate([reach.numpy(), network_at_hints.numpy(), hint_colours.numpy()]).astype(np.float32)
    around = uniform_filter(spread, size=(1, side, side), mode="nearest")
    around[1:] /= np.maximum(around[:1], 1e-6)
    network_around, hint_around = around[1:3], around[3:5]
    closed = grey_closing(belongs_, size=(side, side), mode="nearest")
    chroma = np.hypot(ab_[0], ab_[1])
    cosine = (ab_ * network_around).sum(0) / np.maximum(chroma * np.hypot(network_around[0], network_around[1]), 1e-6)
    turn = np.arccos(np.clip(cosine, -1.0, 1.0))
    low, high = FOLD_CHROMA
    same_hue = np.exp(-0.5 * (turn / FOLD_HUE_SPREAD) ** 2) * np.clip((chroma - low) / (high - low), 0.0, 1.0)
    fill = np.maximum(closed * same_hue - belongs_, 0.0)
    if not fill.any():
        return belongs, hint_colour
    fill_t = torch.from_numpy(fill)[None]
    filled = belongs + fill_t
    return filled, (belongs * hint_colour + fill_t * torch.from_numpy(hint_around)) / filled.clamp_min(1e-6)


def _follow_hints(l_small: torch.Tensor, ab: torch.Tensor, channels: torch.Tensor, count: int, preview: bool) -> Prediction:
    """The network's a/b ``(2, h, w)`` corrected so the ``count`` hints' pixels get their colours, spread along L.

    Two parts (engine.propagation). The photo-wide share spreads the correction (hint minus network)
    with a tiny pull: the cast that many hints reveal, scaled by the colour strength like the
    network's own colours. The local share gives each object under a hint the hint's colour: the
    local solve spreads the hint colours, and a plane of ones (``reach``, 0..1: how much each
    pixel belongs with the hints), and where the reach is high the hint's colour replaces the
    network's, whatever the network put there. Spreading the correction locally instead (the hint
    minus the network's colour *at the hint*) left the network's own variation on the object: a navy
    hint on the astronaut's orange suit made it violet with red patches, pink at 200 %
    (docs/quality.md, "One hint, one colour"). ``Prediction.pinned`` is the local part: the photo shows it
    at any strength. Pinning the hint colours spread photo-wide as well left 10 hints' cast on the
    whole photo at 0 % (chroma ~45).
    """
    from engine.propagation import PREVIEW_SIDE, propagate, solve_shares

    mask = channels[2].numpy() > 0
    hinted = channels[:2].numpy() * colour.AB_SCALE
    network = ab.numpy()
    # Spread locally: the hint colours, the network's colours at the hints, and ones.
    local_planes = np.concatenate([hinted, network * mask, mask[None].astype(np.float32)])
    spread = torch.from_numpy(
        propagate(
            l_small.numpy(), mask, hinted - network, max_side=PREVIEW_SIDE if preview else None, hints=count, colours=network,
            local_only=local_planes,
        )
    )
    local_share = solve_shares(count)[1]
    corrected, hint_colours, network_at_hints, reach = spread[:2], spread[2:4], spread[4:6], spread[6:7]
    # ``corrected`` holds the local share of the correction too (hint_colours - network_at_hints): taken out.
    photo_wide = ab + corrected - local_share * (hint_colours - network_at_hints)
    reach = reach.clamp(1e-6, 1.0)
    hint_colour = hint_colours / reach  # the (weighted mean of the) hints' colours each pixel belongs with
    # The reach falls off gradually across a shaded object (0.6 to 0.9 on the astronaut's suit): mixing
    # in that much of the network's colour left a navy hint violet. Sharpened, it fills the object
    # (0.7 -> 0.84) and lets less through where it is low (0.2 -> 0.06).
    belongs = reach**REACH_SHARPNESS / (reach**REACH_SHARPNESS + (1 - reach) ** REACH_SHARPNESS)
    belongs, hint_colour = _fill_folds(ab, belongs, hint_colour, reach, hint_colours, network_at_hints)
    pinned = belongs * hint_colour
    return Prediction(photo_wide + local_share * (pinned - belongs * ab), count, pinned=pinned.contiguous())


def model_key(path: Path) -> str:
    """Names one version of a model file (its path and modification time)."""
    try:
        return f"{path}:{path.stat().st_mtime_ns}"
    except OSError:
        return str(path)


class ColouriserCache:
    """Loaded models by file version and device (the last few), shared by every colour job of a front."""

    def __init__(self, size: int = 3):
        self._size = size
        self._loaded: OrderedDict[tuple[str, str], Colouriser] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str | Path, device: str = "auto") -> Colouriser:
        key = (model_key(Path(path)), device)
        with self._lock:
            if key in self._loaded:
                self._loaded.move_to_end(key)
                return self._loaded[key]
        colouriser = Colouriser.from_name(path, device=device)
        with self._lock:
            self._loaded[key] = colouriser
            while len(self._loaded) > self._size:
                self._loaded.popitem(last=False)
        return colouriser

    def clear(self) -> None:
        with self._lock:
            self._loaded.clear()


def resize_photo(photo: Photo, max_side: int) -> Photo:
    """A smaller copy (long side ``max_side``, area-averaged) for quick previews; same bit depth."""
    h, w = working_shape(photo.height, photo.width, max_side)
    if (h, w) == (photo.height, photo.width):
        return photo

    def shrink(a: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(a.astype(np.float32))
        t = t[None, None] if a.ndim == 2 else t.permute(2, 0, 1)[None]
        t = F.interpolate(t, size=(h, w), mode="area")[0]
        t = t[0] if a.ndim == 2 else t.permute(1, 2, 0)
        return t.round().numpy().astype(a.dtype)

    alpha = shrink(photo.alpha) if photo.alpha is not None else None
    return Photo(shrink(photo.pixels), alpha, photo.source, photo.format, photo.icc_profile, photo.exif)
