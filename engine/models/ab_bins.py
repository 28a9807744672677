"""Quantised a/b colours for a classification head (Zhang et al., "Colorful Image Colorization", 2016).

The a/b plane is cut into ``grid`` x ``grid`` Lab-unit cells centred on multiples of
``grid`` (10 by default, ``GRID``); only cells that some sRGB colour (of any
lightness) falls into are kept: ``N_BINS`` (262) of them at grid 10, ``n_bins(grid)``
at another grid (77 at grid 20). A network predicts a distribution over these bins
per pixel; training targets are soft-encoded (the ``k`` nearest bins with Gaussian
weights), rare colours are weighted up against an empirical prior (class
rebalancing), and ``decode`` turns logits into a/b by the annealed mean (temperature T: 1 is the
mean of the distribution, T -> 0 its mode; in between gives vivid yet coherent colour).

All a/b values here are in Lab units. Functions that depend on the grid take it as an
argument (``bin_centres(grid)``, ``sigma_for(grid)``) or read it from the centres
they are given (the number of bins is ``centres.shape[0]``).
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F

from engine import colour

GRID = 10.0  # the default grid (Lab units), Zhang et al.'s
SIGMA = 5.0  # Gaussian width (Lab units) for soft-encoding and prior smoothing at GRID, as Zhang et al.
NEAREST = 5  # bins each target pixel is soft-encoded onto
# Samples per RGB-cube face edge behind the cells of a grid other than GRID. Fixed: a network trained
# at such a grid is tied to the cells this finds. 768 agrees with 2048 at grids 5, 6, 7.5, 8, 12,
# 15, 20, 25, 30 and 40 (384 and 512 miss a sliver cell at grids 5 and 8), and costs a few seconds.
GAMUT_SAMPLES = 768

# In-gamut cells as (a / GRID, lowest b / GRID, highest b / GRID): each row of cells
# is contiguous. ``in_gamut_cells()`` recomputes this from the sRGB cube (a test
# checks they agree); it is spelt out here because a trained network's outputs are
# tied to this exact list, whatever a later recomputation might say.
_GAMUT_ROWS = (
    (-9, 8, 8), (-8, 4, 8), (-7, 2, 9), (-6, 0, 9), (-5, -2, 9), (-4, -3, 9), (-3, -4, 9),
    (-2, -4, 9), (-1, -5, 9), (0, -6, 9), (1, -7, 8), (2, -8, 8), (3, -8, 8), (4, -9, 8),
    (5, -9, 7), (6, -10, 7), (7, -11, 7), (8, -11, 7), (9, -9, 0), (10, -7, -5),
)  # fmt: skip
N_BINS = sum(hi - lo + 1 for _, lo, hi in _GAMUT_ROWS)


def in_gamut_cells(samples: int = 1024, grid: float = GRID) -> list[tuple[int, int]]:
    """Grid cells ``(round(a / grid), round(b / grid))`` that some sRGB colour falls into.

    The a/b shadow of the sRGB gamut (over all L) is the shadow of the RGB cube's
    surface, so sampling the six faces on a ``samples`` x ``samples`` grid finds
    every cell once the grid is fine enough. ``_GAMUT_ROWS`` came from 1024 (2048
    agrees); 128 and 384 also reproduce it, while 192 and 256 happen to miss cell
    (20, -80), which the gamut enters by only 0.2 Lab units.
    """
    cells: set[tuple[int, int]] = set()
    with torch.device("cpu"):  # also when called while a model is built on the meta device
        t = torch.linspace(0, 1, samples, dtype=torch.float64)
        u, v = torch.meshgrid(t, t, indexing="ij")
        for fixed in range(3):
            free = [c for c in range(3) if c != fixed]
            for value in (0.0, 1.0):
                rgb = [None] * 3
                rgb[fixed], rgb[free[0]], rgb[free[1]] = torch.full_like(u, value), u, v
                ab = colour.rgb_to_lab(torch.stack(rgb))[1:]
                q = torch.round(ab / grid).long().reshape(2, -1)
                # One sortable key per cell (|a|, |b| / grid stay far below 2048): a 1-D unique is much faster.
                key = torch.unique(q[0] * 4096 + q[1])
                a = torch.div(key + 2048, 4096, rounding_mode="floor")
                cells.update(zip(a.tolist(), (key - a * 4096).tolist()))
    return sorted(cells)


@lru_cache(maxsize=8)
def _centres(grid: float = GRID) -> torch.Tensor:
    if grid == GRID:
        cells = [(a, b) for a, lo, hi in _GAMUT_ROWS for b in range(lo, hi + 1)]
    else:
        cells = in_gamut_cells(GAMUT_SAMPLES, grid)
    return torch.tensor(cells, dtype=torch.float32, device="cpu") * grid  # cached: never on a device in use while first called (meta)


def bin_centres(grid: float = GRID) -> torch.Tensor:
    """The bins' a/b centres at ``grid``, ``(n_bins(grid), 2)`` float32 in Lab units (a fresh copy).

    Grid 10 (``GRID``) is the spelt-out ``_GAMUT_ROWS``, exactly; any other grid's cells
    are computed once per process (``in_gamut_cells(GAMUT_SAMPLES, grid)``: seconds).
    """
    return _centres(float(grid)).clone()


def n_bins(grid: float = GRID) -> int:
    """How many bins the grid has: ``N_BINS`` (262) at 10, 77 at 20."""
    return int(_centres(float(grid)).shape[0])


def sigma_for(grid: float = GRID) -> float:
    """The soft-encoding and prior-smoothing width at ``grid``: half a cell (``SIGMA``, 5, at grid 10)."""
    return SIGMA * float(grid) / GRID


def _squared_distances(ab: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """``(P, 2)`` points x ``(Q, 2)`` centres -> ``(P, Q)`` squared distances."""
    return (ab.square().sum(1, keepdim=True) - 2 * ab @ centres.T + centres.square().sum(1)).clamp_min(0)


def soft_encode(
    ab: torch.Tensor, centres: torch.Tensor, k: int = NEAREST, sigma: float = SIGMA
) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft targets for a/b ``(N, 2, H, W)``: the ``k`` nearest bins and their weights.

    Returns ``(indices, weights)``, both ``(N, k, H, W)``, nearest bin first;
    weights are Gaussian in the distance (``sigma``) and sum to 1 per pixel. This
    sparse form is what the loss needs (a gather), at a fraction of a dense
    ``(N, Q, H, W)`` one's memory; ``densify`` builds the dense one.
    """
    n, _, h, w = ab.shape
    points = ab.permute(0, 2, 3, 1).reshape(-1, 2).float()
    d2, idx = _squared_distances(points, centres.float()).topk(k, dim=1, largest=False)
    weights = torch.softmax(-d2 / (2 * sigma * sigma), dim=1)

    def as_map(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(n, h, w, k).permute(0, 3, 1, 2)

    return as_map(idx), as_map(weights)


def densify(indices: torch.Tensor, weights: torch.Tensor, n_bins: int) -> torch.Tensor:
    """Sparse soft targets (``soft_encode``'s output) -> dense ``(N, n_bins, H, W)`` distributions."""
    n, _, h, w = indices.shape
    dense = torch.zeros(n, n_bins, h, w, dtype=weights.dtype, device=weights.device)
    return dense.scatter_add_(1, indices, weights)


def bin_frequencies(indices: torch.Tensor, weights: torch.Tensor, n_bins: int) -> torch.Tensor:
    """How often each bin occurs in a batch of soft targets: ``(n_bins,)``, summing to 1."""
    counts = torch.zeros(n_bins, dtype=torch.float32, device=weights.device)
    counts.scatter_add_(0, indices.reshape(-1), weights.reshape(-1).float())
    return counts / counts.sum().clamp_min(1e-12)


def smoothing_matrix(centres: torch.Tensor, sigma: float = SIGMA) -> torch.Tensor:
    """``(Q, Q)`` Gaussian smoothing over the a/b plane; columns sum to 1, so mass is kept."""
    kernel = torch.exp(-_squared_distances(centres.float(), centres.float()) / (2 * sigma * sigma))
    return kernel / kernel.sum(0, keepdim=True)


def rebalancing_weights(
    prior: torch.Tensor, smoothing: torch.Tensor, gamma: float = 0.5, strength: float = 1.0
) -> torch.Tensor:
    """Per-bin loss weights that lift rare colours: ``(Q,)``, with mean 1 under the prior.

    As Zhang et al.: the smoothed prior is mixed with the uniform distribution
    (``gamma`` of it) and inverted, so no weight exceeds ``Q / gamma`` times a
    common one. ``strength`` raises the weights to a power: 1 is Zhang's, values
    below soften it (the short trainings in the design notes got wrong, blotchy
    hues from full rebalancing), 0 turns it off.
    """
    q = prior.numel()
    smoothed = smoothing @ (prior.float() / prior.float().sum().clamp_min(1e-12))
    weights = ((1 - gamma) * smoothed + gamma / q).reciprocal().pow(strength)
    return weights / (smoothed * weights).sum()


def decode(logits: torch.Tensor, centres: torch.Tensor, temperature: float = 0.38) -> torch.Tensor:
    """Logits ``(N, Q, H, W)`` -> a/b ``(N, 2, H, W)`` by the annealed mean at ``temperature``.

    ``softmax(logits / T)`` is Zhang's ``exp(log z / T)`` renormalised; its mean over
    the bin centres is 1: the plain mean (safe but brownish), T -> 0: the mode
    (vivid but patchy). ``temperature <= 0`` takes the mode exactly.
    """
    centres = centres.to(logits.device, torch.float32)
    logits = logits.float()
    if temperature <= 0:
        return centres[logits.argmax(1)].permute(0, 3, 1, 2)
    probs = torch.softmax(logits / temperature, dim=1)
    return torch.einsum("nqhw,qc->nchw", probs, centres)


# -- mode-aware decoding ---------------------------------------------------------------------------
HUE_WINDOW = 90.0  # degrees of a/b hue a cluster spans (blue sky and orange sunset lie ~180 apart)
HUE_STEP = 15.0  # candidate cluster directions are this far apart
NEUTRAL_RADIUS = 12.0  # bins this close to grey belong to every cluster (they carry no hue)
HUE_REGION = 25  # side (prediction pixels: 1/4 of the working size) of the square a cluster choice is pooled over


def _cluster_members(
    centres: torch.Tensor, window: float, step: float, neutral: float, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(hued, members)``, both ``(K, Q)`` (float, bool): per candidate direction, its hued bins / those plus grey ones.

    Worked out on the CPU from ``centres`` (any number of bins, ``Q = centres.shape[0]``), so a
    bin on a sector's edge falls the same way on every device; cached per set of centres.
    """
    cells = tuple(map(tuple, centres.detach().to("cpu", torch.float32).tolist()))
    return _cluster_members_of(cells, window, step, neutral, device)


@lru_cache(maxsize=8)
def _cluster_members_of(
    cells: tuple[tuple[float, float], ...], window: float, step: float, neutral: float, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    centres = torch.tensor(cells, dtype=torch.float32, device="cpu")
    chroma = centres.norm(dim=1)
    hue = torch.rad2deg(torch.atan2(centres[:, 1], centres[:, 0]))
    directions = torch.arange(0.0, 360.0, step, device="cpu")
    apart = (hue[None, :] - directions[:, None] + 180) % 360 - 180  # signed angle, (K, Q)
    is_neutral = chroma < neutral
    hued = (apart.abs() <= window / 2) & ~is_neutral
    members = hued | is_neutral
    return hued.float().to(device), members.to(device)


def decode_hue_cluster(
    logits: torch.Tensor,
    centres: torch.Tensor,
    temperature: float = 1.0,
    window: float = HUE_WINDOW,
    region: int = HUE_REGION,
    neutral: float = NEUTRAL_RADIUS,
) -> torch.Tensor:
    """Logits ``(N, Q, H, W)`` -> a/b ``(N, 2, H, W)``: the annealed mean within the most likely hue cluster.

    The plain or annealed mean averages across every hue the network thinks possible: a sky
    that is blue by day and orange at sunset becomes their mean, a pinkish mauve, and a red
    or green object whose hue is uncertain turns brown. Here each pixel first picks the
    hue direction whose ``window``-degree sector holds the most probability (pooled over a
    ``region`` x ``region`` neighbourhood, so a sky picks one mode as a whole rather than
    in patches), then takes the annealed mean over the bins in that sector plus the
    near-grey ones; the other hues get no say. Certain pixels decode as before; only
    genuinely two-minded ones change. Any grid's bins work (``Q = centres.shape[0]``).
    ``neutral``: bins of chroma below it count as grey and join every cluster; the
    smaller it is, the less the grey bins' probability mutes the chosen hue.
    """
    logits = logits.float()
    hued, members = _cluster_members(centres, float(window), HUE_STEP, float(neutral), str(logits.device))
    centres = centres.to(logits.device, torch.float32)
    mass = torch.einsum("nqhw,kq->nkhw", torch.softmax(logits, 1), hued)
    if region > 1:
        mass = F.avg_pool2d(mass, region, 1, region // 2, count_include_pad=False)
    chosen = members[mass.argmax(1)].permute(0, 3, 1, 2)  # (N, Q, H, W) bool
    scaled = logits / temperature if temperature > 0 else logits / 1e-3
    probs = torch.softmax(scaled.masked_fill(~chosen, float("-inf")), dim=1)
    return torch.einsum("nqhw,qc->nchw", probs, centres)


def rebalancing_correction(
    logits: torch.Tensor, prior: torch.Tensor, smoothing: torch.Tensor, gamma: float, strength: float
) -> torch.Tensor:
    """Logits with the class-rebalancing bias taken out: ``log p - log w`` per bin.

    A network trained with rebalanced cross-entropy learns roughly ``p ~ w * true p``; dividing
    by the weights gives back an estimate of the true distribution (more grey, fewer rare hues).
    Any number of bins: ``Q`` is ``prior.numel()``, which must match the logits' channels.
    """
    if prior.numel() != logits.shape[1]:
        raise ValueError(f"the prior has {prior.numel()} bins, the logits {logits.shape[1]}")
    if strength == 0:
        return logits
    w = rebalancing_weights(prior, smoothing, gamma, strength).to(logits.device)
    return logits.float() - w.log()[None, :, None, None]
