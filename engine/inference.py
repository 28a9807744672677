"""Colourise a photo: L at working size -> network -> a/b upsampled -> recombined with full-res L.

The photo's own luminance is kept at full resolution; only the colour comes from
the network, which sees L at a small working size (long side ``working_size``,
aspect ratio kept, padded to the network's stride). Full-resolution work runs in
horizontal bands so memory stays bounded for huge scans.

    colouriser = Colouriser.from_name("default")
    coloured = colouriser.colourise(read_photo("grandma.tif"), strength=1.2)
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine import colour
from engine.photo import Photo

# Full-resolution work is done about this many pixels at a time: small enough that a band's
# temporaries stay in the CPU cache (1 << 20 was ~3x slower), large enough to amortise Python.
BAND_PIXELS = 1 << 15
MAX_STRENGTH = 2.0


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
    weights = np.asarray(colour._RGB_TO_XYZ[1], dtype=np.float32)
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
_F_TO_LINEAR = (np.linalg.inv(np.asarray(colour._RGB_TO_XYZ)) * np.asarray(colour.WHITE_D65)).astype(np.float32)
_KNEE = np.float32(6 / 29)  # f^-1(t) is t**3 above, a line of slope 1/kappa below
_SLOPE = np.float32(1 / colour._KAPPA)
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
    """The network's colour for one photo: a/b in Lab units at working size, ``(2, h, w)`` on the CPU."""

    ab: torch.Tensor


class Colouriser:
    """A loaded model on a device, ready to colour photos of any size."""

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

    def _small_l(self, photo: Photo, l_full: torch.Tensor | None = None) -> torch.Tensor:
        l_full = luminance(photo) if l_full is None else l_full
        h, w = working_shape(photo.height, photo.width, self.working_size)
        if (h, w) == tuple(l_full.shape):
            return l_full
        return F.interpolate(l_full[None, None], size=(h, w), mode="bilinear", antialias=True, align_corners=False)[0, 0]

    @torch.inference_mode()
    def predict_many(self, photos: list[Photo], l_fulls: list[torch.Tensor] | None = None) -> list[Prediction]:
        """Run the network once for a batch of photos (padded to a common, stride-divisible size).

        ``l_fulls``: the photos' ``luminance`` when the caller has it already (it is reused by ``render``).
        """
        smalls = [self._small_l(p, l) for p, l in zip(photos, l_fulls or [None] * len(photos))]
        s = self.stride
        height = max(math.ceil(x.shape[0] / s) * s for x in smalls)
        width = max(math.ceil(x.shape[1] / s) * s for x in smalls)
        batch = torch.stack([_pad_to(x[None], height, width) for x in smalls]).to(self.device)
        ab = self.model(colour.normalise_l(batch))
        ab = colour.denormalise_ab(ab.float()).cpu()
        return [Prediction(ab[i, :, : x.shape[0], : x.shape[1]].contiguous()) for i, x in enumerate(smalls)]

    def predict(self, photo: Photo, l_full: torch.Tensor | None = None) -> Prediction:
        return self.predict_many([photo], None if l_full is None else [l_full])[0]

    def render(self, photo: Photo, prediction: Prediction, strength: float = 1.0, l_full: torch.Tensor | None = None) -> Photo:
        """The colour photo from a prediction: cheap, so strength changes need no new network pass."""
        l_full = luminance(photo) if l_full is None else l_full
        rgb = recombine(l_full, prediction.ab, strength, photo.bit_depth)
        return Photo(rgb, photo.alpha, photo.source, photo.format, photo.icc_profile, photo.exif)

    def colourise(self, photo: Photo, strength: float = 1.0) -> Photo:
        l_full = luminance(photo)  # once: a full-resolution pass both steps need
        return self.render(photo, self.predict(photo, l_full), strength, l_full)


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
