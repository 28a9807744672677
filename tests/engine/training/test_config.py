"""TrainConfig: TOML/JSON round trips, per-architecture defaults, clear errors for bad values."""

from __future__ import annotations

import tomllib

import pytest

from engine.models import list_models
from engine.training import AugmentConfig, TrainConfig
from engine.training.config import dumps_toml


def unusual_config() -> TrainConfig:
    return TrainConfig(
        arch="beta", arch_params={"width": 12, "nested": {"a": [1, 2]}}, data=["photos/a", "ph\u00f6tos \"b\""], val=["val"],
        image_size=96, cache_images=False, batch_size=3, epochs=0, steps=1234, optimizer="sgd", lr=3.5e-4,
        schedule="onecycle", warmup_steps=7, loss="mse", grad_clip=0.0, seed=42, device="cuda:1", amp=False,
        augment=AugmentConfig(random_resized_crop=False, crop_scale=(0.5, 0.9), lineage_rotate=True, rotate_degrees=10.0),
        init_from="my-model", pretrained=False, name="my run", run_dir="/tmp/runs",
    )


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_config_survives_a_round_trip_through_a_file(tmp_path, suffix):
    config = unusual_config()
    loaded = TrainConfig.load(config.save(tmp_path / f"config{suffix}"))
    assert loaded == config
    assert loaded.augment.crop_scale == (0.5, 0.9)


def test_the_defaults_round_trip_and_the_toml_is_readable(tmp_path):
    text = TrainConfig().to_toml()
    assert TrainConfig.from_toml(text) == TrainConfig()
    parsed = tomllib.loads(text)
    assert parsed["augment"]["hflip"] is True and parsed["cache_images"] == "auto"


@pytest.mark.parametrize("arch", list_models())
def test_every_architecture_has_defaults_that_round_trip(arch):
    config = TrainConfig.defaults_for(arch, data=["photos"])
    assert config.arch == arch and config.data == ["photos"]
    assert TrainConfig.from_toml(config.to_toml()).to_dict() == config.to_dict()


def test_a_builder_can_carry_its_own_training_defaults(monkeypatch):
    from engine.models import registry

    arch = registry.get_architecture("alpha")

    def builder(width: int = 8):
        return arch.builder(width)

    builder.training_defaults = {"lr": 5e-4, "image_size": 160}
    monkeypatch.setitem(registry._REGISTRY, "alpha", registry.Architecture("alpha", arch.description, builder))
    config = TrainConfig.defaults_for("alpha", lr=1e-2)
    assert (config.image_size, config.lr, config.arch_params) == (160, 1e-2, {"width": 8})


def test_unknown_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown training settings: batchsize, lrate"):
        TrainConfig.from_dict({"batchsize": 2, "lrate": 1})
    with pytest.raises(ValueError, match="unknown augment setting: flip"):
        TrainConfig.from_dict({"augment": {"flip": True}})
    path = tmp_path / "bad.toml"
    path.write_text("batch_size = [\n")
    with pytest.raises(ValueError, match=f"^{path}: "):  # the path as given: a user may have several bad.toml
        TrainConfig.load(path)
    with pytest.raises(ValueError, match="no such config file"):
        TrainConfig.load(tmp_path / "missing.toml")


