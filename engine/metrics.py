"""How good a colouring is: PSNR, SSIM, colourfulness and its gap, chroma ratio, a/b AuC, and
the hue metrics that see wrong colours (hue accuracy, false colour, cast).

- PSNR (dB, capped at ``PSNR_CAP`` for identical images) and SSIM
  (``skimage.metrics.structural_similarity``) of the coloured photo against the original RGB.
- Colourfulness: Hasler & Suesstrunk (2003), M = sigma_rgyb + 0.3 mu_rgyb on 0-255
  RGB; reported for the prediction and the original, and their per-photo absolute gap.
- Chroma ratio: mean Lab chroma of the prediction over the original's (1 = as vivid). For a set of
  photos, the ratio of the means (``chroma`` over ``chroma_original``, each the mean of the photos'
  mean chroma), not the mean of the photos' ratios: a photo with little colour in its original
  (chroma 4 given 12: 3.0) would outweigh any number of vivid ones.
- AuC: the fraction of pixels whose a/b error (L2, Lab units) is within a threshold,
  averaged over thresholds 0..150 (Zhang et al. 2016), so 1 means perfect.
- Hue accuracy: among pixels whose original is clearly coloured (Lab chroma above
  ``HUE_MIN_CHROMA``), the share whose prediction lies in the same 60-degree hue sector
  (red, yellow, green, cyan, blue, magenta: HSV hue, sectors centred on those six).
  A prediction with no hue to speak of (chroma below ``HUE_NONE_CHROMA``) is a miss: grey
  scores 0. PSNR and AuC reward safe, muted colour; this one rewards the right hue and
  catches a pink sky or a purple face whatever their strength. ``hue_confusion`` gives the
  6 x 6 sector counts behind it.
- False colour: mean predicted chroma on pixels whose original is neutral (chroma below
  ``NEUTRAL_CHROMA``): colour painted onto grey walls, white shirts, overcast skies.
- Cast: the photo-wide mean a/b offset of the prediction from the original (``cast_a``,
  ``cast_b``, Lab units) and its length (``cast``): a pink or brown veil over the photo.

``evaluate_model`` scores a model on a folder of colour photos through the real
inference path (``engine.inference.Colouriser``) next to the grey baseline: the
photo with its colour removed (L kept, a = b = 0).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from engine import colour

PSNR_CAP = 100.0
AUC_THRESHOLDS = torch.arange(0, 151, dtype=torch.float32)  # Lab units, step 1
HUE_MIN_CHROMA = 10.0  # originals' pixels this vivid (Lab chroma) count for hue accuracy
HUE_NONE_CHROMA = 2.0  # a prediction below this chroma has no hue (a miss)
NEUTRAL_CHROMA = 5.0  # originals' pixels below this chroma are neutral (false colour is measured there)
HUE_SECTORS = ("red", "yellow", "green", "cyan", "blue", "magenta")
METRIC_NAMES = (
    "psnr", "ssim", "auc", "colourfulness", "colourfulness_original", "colourfulness_gap", "chroma_ratio", "chroma", "chroma_original",
    "hue_accuracy", "false_colour", "cast", "cast_a", "cast_b",
)  # fmt: skip


def _as_float_batch(rgb) -> torch.Tensor:
    """uint8/float arrays or tensors, HxWx3 or Nx3xHxW -> float32 ``(N, 3, H, W)`` in [0, 1]."""
    t = torch.as_tensor(np.asarray(rgb)) if not isinstance(rgb, torch.Tensor) else rgb
    if t.dtype == torch.uint8:
        t = t.float() / 255
    elif t.dtype == torch.int32 or t.dtype == torch.int64 or t.dtype == torch.int16:
        t = t.float() / 65535
    t = t.float()
    if t.dim() == 3 and t.shape[-1] == 3:
        t = t.permute(2, 0, 1)
    if t.dim() == 3:
        t = t[None]
    return t


def psnr(pred, target) -> torch.Tensor:
    """Per-image PSNR in dB of RGB in [0, 1] (capped at ``PSNR_CAP``)."""
    p, t = _as_float_batch(pred), _as_float_batch(target)
    mse = (p - t).pow(2).flatten(1).mean(1).double()
    out = 10 * torch.log10(1.0 / mse.clamp_min(1e-30))
    return out.clamp(max=PSNR_CAP).float()


def ssim(pred, target) -> torch.Tensor:
    """Per-image SSIM of RGB (skimage, Gaussian-free 7x7 windows, data range 1)."""
    from skimage.metrics import structural_similarity

    p, t = _as_float_batch(pred), _as_float_batch(target)
    out = []
    for a, b in zip(p.permute(0, 2, 3, 1).numpy(), t.permute(0, 2, 3, 1).numpy()):
        side = min(a.shape[0], a.shape[1])
        win = min(7, side if side % 2 else side - 1)
        if win < 3:
            out.append(1.0 if np.array_equal(a, b) else float("nan"))
            continue
        out.append(structural_similarity(a, b, channel_axis=2, data_range=1.0, win_size=win))
    return torch.tensor(out, dtype=torch.float32)


def colourfulness(rgb) -> torch.Tensor:
    """Per-image Hasler & Suesstrunk colourfulness on 0-255 RGB (0 for a grey image)."""
    x = _as_float_batch(rgb) * 255
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    rg = (r - g).flatten(1)
    yb = (0.5 * (r + g) - b).flatten(1)
    sigma = (rg.var(1, unbiased=False) + yb.var(1, unbiased=False)).sqrt()
    mu = (rg.mean(1).pow(2) + yb.mean(1).pow(2)).sqrt()
    return sigma + 0.3 * mu


def chroma(ab: torch.Tensor) -> torch.Tensor:
    """Per-pixel Lab chroma of a/b ``(N, 2, H, W)`` -> ``(N, H, W)``."""
    return ab.pow(2).sum(1).sqrt()


def ab_auc(pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
    """Per-image AuC of the per-pixel a/b L2 error over thresholds 0..150, in [0, 1]."""
    err = (pred_ab.float() - true_ab.float()).pow(2).sum(1).sqrt().flatten(1)  # (N, P)
    # Fraction of pixels with err <= t for every t, via sorted errors (no N x P x T tensor).
    sorted_err, _ = err.sort(1)
    counts = torch.stack([torch.searchsorted(row.contiguous(), AUC_THRESHOLDS, right=True) for row in sorted_err])
    return (counts.float() / err.shape[1]).mean(1)


def hue_sector(rgb: torch.Tensor) -> torch.Tensor:
    """Per-pixel HSV hue sector of RGB ``(N, 3, H, W)`` in [0, 1]: 0 red, 1 yellow, ... 5 magenta; ``(N, H, W)``.

    Sectors are 60 degrees wide and centred on the six named hues (red spans -30..30 degrees).
    """
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    top, bottom = rgb.max(1).values, rgb.min(1).values
    delta = (top - bottom).clamp_min(1e-8)
    hue = torch.where(
        top == r, ((g - b) / delta) % 6, torch.where(top == g, (b - r) / delta + 2, (r - g) / delta + 4)
    )  # in sixths of the circle, 0 = red
    return torch.floor((hue + 0.5) % 6).long().clamp(0, 5)


def _hue_masks(pred_rgb, true_rgb, pred_ab, true_ab):
    """(coloured originals, predictions that have a hue, predicted sector, true sector), all per pixel."""
    coloured = chroma(true_ab) > HUE_MIN_CHROMA
    hued = chroma(pred_ab) >= HUE_NONE_CHROMA
    return coloured, hued, hue_sector(pred_rgb), hue_sector(true_rgb)


def hue_accuracy(pred_rgb, true_rgb) -> torch.Tensor:
    """Per-image share of clearly coloured pixels whose predicted hue sector is right (NaN: none coloured)."""
    pred_rgb, true_rgb = _as_float_batch(pred_rgb), _as_float_batch(true_rgb)
    pred_ab, true_ab = colour.rgb_to_lab(pred_rgb)[:, 1:], colour.rgb_to_lab(true_rgb)[:, 1:]
    return _hue_accuracy(*_hue_masks(pred_rgb, true_rgb, pred_ab, true_ab))


def _hue_accuracy(coloured, hued, pred_sector, true_sector) -> torch.Tensor:
    right = (coloured & hued & (pred_sector == true_sector)).flatten(1).sum(1).float()
    total = coloured.flatten(1).sum(1).float()
    return torch.where(total > 0, right / total.clamp_min(1), torch.full_like(total, float("nan")))


def hue_confusion(pred_rgb, true_rgb, with_no_hue: bool = False) -> torch.Tensor:
    """Per-image 6 x 6 counts ``(N, 6, 6)``: row = the original's hue sector, column = the prediction's.

    Only clearly coloured original pixels count; predictions without a hue are left out
    of the matrix (they are misses in ``hue_accuracy``); ``with_no_hue`` adds them as a
    seventh column, ``(N, 6, 7)``.
    """
    pred_rgb, true_rgb = _as_float_batch(pred_rgb), _as_float_batch(true_rgb)
    pred_ab, true_ab = colour.rgb_to_lab(pred_rgb)[:, 1:], colour.rgb_to_lab(true_rgb)[:, 1:]
    coloured, hued, pred_sector, true_sector = _hue_masks(pred_rgb, true_rgb, pred_ab, true_ab)
    columns = 7 if with_no_hue else 6
    keep = (coloured & (hued | with_no_hue)).flatten(1)
    pred_column = torch.where(hued, pred_sector, torch.full_like(pred_sector, 6)) if with_no_hue else pred_sector
    cell = (true_sector * columns + pred_column).flatten(1)
    out = torch.zeros(cell.shape[0], 6 * columns, dtype=torch.long)
    out.scatter_add_(1, cell, keep.long())
    return out.reshape(-1, 6, columns)


def false_colour(pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
    """Per-image mean predicted chroma where the original is neutral (NaN: no neutral pixel)."""
    neutral = (chroma(true_ab) < NEUTRAL_CHROMA).flatten(1).float()
    painted = chroma(pred_ab).flatten(1) * neutral
    count = neutral.sum(1)
    return torch.where(count > 0, painted.sum(1) / count.clamp_min(1), torch.full_like(count, float("nan")))


def cast(pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
    """Per-image mean a/b offset of the prediction from the original, ``(N, 2)`` in Lab units."""
    return (pred_ab.float() - true_ab.float()).flatten(2).mean(2)


def lab_metrics(pred_rgb: torch.Tensor, true_rgb: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every metric, per image, for float RGB batches ``(N, 3, H, W)`` in [0, 1]."""
    pred_rgb, true_rgb = _as_float_batch(pred_rgb), _as_float_batch(true_rgb)
    pred_lab, true_lab = colour.rgb_to_lab(pred_rgb), colour.rgb_to_lab(true_rgb)
    pred_ab, true_ab = pred_lab[:, 1:], true_lab[:, 1:]
    cf_pred, cf_true = colourfulness(pred_rgb), colourfulness(true_rgb)
    chroma_true = chroma(true_ab).flatten(1).mean(1)
    chroma_pred = chroma(pred_ab).flatten(1).mean(1)
    offset = cast(pred_ab, true_ab)
    return {
        "psnr": psnr(pred_rgb, true_rgb),
        "ssim": ssim(pred_rgb, true_rgb),
        "auc": ab_auc(pred_ab, true_ab),
        "colourfulness": cf_pred,
        "colourfulness_original": cf_true,
        "colourfulness_gap": (cf_pred - cf_true).abs(),
        "chroma_ratio": chroma_pred / chroma_true.clamp_min(1e-6),
        "chroma": chroma_pred,  # (mean Lab chroma: a set's chroma ratio is the ratio of their means, ``mean_metrics``)
        "chroma_original": chroma_true,
        "hue_accuracy": _hue_accuracy(*_hue_masks(pred_rgb, true_rgb, pred_ab, true_ab)),
        "false_colour": false_colour(pred_ab, true_ab),
        "cast": offset.norm(dim=1),
        "cast_a": offset[:, 0],
        "cast_b": offset[:, 1],
    }


