"""engine.model_summary: the one-line texts the Models page and `colourise models` share."""

from __future__ import annotations

from engine.model_summary import epochs_text, parameters_text, trained_on, validated_on, validation_text


def test_summaries_cope_with_partial_metadata():
    assert trained_on({}) == "" and trained_on({"data": "/x/val"}) == "val" and trained_on({"train_photos": 1200}) == "1,200 photos"
    assert trained_on({"data_summary": "scans of 1920s postcards", "train_photos": 3}) == "scans of 1920s postcards"
    assert trained_on({"data": ["/me/one"], "train_photos": 1}) == "1 photo from one" and trained_on({"train_photos": 1}) == "1 photo"
    assert epochs_text(None) == "" and epochs_text(3.0) == "3" and epochs_text(3.571) == "3.571"
    assert validation_text({}) == "" and validation_text({"auc": 0.88, "colourfulness": 30}) == "AuC 0.880"
    assert parameters_text(None) == "" and parameters_text(950) == "950" and parameters_text(3_240_393) == "3.2 M"


def test_a_fine_tune_says_what_it_started_from_and_the_default_does_not():
    tuned = {"data": ["/home/me/family"], "train_photos": 40, "init_from": "/app/resources/models/default.safetensors"}
    assert trained_on(tuned) == "40 photos from family, fine-tuned from default"
    assert trained_on({"init_from": "default"}) == "fine-tuned from default"
    shipped = {"data": ["train", "train-extra"], "train_photos": 6725, "init_from": "runs/x/deep-005.safetensors", "stage_1": {}}
    assert trained_on(shipped) == "6,725 photos from train, train-extra"  # its stages are its own making


def test_scores_measured_on_training_photos_say_so_and_unknown_ones_are_not_marked():
    metrics = {"psnr": 23.456}
    assert validated_on({"validated_on": "training photos"}) == "training photos"
    assert validated_on({"validated_on": "validation photos"}) == "validation photos"
    assert validated_on({}) is None and validated_on({"validated_on": "elsewhere"}) is None  # an older model: not known
    assert validation_text(metrics, measured_on="training photos") == "PSNR 23.46 dB (training photos)"
    assert validation_text(metrics, measured_on="validation photos") == validation_text(metrics) == "PSNR 23.46 dB"
    assert validation_text({}, measured_on="training photos") == ""  # no scores, nothing to mark
