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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine import colour
from engine.photo import Photo

BAND_PIXELS = 1 << 20  # full-resolution work is done about this many pixels at a time
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


def upsample_rows(ab_wide: torch.Tensor, rows: slice, full_height: int) -> torch.Tensor:
    """Bilinear upsampling along height for output ``rows`` only (``align_corners=False``).

    ``ab_wide`` is ``(2, h, W)``: already at full width. Doing height band by band
    gives exactly ``F.interpolate(..., mode="bilinear")`` without a full-size a/b map.
    """
    h = ab_wide.shape[1]
    y = torch.arange(rows.start, rows.stop, dtype=torch.float32)
    src = ((y + 0.5) * (h / full_height) - 0.5).clamp(0, h - 1)
    y0 = src.floor().long()
    y1 = (y0 + 1).clamp(max=h - 1)
    w = (src - y0).view(1, -1, 1)
    return ab_wide[:, y0] * (1 - w) + ab_wide[:, y1] * w


def recombine(l_full: torch.Tensor, ab_small: torch.Tensor, strength: float, bit_depth: int) -> np.ndarray:
    """Full-res L ``(H, W)`` + small a/b ``(2, h, w)`` (Lab units) -> RGB ``(H, W, 3)`` uint8/uint16.

    Out-of-gamut colours are pulled towards grey of the same luminance, so the
    output's L equals the input's up to rounding.
    """
    height, width = l_full.shape
    strength = float(min(max(strength, 0.0), MAX_STRENGTH))
    ab_wide = F.interpolate(ab_small[None].float(), size=(ab_small.shape[1], width), mode="bilinear", align_corners=False)[0]
    ab_wide = ab_wide * strength
    top = 2**bit_depth - 1
    out = np.empty((height, width, 3), dtype=np.uint16 if bit_depth == 16 else np.uint8)
    for band in _bands(height, width):
        lab = torch.cat((l_full[band][None], upsample_rows(ab_wide, band, height)), 0)
        lin = colour.fit_to_gamut_keeping_luminance(colour.lab_to_linear_rgb(lab))
        rgb = colour.linear_to_srgb(lin).clamp_(0, 1).mul_(top).add_(0.5)
        out[band] = rgb.permute(1, 2, 0).numpy().astype(out.dtype)
    return out


@dataclass
class Prediction:
    """The network's colour for one photo: a/b in Lab units at working size, ``(2, h, w)`` on the CPU."""

    ab: torch.Tensor


class Colouriser:
    """A loaded model on a device, ready to colour photos of any size."""

    def __init__(self, model: torch.nn.Module, device: str | torch.device = "cpu", working_size: int | None = None, name: str = ""):
        self.device = torch.device(device)
        self.model = model.eval().to(self.device)
        self.working_size = int(working_size or getattr(model, "working_size", 256))
        self.stride = int(getattr(model, "stride", 8))
        self.name = name

    @classmethod
    def from_name(cls, name_or_path: str | Path = "default", device: str = "auto", working_size: int | None = None, user_dir=None) -> "Colouriser":
        """Load a model by library name or path (see ``engine.library``)."""
        from engine.device import resolve_device
        from engine.library import resolve_model
        from engine.modelfile import load_model

        path = resolve_model(name_or_path, user_dir)
        dev = resolve_device(device)
        model, info = load_model(path, dev)
        return cls(model, dev, working_size, name=info.name)

    def _small_l(self, photo: Photo, l_full: torch.Tensor | None = None) -> torch.Tensor:
        l_full = luminance(photo) if l_full is None else l_full
        h, w = working_shape(photo.height, photo.width, self.working_size)
        if (h, w) == tuple(l_full.shape):
            return l_full
        return F.interpolate(l_full[None, None], size=(h, w), mode="bilinear", antialias=True, align_corners=False)[0, 0]

    @torch.inference_mode()
    def predict_many(self, photos: list[Photo]) -> list[Prediction]:
        """Run the network once for a batch of photos (padded to a common, stride-divisible size)."""
        smalls = [self._small_l(p) for p in photos]
        s = self.stride
        height = max(math.ceil(x.shape[0] / s) * s for x in smalls)
        width = max(math.ceil(x.shape[1] / s) * s for x in smalls)
        batch = torch.stack([_pad_to(x[None], height, width) for x in smalls]).to(self.device)
        ab = self.model(colour.normalise_l(batch))
        ab = colour.denormalise_ab(ab.float()).cpu()
        return [Prediction(ab[i, :, : x.shape[0], : x.shape[1]].contiguous()) for i, x in enumerate(smalls)]

    def predict(self, photo: Photo) -> Prediction:
        return self.predict_many([photo])[0]

    def render(self, photo: Photo, prediction: Prediction, strength: float = 1.0) -> Photo:
        """The colour photo from a prediction: cheap, so strength changes need no new network pass."""
        rgb = recombine(luminance(photo), prediction.ab, strength, photo.bit_depth)
        return Photo(rgb, photo.alpha, photo.source, photo.format, photo.icc_profile, photo.exif)

    def colourise(self, photo: Photo, strength: float = 1.0) -> Photo:
        return self.render(photo, self.predict(photo), strength)


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