def grey_of(rgb: torch.Tensor) -> torch.Tensor:
    """The grey baseline: the same L with a = b = 0, as RGB ``(N, 3, H, W)``."""
    lab = colour.rgb_to_lab(_as_float_batch(rgb))
    lab[:, 1:] = 0
    return colour.lab_to_rgb(lab)


def mean_metrics(per_image: dict[str, torch.Tensor] | list[dict[str, float]]) -> dict[str, float]:
    """Means over images, ignoring NaNs (a metric undefined for a photo does not poison the mean); but the chroma
    ratio of the set is its mean chroma over the originals' (rows without ``chroma``, written before, keep the mean
    of their ratios)."""
    if isinstance(per_image, list):
        keys = per_image[0].keys() if per_image else METRIC_NAMES
        per_image = {k: torch.tensor([float(d[k]) for d in per_image]) for k in keys}
    out = {}
    for key, values in per_image.items():
        v = values.float()
        v = v[~torch.isnan(v)]
        out[key] = float(v.mean()) if v.numel() else float("nan")
    if "chroma" in out and "chroma_original" in out:
        out["chroma_ratio"] = out["chroma"] / max(out["chroma_original"], 1e-6)  # (as each photo's: lab_metrics)
    return out


# -- whole folders through the real inference path --------------------------------------------
def _read_rgb(path: Path):
    """A photo through the engine's reader (EXIF orientation, 16-bit, CMYK ...), as 8-bit."""
    from engine.photo import Photo, read_photo, to_8bit

    photo = read_photo(path)
    if photo.bit_depth == 16:
        photo = Photo(to_8bit(photo.pixels), None, photo.source, photo.format)
    return photo


