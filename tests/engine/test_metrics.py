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
    assert not any("broken.jpg: broken.jpg" in s for s in report["skipped"])  # the name once, then the reason
    assert set(report["model"]) == set(report["grey"]) == set(metrics.METRIC_NAMES)
    means = report["model"]  # (what `colourise evaluate` shows, its JSON, Score Ticked and bench/quality.py)
    assert means["chroma_ratio"] == pytest.approx(means["chroma"] / means["chroma_original"])
    assert means["chroma"] == pytest.approx(np.mean([p["model"]["chroma"] for p in report["photos"]]))
    assert report["grey"]["colourfulness"] == pytest.approx(0.0, abs=0.5)
    assert report["grey"]["colourfulness_original"] == report["model"]["colourfulness_original"]
    # the model only ever changes colour, so SSIM stays high and PSNR finite
    assert 0.5 < report["model"]["ssim"] <= 1 and math.isfinite(report["model"]["psnr"])
    assert metrics.evaluate_model(colouriser, tmp_path, size=48, limit=1)["count"] == 1
    for i in range(4):
        Image.fromarray(np.ascontiguousarray(skdata.coffee()[::16, ::16])).save(tmp_path / f"z{i}.png")
    spread = metrics.evaluate_model(colouriser, tmp_path, size=48, limit=2, spread=True)
    assert [p["name"] for p in spread["photos"]] == ["astronaut.png", "z3.png"]  # the first and the last: spread over it
    asked = iter([False, True])
    assert metrics.evaluate_model(colouriser, tmp_path, size=48, should_stop=lambda: next(asked))["count"] == 1


# -- hue metrics on synthetic photos with known answers ---------------------------------------
def lab_photo(l: float, a: float, b: float, h: int = 16, w: int = 16) -> torch.Tensor:
    """A flat photo of one Lab colour, as float RGB ``(1, 3, h, w)``."""
    from engine import colour

    lab = torch.tensor([l, a, b], dtype=torch.float32)[None, :, None, None].expand(1, 3, h, w).clone()
    return colour.lab_to_rgb(lab).clamp(0, 1)


