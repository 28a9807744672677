"""Spread colour corrections from hint points along regions of similar lightness (an L-affinity solve).

Given the network's a/b and the user's hints, the *residual* (hint colour minus the
network's colour at each hint pixel) is known at a few pixels; ``propagate`` fills it
in everywhere by minimising, as Levin et al. 2004 do for colourisation,

    sum over 8-neighbours of w_ij (x_i - x_j)^2  +  pull * sum x_i^2  +  HINT_WEIGHT * sum over hints (x_i - r_i)^2

with ``w_ij = exp(-(L_i - L_j)^2 / (2 sigma^2))``: a correction flows freely across
pixels of similar lightness and stops at edges. Adding the result to the network's a/b
honours every hint (almost exactly) and changes the colour of the object under it.

How far a correction travels is split in two (docs/quality.md, "How far one hint reaches").
A tiny pull everywhere lets it reach the whole photo: the L-affinity never quite reaches zero,
so half of a single hint's correction leaked onto other objects far away (a navy hint on one
man's suit turned every face and the table grey-blue). Yet when many hints agree, spreading
what they share photo-wide is right: it is the photo's colour cast, and it is what most of
the gain of 10 hints sampled from an original comes from. So with ``k`` hints, ``k^2 / (k^2 +
9)`` of the correction (``engine.hints.photo_wide_share``) is solved with the tiny pull (a cast the hints reveal) and
the rest only between pixels about as light as one of the hints, and coloured alike by the network
(the object under it, as far as it goes): one hint mostly recolours its object, 10 or 50 correct
the cast as before.

Speed: a direct sparse solve at the 384 px working size takes about half a second of CPU (see
``ORDERING``), and the split needs two (from 43 hints on, the local one only for the hints' colours
that a colour strength keeps, ``local_only``), fine for a final render but too
slow for a preview that follows a dragged point. Previews solve on a grid of long side
``PREVIEW_SIDE`` (0.04 s for both solves) and upsample the correction bilinearly:
on a val photo with 10 hints it differed from the full solve by 0.7 a/b units on average
(edges a little softer). Conjugate gradients warm-started from the coarse solution were
tried and dropped: 40 iterations cost more than the direct solve and barely moved it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from scipy.ndimage import distance_transform_edt, label
from scipy.ndimage import mean as ndimage_mean
from scipy.sparse.linalg import splu

from engine import hints as hint_points

# Measured on 6 to 8 val photos, 10 / 50 hints (PSNR; docs/quality.md): sigma 3 and 4 about equal, 1.5,
# 2, 6 and 10 lost 0.1 to 0.4 dB; the pull mattered little between 1e-6 and 1e-5, 1e-4 lost 0.5 to 0.7
# dB; the network's own a/b as a second guide changed nothing.
SIGMA = 3.0  # edge sensitivity on L* (0..100)
PULL = 1e-5  # per pixel at working size, pull of the photo-wide share of the correction towards 0
# The local share flows only between pixels about as light as a hint: each neighbour weight is also
# multiplied by exp(-(L - L of the hint most alike)^2 / 2 LIGHTNESS_SPREAD^2) at both ends (once the
# nearest hint's: see _likeness_gate). It fills
# everything the affinity reaches at the hinted lightness (a whole sky, a whole wall) and does not
# cross into lighter or darker things even where a soft edge leads there. Measured on 10 val photos
# (docs/quality.md): 7 kept the hinted object's fill and cut the leaks most; a pull towards 0 on
# pixels of other lightness instead, or a pull growing with the distance to the hint, drained the
# hinted object itself.
LIGHTNESS_SPREAD = 7.0  # L* units
# ... and, as alike in the network's own colour: lightness alone joins a red coat to green grass of the
# same grey, and one navy hint on the coat of a 1908 family photo turned its grass teal (the far part of
# the photo moved 11 a/b units; 4 with this gate). On bench/hint_reach.py (30 val photos) a lone hint's
# leak fell from 16.0 to 14.2 nearby and 4.3 to 3.3 far, its object filled as before, and the
# sampled-hint bench kept its figures (bench/hints.py: 1 hint +0.07 dB, 2 to 5 within -0.08, 10 to
# 200 the same); 10 and 20 did about as well as 12 on the 1908 photo, 30 leaked twice as much.
COLOUR_SPREAD = 12.0  # a/b units
HINT_WEIGHT = 100.0  # hints are soft constraints, but stiff: honoured within ~1 %
# Each hint holds, besides its own patch, the pixels within SEED_SHARE of the long side (3 px at the 384 px
# working size) about as light as it (within LIGHTNESS_SPREAD). A point that lands on a thin dark crease
# between lit folds was walled in by the edges around it: on the 1908 family photo a navy point on the man's
# sleeve turned a sliver blue and left the coat red (a QA pass); grown onto the coat beside the crease, it
# turns the coat blue. Hints sampled from the originals gained a little (bench/hints.py, 20 val photos: 1 hint
# +0.04 dB, 10 hints +0.07 dB); 4 px gained as much and leaked more (docs/quality.md, "A point on a crease").
SEED_SHARE = 1 / 128
PREVIEW_SIDE = 96  # long side of the grid previews solve on
# The fill-reducing ordering of the factorization. The system is symmetric, and the minimum-degree
# ordering of A^T + A fills it about half as much as SuperLU's default (COLAMD, made for any
# matrix): 45 % less memory for the factors (a 384 x 576 grid), the same colours (to 4e-6 a/b), and
# the final render with hints took 65 % of the time (median 1.52 s against 2.33 s, network included,
# on the 2-core machine). COLAMD's ordering also holds the GIL: the window froze for a median
# 102 ms (worst 167) while such a render ran on a worker, against 35 ms (worst 60) (bench/hint_solve.py).
ORDERING = "MMD_AT_PLUS_A"

_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))  # each 8-neighbour pair once


def affinity_matrix(guide: np.ndarray, pull, hint_weight: np.ndarray, gate: np.ndarray | None = None) -> sp.csr_matrix:
    """The system matrix ``Laplacian(w) + diag(pull) + diag(hint_weight)`` over the pixels of ``guide`` ``(C, h, w)``.

    ``guide`` holds each pixel's features already divided by their sigma (L / sigma, ...):
    ``w_ij = exp(-|guide_i - guide_j|^2 / 2)``, times ``gate_i * gate_j`` when a ``gate`` ``(h, w)`` is given.
    ``pull``: one number, or one per pixel.
    """
    _, h, w = guide.shape
    n = h * w
    index = np.arange(n).reshape(h, w)
    rows, cols, weights = [], [], []
    for dy, dx in _OFFSETS:  # pixel a and its neighbour b = a + (dy, dx)
        a_cols = slice(0, w - dx) if dx >= 0 else slice(-dx, w)
        b_cols = slice(dx, w) if dx >= 0 else slice(0, w + dx)
        a_rows, b_rows = slice(0, h - dy), slice(dy, h)
        rows.append(index[a_rows, a_cols].ravel())
        cols.append(index[b_rows, b_cols].ravel())
        step = ((guide[:, a_rows, a_cols] - guide[:, b_rows, b_cols]) ** 2).sum(0)
        weight = np.exp(-0.5 * step)
        if gate is not None:
            weight = weight * gate[a_rows, a_cols] * gate[b_rows, b_cols]
        weights.append(weight.ravel())
    i, j, wt = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights).astype(np.float64)
    off = sp.coo_matrix((wt, (i, j)), shape=(n, n))
    off = (off + off.T).tocsr()
    degree = np.asarray(off.sum(1)).ravel()
    return (sp.diags(degree + pull + hint_weight.ravel()) - off).tocsr()


def _area(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.adaptive_avg_pool2d(x[None], size)[0] if tuple(x.shape[-2:]) != size else x


def _solve_direct(
    guide: np.ndarray, mask: np.ndarray, target: np.ndarray, pull: float, hints: int, sigma: float, scale: float = 1.0,
    colours: np.ndarray | None = None, local_only: int = 0,
) -> np.ndarray:
    """The correction on this grid: ``photo_wide_share(hints)`` of ``target`` spread photo-wide, the rest locally.

    ``guide`` is L / ``sigma``. ``scale``: this grid's size over the working size's; distances shrink on a
    coarser grid, so the pull grows with 1 / scale^2 to reach as far. ``local_only``: how many of
    ``target``'s last planes are spread by the local solve alone, all of them (see ``propagate``).
    """
    weight = HINT_WEIGHT * mask
    rhs = (weight.ravel()[:, None] * target.reshape(target.shape[0], -1).T).astype(np.float64)
    shares = solve_shares(hints)
    spread_planes = target.shape[0] - local_only
    photo_wide = np.array([shares[0]] * spread_planes + [0.0] * local_only)  # each plane's share of each solve
    local = np.array([shares[1]] * spread_planes + [1.0] * local_only)
    out = np.zeros_like(rhs)
    for plane_shares, is_local in ((photo_wide, False), (local, True)):
        if plane_shares.any():
            gate = _likeness_gate(guide[0] * sigma, mask, colours) if is_local else None
            out += plane_shares * splu(affinity_matrix(guide, pull / scale**2, weight, gate).tocsc(), permc_spec=ORDERING).solve(rhs)
    return out.T.reshape(target.shape)


def solve_shares(hints: int) -> tuple[float, float]:
    """The shares of the correction ``hints`` hints give that are spread photo-wide and locally (they add up to 1)."""
    cast_share = hint_points.photo_wide_share(hints)
    shares = (cast_share, 1 - cast_share)
    if min(shares) < 0.005:  # (from 43 hints on) the smaller part is not worth a solve of its own
        shares = tuple(float(round(share)) for share in shares)
    return shares


def _likeness_gate(lightness: np.ndarray, mask: np.ndarray, colours: np.ndarray | None = None) -> np.ndarray:
    """Per pixel, how alike its lightness (and the network's colour, if given) is to the hint it is most alike:
    1 alike, towards 0 unlike (LIGHTNESS_SPREAD, COLOUR_SPREAD).

    Compared with each hint, not only the nearest: likeness to the nearest hint changed at a stroke halfway
    between two hints, and a point on a rock and one in the sky cut the sky along a straight line (the
    part nearer the rock, unlike it, kept the network's colour)."""
    patches, count = label(mask > 0)
    hints = np.arange(1, count + 1)
    lights = ndimage_mean(lightness, patches, hints)
    with_colour = colours is not None and COLOUR_SPREAD
    if with_colour:
        hues = [ndimage_mean(plane, patches, hints) for plane in colours]
    lightness = lightness.astype(np.float32)  # (half the time of float64: 200 hints took 0.84 s at 384 x 576)
    colours = None if colours is None else colours.astype(np.float32)
    unlike = np.full(lightness.shape, np.inf, np.float32)
    for k in range(count):
        here = ((lightness - lights[k]) / LIGHTNESS_SPREAD) ** 2
        if with_colour:
            here += sum((plane - hue[k]) ** 2 for plane, hue in zip(colours, hues)) / COLOUR_SPREAD**2
        np.minimum(unlike, here, out=unlike)
    return np.exp(-0.5 * unlike)


def _grown_hints(l: np.ndarray, mask: np.ndarray, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``mask`` grown onto the pixels within SEED_SHARE of the long side of a hint pixel and about as light as it
    (LIGHTNESS_SPREAD), and ``planes`` ``(C, h, w)`` there holding that hint pixel's values."""
    radius = max(1.0, SEED_SHARE * max(l.shape))
    distance, (rows, cols) = distance_transform_edt(~mask, return_indices=True)
    grown = (distance <= radius) & (np.abs(l - l[rows, cols]) <= LIGHTNESS_SPREAD)
    planes = np.array(planes, dtype=np.float64)  # (a copy: the caller's planes stay as they were)
    planes[:, grown] = planes[:, rows[grown], cols[grown]]
    return grown, planes


def propagate(
    l: np.ndarray,
    mask: np.ndarray,
    residual: np.ndarray,
    sigma: float = SIGMA,
    pull: float = PULL,
    max_side: int | None = None,
    hints: int | None = None,
    colours: np.ndarray | None = None,
    local_only: np.ndarray | None = None,
) -> np.ndarray:
    """The correction field ``(2, h, w)`` that is ``residual`` where ``mask`` ``(h, w)`` is set, spread along L.

    ``l``: L* ``(h, w)`` in [0, 100]; ``residual``: ``(C, h, w)`` (a/b, or more planes spread alike in one
    solve), read only where ``mask``.
    ``max_side``: solve on a grid of at most this long side and upsample (previews); None: full size.
    ``hints``: how many hints the mask holds (None: its separate patches are counted).
    ``colours``: the network's a/b ``(2, h, w)``; the local share then stays among pixels it coloured
    like one of the hints' (None: lightness alone decides).
    ``local_only``: more planes ``(K, h, w)``, read where ``mask`` is set, spread whole by the local solve
    and not at all photo-wide (the hints' own colours on the objects under them, which a colour strength
    keeps: engine.inference.strengthened); their fields follow the ``C`` planes of the result.
    Each hint first takes in the pixels close around it about as light as it (``_grown_hints``).
    """
    h, w = l.shape
    planes = residual.shape[0] + (0 if local_only is None else local_only.shape[0])
    if not mask.any():
        return np.zeros((planes, h, w), np.float32)
    if hints is None:
        hints = label(mask > 0)[1]
    if local_only is not None:
        residual = np.concatenate([residual, local_only])
    mask, residual = _grown_hints(l, mask > 0, residual)
    mask = mask.astype(np.float64)
    residual = residual.astype(np.float64) * mask
    local_planes = 0 if local_only is None else local_only.shape[0]
    guide = l[None].astype(np.float64) / sigma  # (one channel; the solver takes any number of guides)
    scale = min(1.0, (max_side or max(h, w)) / max(h, w))
    ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
    if (ch, cw) == (h, w):
        return _solve_direct(guide, mask, residual, pull, hints, sigma, colours=colours, local_only=local_planes).astype(np.float32)
    # The coarse problem: each cell's guide, whether hints cover it, and their mean residual there.
    gt, mt, rt = (torch.from_numpy(np.ascontiguousarray(v)) for v in (guide, mask[None], residual))
    cover = _area(mt, (ch, cw))[0].numpy()
    coarse_r = _area(rt, (ch, cw)).numpy() / np.maximum(cover, 1e-12)
    coarse_colours = None if colours is None else _area(torch.from_numpy(np.ascontiguousarray(colours, np.float64)), (ch, cw)).numpy()
    coarse = _solve_direct(
        _area(gt, (ch, cw)).numpy(), (cover > 0).astype(np.float64), coarse_r, pull, hints, sigma, scale, coarse_colours, local_planes
    )
    return F.interpolate(torch.from_numpy(coarse)[None], size=(h, w), mode="bilinear", align_corners=False)[0].numpy().astype(np.float32)
