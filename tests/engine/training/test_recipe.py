"""The shipped recipe as the start of a new run: its settings, its length in epochs over the user's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data import split_paths, steps_per_epoch
from engine.training import TrainConfig
from engine.training.recipe import FINE_TUNE_RECIPE_FILE, default_arch, recipe_for, shipped_recipe, shipped_recipe_path


def test_the_shipped_recipe_is_found_and_names_the_default_architecture():
    assert shipped_recipe_path().name == "default.toml" and shipped_recipe_path().is_file()
    assert default_arch() == shipped_recipe().arch == "colour_unet"


def test_a_new_run_takes_the_recipe_sized_for_its_folder_without_the_dev_machines_settings():
    shipped = shipped_recipe()
    config = recipe_for("colour_unet", photos=1000)  # 50 held out: 950 photos, 59 steps an epoch
    assert config.epochs == -(-shipped.steps // (950 // shipped.batch_size)) and config.steps == 0
    for name in ("image_size", "batch_size", "lr", "optimizer", "schedule", "warmup_steps", "arch_params", "augment"):
        assert getattr(config, name) == getattr(shipped, name), name
    for name in ("data", "val", "exclude", "threads", "run_dir", "name", "val_every_steps", "max_val_photos"):
        assert getattr(config, name) == getattr(TrainConfig(), name), name
    assert recipe_for("colour_unet", photos=10**9).epochs == 1
    assert recipe_for("colour_unet").epochs == TrainConfig().epochs  # not counted yet


def test_other_architectures_get_their_own_defaults(monkeypatch):
    assert recipe_for("alpha", photos=50) == TrainConfig.defaults_for("alpha")
    import engine.training.recipe as recipe

    monkeypatch.setattr(recipe, "shipped_recipe_path", lambda name="": shipped_recipe_path().with_name("absent.toml"))
    assert recipe.shipped_recipe() is None and recipe.default_arch() == "colour_unet"
    assert recipe_for("colour_unet", photos=50) == TrainConfig.defaults_for("colour_unet")


def test_a_fine_tune_takes_the_shipped_fine_tune_stage_sized_for_its_folder():
    stage = shipped_recipe(FINE_TUNE_RECIPE_FILE)
    assert stage.init_from and stage.steps < shipped_recipe().steps  # the default's own second stage
    config = recipe_for("colour_unet", photos=100, fine_tune=True, val_fraction=0)
    assert config.epochs == -(-stage.steps // (100 // stage.batch_size)) and config.steps == 0
    assert (config.lr, config.image_size, config.seed) == (stage.lr, stage.image_size, stage.seed)
    assert config.lr < recipe_for("colour_unet", photos=100).lr
    for name in ("data", "val", "exclude", "init_from", "name", "run_dir", "threads"):  # the dev machine's, not the user's
        assert getattr(config, name) == getattr(TrainConfig(), name), name
    assert recipe_for("alpha", photos=100, fine_tune=True) == TrainConfig.defaults_for("alpha")


@pytest.mark.parametrize("count", [8, 10, 40, 100, 703])
@pytest.mark.parametrize("val_fraction", [0.05, 0.3, 0])
def test_the_suggested_epochs_give_the_recipes_steps_on_the_photos_the_run_trains_on(count, val_fraction):
    photos = [Path(f"folder/IMG_{i:04d}.jpg") for i in range(count)]
    config = recipe_for("colour_unet", photos, val_fraction=val_fraction)
    trained = split_paths(photos, val_fraction)[0]  # as the run holds out its validation share
    per_epoch = steps_per_epoch(len(trained), config.batch_size)
    assert 0 <= config.epochs * per_epoch - shipped_recipe().steps < per_epoch