def scene(top: torch.Tensor, bottom: torch.Tensor) -> torch.Tensor:
    """Top half from one photo, bottom half from another (a sky over a wall, say)."""
    out = bottom.clone()
    out[..., : out.shape[-2] // 2, :] = top[..., : out.shape[-2] // 2, :]
    return out


def test_hue_sectors_name_the_six_hues():
    primaries = torch.tensor(
        [[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1], [1, 0.2, 0.21], [0.9, 0.3, 0.8]], dtype=torch.float32
    )[:, :, None, None]
    assert metrics.hue_sector(primaries).flatten().tolist() == [0, 1, 2, 3, 4, 5, 0, 5]


def test_a_pink_sky_scores_low_hue_accuracy_and_a_blue_one_high():
    blue_sky, pink_sky, grass = lab_photo(70, 0, -40), lab_photo(75, 25, -8), lab_photo(55, -40, 40)
    original = scene(blue_sky, grass)
    right = metrics.lab_metrics(original, original)
    pink = metrics.lab_metrics(scene(pink_sky, grass), original)
    assert float(right["hue_accuracy"][0]) == pytest.approx(1.0)
    assert float(pink["hue_accuracy"][0]) == pytest.approx(0.5)  # the grass is right, the sky is not
    confusion = metrics.hue_confusion(scene(pink_sky, grass), original)[0]
    blue, magenta, green = (metrics.HUE_SECTORS.index(n) for n in ("blue", "magenta", "green"))
    assert confusion[blue, magenta] == 16 * 8 and confusion[green, green] == 16 * 8
    assert int(confusion.sum()) == 16 * 16
    # the grey baseline has no hue at all: every coloured pixel is a miss
    grey = metrics.lab_metrics(metrics.grey_of(original), original)
    assert float(grey["hue_accuracy"][0]) == 0.0
    # muted but right beats vivid but wrong
    muted = metrics.lab_metrics(scene(lab_photo(70, 0, -12), lab_photo(55, -8, 8)), original)
    assert float(muted["hue_accuracy"][0]) == pytest.approx(1.0)


def test_hue_accuracy_ignores_neutral_originals():
    wall = lab_photo(60, 0, 0)
    assert math.isnan(float(metrics.lab_metrics(lab_photo(60, 30, 10), wall)["hue_accuracy"][0]))
    assert math.isnan(metrics.mean_metrics(metrics.lab_metrics(wall, wall))["hue_accuracy"]) is True


def test_a_grey_wall_coloured_pink_scores_high_false_colour():
    wall, pink_wall, sky = lab_photo(60, 0, 0), lab_photo(60, 30, 0), lab_photo(70, 0, -40)
    original = scene(sky, wall)
    kept = metrics.lab_metrics(original, original)
    painted = metrics.lab_metrics(scene(sky, pink_wall), original)
    assert float(kept["false_colour"][0]) < 1.0
    assert float(painted["false_colour"][0]) == pytest.approx(30, abs=1.5)  # chroma of the paint, sky ignored


def test_a_photo_wide_cast_is_measured_in_lab_units():
    rng = np.random.default_rng(1)
    from engine import colour

    lab = torch.stack(
        [torch.full((32, 32), 55.0), torch.tensor(rng.uniform(-20, 20, (32, 32))), torch.tensor(rng.uniform(-20, 20, (32, 32)))]
    ).float()[None]
    shifted = lab.clone()
    shifted[:, 1] += 6.0
    shifted[:, 2] += 8.0
    original, brownish = colour.lab_to_rgb(lab), colour.lab_to_rgb(shifted)
    m = metrics.lab_metrics(brownish, original)
    assert float(m["cast_a"][0]) == pytest.approx(6.0, abs=0.5)
    assert float(m["cast_b"][0]) == pytest.approx(8.0, abs=0.5)
    assert float(m["cast"][0]) == pytest.approx(10.0, abs=0.5)
    assert float(metrics.lab_metrics(original, original)["cast"][0]) < 0.2


def test_evaluate_model_reports_the_hue_confusion(colouriser, tmp_path, astronaut):
    Image.fromarray(astronaut).save(tmp_path / "astronaut.png")
    report = metrics.evaluate_model(colouriser, tmp_path, size=48)
    confusion = report["hue_confusion"]
    assert confusion["sectors"] == list(metrics.HUE_SECTORS)
    assert len(confusion["counts"]) == 6 and all(len(row) == 6 for row in confusion["counts"])
    coloured = sum(map(sum, confusion["counts"])) + sum(confusion["no_hue"])
    assert coloured > 0
    right = sum(confusion["counts"][i][i] for i in range(6))
    assert report["model"]["hue_accuracy"] == pytest.approx(right / coloured, abs=1e-6)  # one photo: pooled = mean
    assert report["grey"]["hue_accuracy"] == 0.0


def test_a_sets_chroma_ratio_is_its_mean_chroma_over_the_originals_not_the_mean_of_photos_ratios():
    """A photo with little colour in its original (chroma 4 given 12: 3.0) must not outweigh one with much (40
    given 20: 0.5): the set's prediction is 16 / 22 = 0.73 as vivid, where the mean of the ratios said 1.75."""
    from engine import colour

    def flat(chroma: float) -> torch.Tensor:
        lab = torch.tensor([60.0, chroma, 0.0]).view(1, 3, 1, 1).expand(1, 3, 8, 8).contiguous()
        return colour.lab_to_rgb(lab)

    per_photo = [metrics.lab_metrics(flat(predicted), flat(original)) for predicted, original in ((20, 40), (12, 4))]
    assert [float(m["chroma_ratio"][0]) for m in per_photo] == pytest.approx([0.5, 3.0], rel=1e-3)  # per photo: unchanged
    assert [float(m["chroma"][0]) for m in per_photo] == pytest.approx([20, 12], rel=1e-3)
    assert [float(m["chroma_original"][0]) for m in per_photo] == pytest.approx([40, 4], rel=1e-3)
    as_rows = [{k: float(v[0]) for k, v in m.items()} for m in per_photo]  # evaluate_model's photos
    as_batch = {k: torch.cat([m[k] for m in per_photo]) for k in per_photo[0]}  # the trainer's validation
    for means in (metrics.mean_metrics(as_rows), metrics.mean_metrics(as_batch)):
        assert means["chroma_ratio"] == pytest.approx(16 / 22, rel=1e-3)
        assert means["chroma"] == pytest.approx(16, rel=1e-3) and means["chroma_original"] == pytest.approx(22, rel=1e-3)
    # Rows written before the means were kept (no chroma): the mean of their ratios, as then
    assert metrics.mean_metrics([{"chroma_ratio": 0.5}, {"chroma_ratio": 3.0}])["chroma_ratio"] == pytest.approx(1.75)
