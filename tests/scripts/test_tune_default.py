"""The default model's decoding choice (scripts/tune_default.py): the issue's bars decide, in order."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "tune_default.py"


def _tuner():
    spec = importlib.util.spec_from_file_location("tune_default", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GREY = {"psnr": 20.0, "auc": 0.85}


def _row(name, psnr, share, gap, hue, auc=0.87):
    return {"name": name, "psnr": psnr, "auc": auc, "colourfulness_share": share, "colourfulness_gap": gap, "hue_accuracy": hue}


def test_the_choice_meets_the_most_colour_bars_then_the_best_hue_accuracy():
    choose = _tuner().choose
    rows = [
        _row("safe and muted", 21.5, 0.55, 20.0, 0.50),
        _row("vivid", 21.1, 0.72, 16.0, 0.45),
        _row("vivid, close in vividness photo by photo", 21.05, 0.74, 13.5, 0.44),
        _row("too vivid to beat grey by 1 dB", 20.5, 0.95, 12.0, 0.49),
    ]
    assert choose(rows, GREY, 1.0, 0.01, 0.70, 14.0)["name"] == "vivid, close in vividness photo by photo"
    assert choose(rows[:2], GREY, 1.0, 0.01, 0.70, 14.0)["name"] == "vivid"
    # no decoding reaches a colour bar: the most colourful of those that beat grey
    assert choose([rows[0], _row("a bit more colour", 21.2, 0.6, 19.0, 0.4)], GREY, 1.0, 0.01, 0.70, 14.0)["name"] == "a bit more colour"
    # none beats grey: the best PSNR
    assert choose([rows[3], _row("worse", 20.2, 0.5, 20.0, 0.5)], GREY, 1.0, 0.01, 0.70, 14.0)["name"] == "too vivid to beat grey by 1 dB"


def test_candidates_cover_sizes_and_grey_radii_of_the_hue_cluster_decoding_only():
    tuner = _tuner()
    cands = list(tuner.candidates(working_sizes=(256, 320), class_weights=(0.0, 1.0), temperatures=(0.6, 1.0), neutrals=(12.0, 5.0)))
    assert {c["working_size"] for c in cands} == {256, 320}
    assert {c["hue_neutral"] for c in cands if c["decode_mode"] == "mean"} == {12.0}
    assert {c["hue_neutral"] for c in cands if c["decode_mode"] == "hue_cluster"} == {12.0, 5.0}
    regression_only = [c for c in cands if c["class_weight"] == 0.0]
    assert len(regression_only) == 2  # once per working size: temperature, mode and radius do not act on it


def test_a_fine_tune_of_a_fine_tune_keeps_every_earlier_stage_oldest_first():
    earlier_stages = _tuner().earlier_stages

    stage_2 = {"steps": 1500, "epochs": 3.571, "image_size": 192, "stage_1": {"steps": 9000, "epochs": 21.429}, "metrics": {"psnr": 22.7}}
    kept = earlier_stages(stage_2, {"steps": 1500, "epochs": 3.571})
    assert kept == {"stage_1": {"steps": 9000, "epochs": 21.429}, "stage_2": {"steps": 1500, "epochs": 3.571, "image_size": 192},
                    "total_steps": 12000}
