"""The architecture registry and the lineage architectures' shared promise (L in, a/b out)."""

from __future__ import annotations

import sys

import pytest
import torch

from engine.models import ColouriseModel, create_model, get_architecture, list_models, register_model

LINEAGE = ["alpha", "beta", "model3", "conv_ae", "colorization_net"]
# Small widths keep a forward pass quick; the architecture is the same.
SMALL = {"alpha": {"width": 4}, "beta": {"width": 8}, "model3": {"width": 4}, "conv_ae": {"width": 4}, "colorization_net": {"width": 16}}


def test_lineage_architectures_are_registered_and_described():
    assert set(LINEAGE) <= set(list_models())
    assert list_models() == sorted(list_models())
    for name in LINEAGE:
        arch = get_architecture(name)
        assert arch.description and "\n" not in arch.description
        assert sys.modules[arch.builder.__module__].__doc__, f"{name}'s module has no docstring describing it"


def test_duplicate_name_raises():
    with pytest.raises(ValueError, match="already registered"):

        @register_model("alpha", description="a second alpha")
        def impostor():  # pragma: no cover - never registered
            raise AssertionError

    assert get_architecture("alpha").description != "a second alpha"


def test_what_a_fine_tune_may_change_leaves_the_weights_shapes_alone():
    with pytest.raises(ValueError, match="depth adjustable but has no such parameter"):

        @register_model("adjustable_typo", description="names a parameter it lacks", adjustable=("depth",))
        def typo(width: int = 4):  # pragma: no cover - never registered
            raise AssertionError

    assert "adjustable_typo" not in list_models() and get_architecture("alpha").adjustable == frozenset()
    unet = get_architecture("colour_unet")
    assert {"encoder_lr_factor", "decode_temperature", "working_size"} <= unet.adjustable
    changed = dict(
        decode_temperature=0.6, class_weight=0.25, decode_mode="hue_cluster", regression_weight=0.5, regression_beta=0.1,
        rebalance_gamma=0.25, rebalance=1.0, prior_ema=0.5, working_size=256, hue_neutral=6.0, hint_class_weight=0.75,
        encoder_lr_factor=0.5, deep_encoder_lr_factor=0.5,
    )  # fmt: skip
    assert set(changed) == unet.adjustable
    small = {"decoder_widths": [8, 8, 8, 8], "hint_input": True}
    with torch.device("meta"):
        shapes = {k: t.shape for k, t in create_model("colour_unet", **small).state_dict().items()}
        other = {k: t.shape for k, t in create_model("colour_unet", **small, **changed).state_dict().items()}
    assert other == shapes


def test_unknown_architecture_and_config_are_named():
    with pytest.raises(KeyError, match="no_such"):
        create_model("no_such")
    with pytest.raises(TypeError, match="depth"):
        create_model("alpha", depth=3)


def test_create_model_records_name_and_full_config():
    model = create_model("alpha", width=4)
    assert isinstance(model, ColouriseModel)
    assert model.arch_name == "alpha" and model.arch_config == {**get_architecture("alpha").default_config(), "width": 4}


@pytest.mark.parametrize("name", LINEAGE)
def test_lineage_models_map_l_to_ab_of_the_same_size(name):
    torch.manual_seed(0)
    model = create_model(name, **SMALL[name]).eval()
    s = model.stride
    l = torch.rand(2, 1, 2 * s, 3 * s) * 2 - 1
    with torch.no_grad():
        ab = model(l)
    assert ab.shape == (2, 2, 2 * s, 3 * s)
    assert torch.isfinite(ab).all() and ab.abs().max() <= 1.5


def test_architectures_declare_their_optional_hooks():
    """The registry records what each model class defines, so nobody probes or builds a model to ask."""
    from engine.models import capabilities_of

    assert get_architecture("colour_unet").capabilities == {"training_loss", "param_groups", "load_pretrained_encoder"}
    for name in ("alpha", "beta", "model3", "conv_ae", "colorization_net"):
        assert get_architecture(name).capabilities == frozenset()
    assert capabilities_of(create_model("alpha")) == frozenset() and capabilities_of(torch.nn.Linear(1, 1)) == frozenset()
    assert create_model("alpha").training_loss is None  # declared absent in engine.models.base


def test_architectures_know_their_stride_and_crops_are_a_multiple_of_it():
    from engine.training.config import crop_size

    assert get_architecture("colour_unet").stride == 32
    assert all(get_architecture(name).stride == create_model(name, **SMALL[name]).stride for name in LINEAGE)
    assert [crop_size(size, 32) for size in (16, 32, 100, 128)] == [32, 32, 96, 128]


def test_installed_architecture_plugins_load_once_when_a_name_is_not_found(architecture_plugins, caplog):
    lookups = architecture_plugins("broken=no_such_colourise_plugin", "tiny=tiny_colourise_plugin", "tinier=tiny_colourise_plugin:register_tinier")
    assert create_model("tiny").arch_name == "tiny"  # not registered until asked for
    assert get_architecture("tinier").description == "registered by a call"
    assert {"tiny", "tinier"} <= set(list_models())
    with pytest.raises(KeyError, match=r"unknown architecture 'nope' \(known: .*tiny.*; see README, Custom architectures\)"):
        get_architecture("nope")
    assert len(lookups) == 1  # once, however many names are missed
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["colourise: architecture plugin 'broken' (no_such_colourise_plugin) was not loaded: No module named 'no_such_colourise_plugin'"]


def test_a_plugin_that_raises_or_takes_a_name_is_named_and_the_rest_load(architecture_plugins, caplog):
    architecture_plugins("clash=engine.models.alpha", "tiny=tiny_colourise_plugin", "again=tiny_colourise_plugin:register_tinier",
                         "twice=tiny_colourise_plugin:register_tinier")
    assert "tiny" in list_models() and "tinier" in list_models()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "'twice'" in warnings[0] and "'tinier' is already registered" in warnings[0]