def evaluate_model(
    colouriser,
    folder: str | Path,
    size: int | None = None,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    spread: bool = False,
) -> dict:
    """Score ``colouriser`` (an ``engine.inference.Colouriser``) on the colour photos in ``folder``.

    ``size``: shrink each photo to this long side first (quicker; None keeps full size).
    ``limit``: stop after this many scored photos. ``should_stop``: asked before each photo; True ends
    the scoring early, with the photos scored so far. ``spread``: with ``limit``, photos spread evenly
    over the folder come first (the rest fill in for skipped ones), not the first ones by name, which in a
    folder of folders are all from one.
    Returns ``{"model": means, "grey": means, "count": n, "photos": [{"name", "model": {...},
    "grey": {...}}], "hue_confusion": {...}, "skipped": ["name: reason"]}``; ``hue_confusion``
    sums ``hue_confusion`` over the photos (``counts``: rows = original sector, columns =
    predicted sector; ``no_hue``: per row, pixels predicted without a hue). Greyscale and
    unreadable photos are skipped.
    """
    from engine.data import GREY_CHROMA, list_images, mean_chroma, spread_subset
    from engine.errors import ColouriseError, user_message
    from engine.inference import resize_photo

    paths = list_images([folder])
    if spread and limit:
        first = spread_subset(paths, int(limit))
        paths = first + sorted(set(paths) - set(first))
    photos, skipped = [], []
    confusion = torch.zeros(6, 7, dtype=torch.long)
    for i, path in enumerate(paths):
        if (limit and len(photos) >= int(limit)) or (should_stop is not None and should_stop()):
            break
        if on_progress:
            on_progress(i, len(paths))
        try:
            photo = _read_rgb(path)
        except (ColouriseError, OSError, ValueError) as exc:
            skipped.append(user_message(exc, path))
            continue
        if photo.is_grey or mean_chroma(photo.pixels) < GREY_CHROMA:
            skipped.append(f"{path.name}: greyscale, no colour to compare with")
            continue
        if size:
            photo = resize_photo(photo, int(size))
        coloured = colouriser.colourise(photo)
        true = _as_float_batch(photo.pixels)
        model_m = lab_metrics(_as_float_batch(coloured.pixels), true)
        grey_m = lab_metrics(grey_of(true), true)
        confusion += hue_confusion(_as_float_batch(coloured.pixels), true, with_no_hue=True)[0]
        photos.append(
            {
                "name": path.name,
                "model": {k: float(v[0]) for k, v in model_m.items()},
                "grey": {k: float(v[0]) for k, v in grey_m.items()},
            }
        )
    return {
        "folder": str(folder),
        "count": len(photos),
        "model": mean_metrics([p["model"] for p in photos]) if photos else {},
        "grey": mean_metrics([p["grey"] for p in photos]) if photos else {},
        "photos": photos,
        "hue_confusion": {
            "sectors": list(HUE_SECTORS),
            "counts": confusion[:, :6].tolist(),
            "no_hue": confusion[:, 6].tolist(),
        },
        "skipped": skipped,
    }


def format_metric(name: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if name == "psnr":
        return f"{value:.2f} dB"
    if name.startswith("colourfulness"):
        return f"{value:.1f}"
    if name == "hue_accuracy":
        return f"{100 * value:.1f} %"
    if name in ("false_colour", "cast", "cast_a", "cast_b"):
        return f"{value:.1f}"
    return f"{value:.3f}"
