"""RGB <-> CIE Lab (D65, 2 degree observer) on torch tensors, and the network's L/ab scaling.

Tensors are batched ``(N, 3, H, W)`` (or any ``(*, 3, H, W)``), float32 or float64,
on any device. RGB is sRGB in [0, 1]; Lab has L in [0, 100] and a/b roughly in
[-110, 110]. The formulas and constants are scikit-image's ``rgb2lab``/``lab2rgb``,
so results agree with it to float rounding.
"""

from __future__ import annotations

import torch

# skimage.color.colorconv: sRGB (linear) -> XYZ and the D65 white point.
RGB_TO_XYZ = (
    (0.412453, 0.357580, 0.180423),
    (0.212671, 0.715160, 0.072169),
    (0.019334, 0.119193, 0.950227),
)
WHITE_D65 = (0.95047, 1.0, 1.08883)
_EPSILON = 0.008856  # (6/29)**3, rounded as skimage rounds it
KAPPA = 7.787  # (29/6)**2 / 3, idem

# The network sees L scaled to [-1, 1] and predicts a/b scaled by this.
L_SCALE = 50.0
AB_SCALE = 110.0


def _matrix(rows, like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(rows, dtype=like.dtype, device=like.device)


def _apply_matrix(m: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Multiply every pixel's 3-vector in ``x`` (``(*, 3, H, W)``) by ``m``."""
    return torch.einsum("ij,...jhw->...ihw", m, x)


def srgb_to_linear(rgb: torch.Tensor) -> torch.Tensor:
    """Undo the sRGB transfer curve (values in [0, 1])."""
    return torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)


def linear_to_srgb(lin: torch.Tensor) -> torch.Tensor:
    """Apply the sRGB transfer curve; negative values pass through linearly as in skimage."""
    return torch.where(lin > 0.0031308, 1.055 * lin.clamp_min(0.0031308) ** (1 / 2.4) - 0.055, 12.92 * lin)


def _f(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > _EPSILON, t.clamp_min(_EPSILON) ** (1 / 3), KAPPA * t + 16 / 116)


def _f_inv(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > 0.2068966, t**3, (t - 16 / 116) / KAPPA)


def luminance_to_l(y: torch.Tensor) -> torch.Tensor:
    """CIE L* in [0, 100] from relative luminance Y in [0, 1]."""
    return 116 * _f(y) - 16


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB ``(*, 3, H, W)`` in [0, 1] -> Lab ``(*, 3, H, W)``, as ``skimage.color.rgb2lab``."""
    if rgb.dim() < 3 or rgb.shape[-3] != 3:
        raise ValueError(f"rgb_to_lab expects (*, 3, H, W), got {tuple(rgb.shape)}")
    xyz = _apply_matrix(_matrix(RGB_TO_XYZ, rgb), srgb_to_linear(rgb))
    white = torch.tensor(WHITE_D65, dtype=rgb.dtype, device=rgb.device).view(3, 1, 1)
    fx, fy, fz = _f(xyz / white).unbind(-3)
    return torch.stack((116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)), dim=-3)


def lab_to_linear_rgb(lab: torch.Tensor) -> torch.Tensor:
    """Lab ``(*, 3, H, W)`` -> linear RGB, unclipped (out-of-gamut values are kept)."""
    if lab.dim() < 3 or lab.shape[-3] != 3:
        raise ValueError(f"lab_to_rgb expects (*, 3, H, W), got {tuple(lab.shape)}")
    l, a, b = lab.unbind(-3)
    fy = (l + 16) / 116
    f = torch.stack((fy + a / 500, fy, fy - b / 200), dim=-3)
    white = torch.tensor(WHITE_D65, dtype=lab.dtype, device=lab.device).view(3, 1, 1)
    xyz = _f_inv(f) * white
    return _apply_matrix(torch.linalg.inv(_matrix(RGB_TO_XYZ, lab)), xyz)


def lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """Lab -> sRGB in [0, 1], clipped, as ``skimage.color.lab2rgb``."""
    return linear_to_srgb(lab_to_linear_rgb(lab).clamp_min(0)).clamp(0, 1)


def fit_to_gamut_keeping_luminance(lin: torch.Tensor) -> torch.Tensor:
    """Pull out-of-gamut linear RGB ``(*, 3, H, W)`` towards grey of the same luminance.

    Clipping each channel would change a pixel's lightness; instead every pixel is
    blended with the grey of its own luminance Y, just enough to fit in [0, 1]. Y is
    linear in linear RGB and the grey (Y, Y, Y) has luminance Y, so the blend keeps
    Y, and so L*, exactly: colouring never changes the photo's tones.
    """
    weights = _matrix(RGB_TO_XYZ[1], lin).view(3, 1, 1)
    y = (lin * weights).sum(-3, keepdim=True).clamp(0, 1)
    over = lin - y
    # Largest t in [0, 1] with y + t * (c - y) inside [0, 1] for every channel c.
    room = torch.where(over > 0, (1 - y) / over.clamp_min(1e-12), y / (-over).clamp_min(1e-12))
    t = torch.where(over.abs() > 1e-12, room, torch.ones_like(room)).amin(-3, keepdim=True).clamp(0, 1)
    return (y + t * over).clamp(0, 1)


def normalise_l(l: torch.Tensor) -> torch.Tensor:
    """L in [0, 100] -> the network's input scale [-1, 1]."""
    return l / L_SCALE - 1


def normalise_ab(ab: torch.Tensor) -> torch.Tensor:
    """a/b in Lab units -> the network's output scale (about [-1, 1])."""
    return ab / AB_SCALE


def denormalise_ab(ab: torch.Tensor) -> torch.Tensor:
    """The network's a/b output -> Lab units."""
    return ab * AB_SCALE
