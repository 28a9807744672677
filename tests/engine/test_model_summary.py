"""engine.model_summary: the one-line texts the Models page and `colourise models` share."""

from __future__ import annotations

from engine.model_summary import epochs_text, parameters_text, trained_on, validation_text


def test_summaries_cope_with_partial_metadata():
    assert trained_on({}) == "" and trained_on({"data": "/x/val"}) == "val" and trained_on({"train_photos": 1200}) == "1,200 photos"
    assert trained_on({"data_summary": "scans of 1920s postcards", "train_photos": 3}) == "scans of 1920s postcards"
    assert epochs_text(None) == "" and epochs_text(3.0) == "3" and epochs_text(3.571) == "3.571"
    assert validation_text({}) == "" and validation_text({"auc": 0.88, "colourfulness": 30}) == "AuC 0.880"
    assert parameters_text(None) == "" and parameters_text(950) == "950" and parameters_text(3_240_393) == "3.2 M"
