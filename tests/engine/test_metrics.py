"""engine.metrics on inputs with known answers, and evaluate_model through the real inference path."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data as skdata
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from engine import metrics


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return np.ascontiguousarray(skdata.astronaut()[::8, ::8])  # 64 x 64, real colours


def test_identical_images_score_perfectly(astronaut):
    m = {k: float(v[0]) for k, v in metrics.lab_metrics(astronaut, astronaut).items()}
    assert m["psnr"] == metrics.PSNR_CAP
    assert m["ssim"] == pytest.approx(1.0)
    assert m["auc"] == pytest.approx(1.0)
    assert m["colourfulness_gap"] == pytest.approx(0.0, abs=1e-4)
    assert m["chroma_ratio"] == pytest.approx(1.0, abs=1e-5)


def test_psnr_and_ssim_agree_with_skimage(astronaut):
    rng = np.random.default_rng(0)
    noisy = np.clip(astronaut + rng.normal(0, 12, astronaut.shape), 0, 255).astype(np.uint8)
    assert float(metrics.psnr(noisy, astronaut)[0]) == pytest.approx(peak_signal_noise_ratio(astronaut, noisy), abs=1e-3)
    expected = structural_similarity(astronaut / 255, noisy / 255, channel_axis=2, data_range=1.0)
    assert float(metrics.ssim(noisy, astronaut)[0]) == pytest.approx(expected, abs=1e-5)


def test_a_constant_offset_has_the_textbook_psnr():
    a = np.full((8, 8, 3), 100, np.uint8)
    b = a + 10
    assert float(metrics.psnr(b, a)[0]) == pytest.approx(20 * math.log10(255 / 10), abs=1e-3)


def test_grey_has_no_colourfulness_and_the_baseline_removes_all_colour(astronaut):
    grey = np.repeat(astronaut.mean(-1, keepdims=True).astype(np.uint8), 3, -1)
    assert float(metrics.colourfulness(grey)[0]) == 0.0
    baseline = metrics.grey_of(metrics._as_float_batch(astronaut))
    assert float(metrics.colourfulness(baseline)[0]) == pytest.approx(0.0, abs=1e-2)
    m = metrics.lab_metrics(baseline, metrics._as_float_batch(astronaut))
    assert float(m["chroma_ratio"][0]) == pytest.approx(0.0, abs=1e-3)
    assert float(m["colourfulness_gap"][0]) == pytest.approx(float(metrics.colourfulness(astronaut)[0]), rel=1e-3)


def test_colourfulness_follows_hasler_and_suesstrunk():
    # half pure red, half pure green: rg = +-255, yb = 127.5 everywhere
    img = np.zeros((2, 2, 3), np.uint8)
    img[0, :, 0] = 255
    img[1, :, 1] = 255
    expected = math.sqrt(255**2 + 0) + 0.3 * math.sqrt(0 + 127.5**2)
    assert float(metrics.colourfulness(img)[0]) == pytest.approx(expected, rel=1e-5)


def test_auc_counts_pixels_within_each_threshold():
    true = torch.zeros(1, 2, 1, 4)
    pred = true.clone()
    pred[0, 0, 0, :2] = 50.0  # half the pixels off by 50 Lab units
    # thresholds 0..150: the good half always counts; the bad half from t = 50 on (101 of 151 thresholds)
    expected = 0.5 + 0.5 * 101 / 151
    assert float(metrics.ab_auc(pred, true)[0]) == pytest.approx(expected, abs=1e-6)
    assert float(metrics.ab_auc(true + 200, true)[0]) == 0.0


def test_means_ignore_nan():
    assert metrics.mean_metrics({"psnr": torch.tensor([10.0, float("nan"), 20.0])}) == {"psnr": 15.0}
    assert metrics.mean_metrics([{"a": 1.0}, {"a": 3.0}]) == {"a": 2.0}


def test_evaluate_model_scores_the_model_and_the_grey_baseline(colouriser, tmp_path, astronaut):
    Image.fromarray(astronaut).save(tmp_path / "astronaut.png")
    Image.fromarray(np.ascontiguousarray(skdata.coffee()[::8, ::8])).save(tmp_path / "coffee.jpg")
    Image.fromarray(astronaut.mean(-1).astype(np.uint8)).save(tmp_path / "grey.png")
    (tmp_path / "broken.jpg").write_bytes(b"nope")
    report = metrics.evaluate_model(colouriser, tmp_path, size=48)
    assert report["count"] == 2 and [p["name"] for p in report["photos"]] == ["astronaut.png", "coffee.jpg"]
    assert len(report["skipped"]) == 2 and any(s.startswith("broken.jpg: ") for s in report["skipped"])
    assert set(report["model"]) == set(report["grey"]) == set(metrics.METRIC_NAMES)
    assert report["grey"]["colourfulness"] == pytest.approx(0.0, abs=0.5)
    assert report["grey"]["colourfulness_original"] == report["model"]["colourfulness_original"]
    # the model only ever changes colour, so SSIM stays high and PSNR finite
    assert 0.5 < report["model"]["ssim"] <= 1 and math.isfinite(report["model"]["psnr"])
    assert metrics.evaluate_model(colouriser, tmp_path, size=48, limit=1)["count"] == 1
