"""The shipped recipe as the start of a new run: its settings, its length in epochs over the user's folder."""

from __future__ import annotations

from engine.training import TrainConfig
from engine.training.recipe import FINE_TUNE_RECIPE_FILE, default_arch, recipe_for, shipped_recipe, shipped_recipe_path


def test_the_shipped_recipe_is_found_and_names_the_default_architecture():
    assert shipped_recipe_path().name == "default.toml" and shipped_recipe_path().is_file()
    assert default_arch() == shipped_recipe().arch == "colour_unet"


def test_a_new_run_takes_the_recipe_sized_for_its_folder_without_the_dev_machines_settings():
    shipped = shipped_recipe()
    config = recipe_for("colour_unet", photos=1000)
    assert config.epochs == -(-shipped.steps * shipped.batch_size // 1000) and config.steps == 0
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
    config = recipe_for("colour_unet", photos=100, fine_tune=True)
    assert config.epochs == -(-stage.steps * stage.batch_size // 100) and config.steps == 0
    assert (config.lr, config.image_size, config.seed) == (stage.lr, stage.image_size, stage.seed)
    assert config.lr < recipe_for("colour_unet", photos=100).lr
    for name in ("data", "val", "exclude", "init_from", "name", "run_dir", "threads"):  # the dev machine's, not the user's
        assert getattr(config, name) == getattr(TrainConfig(), name), name
    assert recipe_for("alpha", photos=100, fine_tune=True) == TrainConfig.defaults_for("alpha")