def test_a_folder_given_as_the_config_file_is_named_in_one_line(tmp_path):
    folder = tmp_path / "configs"
    folder.mkdir()
    with pytest.raises(ValueError) as raised:
        TrainConfig.load(folder)
    assert str(raised.value) == f"{folder} is a folder, not a settings file (a .toml or .json training config)"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"optimizer": "lion"}, 'optimizer: expected one of adam, adamw, sgd, rmsprop, got "lion"'),
        ({"schedule": "step"}, "schedule: expected one of"),
        ({"image_size": 4}, "image_size: expected a whole number from 8 to 2048, got 4"),
        ({"epochs": 0, "steps": 0}, "give epochs or steps"),
        ({"lr": 0.0}, "lr: expected a number above 0, at most 1, got 0.0"),
        ({"lr": 64}, "lr: expected a number above 0, at most 1, got 64"),
        ({"data": []}, "no training data folder"),
        ({"cache_images": "sometimes"}, 'cache_images: expected true, false or "auto", got "sometimes"'),
        # values of the wrong kind name their setting (they used to surface as internal errors)
        ({"batch_size": "sixteen"}, 'batch_size: expected a whole number from 1 to 4096, got "sixteen"'),
        ({"batch_size": True}, "batch_size: expected a whole number from 1 to 4096, got true"),
        ({"arch": 5}, "arch: expected one of alpha, beta"),
        ({"arch": "gamma"}, 'got "gamma"'),
        ({"arch_params": {"width": "wide"}}, 'arch_params.width: expected a whole number from 1 to 4096, got "wide"'),
        ({"arch_params": {"width": 0}}, "arch_params.width: expected a whole number from 1 to 4096, got 0"),
        ({"arch_params": {"width": -3}}, "arch_params.width: expected a whole number from 1 to 4096, got -3"),
        ({"arch_params": {"width": 2000}}, "arch_params: alpha with"),
        ({"arch_params": "wide"}, 'arch_params: expected a table of architecture settings, got "wide"'),
        ({"augment": {"crop_scale": [0.5]}}, "augment.crop_scale: expected two numbers 0 < low <= high <= 1, got [0.5]"),
        ({"augment": {"crop_scale": [-1, 0]}}, "augment.crop_scale: expected two numbers 0 < low <= high <= 1, got [-1, 0]"),
        ({"augment": {"crop_scale": ["a", "b"]}}, "augment.crop_scale: expected two numbers"),
        ({"augment": {"hflip": "yes"}}, 'augment.hflip: expected true or false, got "yes"'),
        ({"augment": "none"}, 'augment: expected a table of augment settings, got "none"'),
        ({"data": [1, 2]}, "data: expected a list of folder or file names, got [1, 2]"),
        ({"data": 7}, "data: expected a list of folder or file names, got 7"),
        ({"image_size": 100000}, "image_size: expected a whole number from 8 to 2048, got 100000"),
        ({"image_size": 2048, "batch_size": 64}, "batch_size x image_size^2"),
        ({"lr": "fast"}, 'lr: expected a number above 0, at most 1, got "fast"'),
        ({"steps": 10**12}, "steps: expected a whole number from 0 to 1000000000"),
        ({"val_fraction": 1.5}, "val_fraction: expected a number from 0 up to (not including) 1, got 1.5"),
        ({"name": 3}, "name: expected text, got 3"),
    ],
)
def test_validate_names_the_bad_value(change, message):
    config = TrainConfig.from_dict({"data": ["photos"], **change})
    with pytest.raises(ValueError) as error:
        config.validate()
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_config_file_with_values_of_the_wrong_kind_loads_and_then_says_which(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('data = ["photos"]\nbatch_size = "sixteen"\n[augment]\ncrop_scale = "big"\n')
    config = TrainConfig.load(path)
    with pytest.raises(ValueError, match='batch_size: expected a whole number from 1 to 4096, got "sixteen"'):
        config.validate()


def test_the_shipped_recipes_and_every_default_are_valid():
    from pathlib import Path

    for arch in list_models():
        TrainConfig.defaults_for(arch, data=["photos"]).validate()
    for recipe in sorted((Path(__file__).resolve().parents[3] / "configs").glob("*.toml")):
        TrainConfig.load(recipe).validate()


def test_a_single_folder_string_is_accepted():
    assert TrainConfig.from_dict({"data": "photos", "val": "val"}).data == ["photos"]


def test_the_toml_writer_leaves_out_none_and_quotes_odd_keys():
    text = dumps_toml({"a": None, "b": 1.5, "odd key": "x", "t": {"c": None, "d": [True, "y"]}})
    assert tomllib.loads(text) == {"b": 1.5, "odd key": "x", "t": {"d": [True, "y"]}}


def test_an_unnamed_fine_tune_is_named_after_the_model_it_starts_from():
    from engine.training.config import default_model_name

    assert TrainConfig(arch="alpha").model_name == "alpha" and TrainConfig(arch="alpha", name="mine").model_name == "mine"
    assert TrainConfig(arch="colour_unet", init_from="default").model_name == "default-fine-tuned"
    assert default_model_name("", "colour_unet", "/models/family.safetensors") == "family-fine-tuned"
    assert default_model_name("", "colour_unet", "default-fine-tuned") == "default-fine-tuned"  # the library numbers it
