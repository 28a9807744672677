"""The trainer end to end on tiny generated photos: events, run folder, model file, endings."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from engine.events import (
    CheckpointSaved,
    PreviewReady,
    TrainingCancelled,
    TrainingFailed,
    TrainingFinished,
    TrainingStarted,
    TrainingStep,
    ValidationDone,
)
from engine.photo import Photo, with_software, write_photo
from engine.training import TrainConfig, register_loss, resume_config, train, unregister_loss
from engine.training.checkpoint import load_checkpoint


def train_losses(run_dir) -> list[float]:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows if r["type"] == "train"]


def test_a_run_reports_every_event_and_fills_its_folder(tiny_config, recorder, library):
    rec = recorder()
    result = train(tiny_config(steps=4, val_every_steps=2, checkpoint_every_steps=2, name="tiny one"), rec.state)

    assert isinstance(result, TrainingFinished) and rec.events[-1] is result
    started = rec.of(TrainingStarted)[0]
    assert rec.events[0] is started
    assert (started.train_photos, started.val_photos, started.total_steps, started.start_step) == (7, 1, 4, 0)
    assert started.device == "cpu" and started.skipped_grey == [] and started.skipped_broken == []
    steps = rec.of(TrainingStep)
    assert steps[0].step == 1 and steps[-1].step == 4 and all(s.total_steps == 4 for s in steps)
    assert all(math.isfinite(s.loss) and s.lr > 0 for s in steps)
    assert [v.step for v in rec.of(ValidationDone)] == [2, 4]
    assert set(rec.of(ValidationDone)[0].metrics) >= {"psnr", "ssim", "auc", "colourfulness", "colourfulness_gap", "chroma_ratio"}
    previews = rec.of(PreviewReady)
    assert len(previews) == 2 and previews[0].hints == 0  # (alpha takes no hints)
    grey, prediction, original = previews[0].triplets[0]
    assert grey.shape == prediction.shape == original.shape == (32, 32, 3) and grey.dtype == np.uint8
    assert [c.step for c in rec.of(CheckpointSaved)] == [2, 4]

    run = result.run_dir
    assert run.parent.name == "runs" and run.name.startswith("tiny-one-")
    assert TrainConfig.load(run / "config.toml").name == "tiny one"
    assert len(train_losses(run)) == 4
    assert (run / "metrics.csv").read_text().splitlines()[0].startswith("type,step,epoch,loss")
    assert previews[0].image_path == run / "previews" / "epoch-002.png"  # one step an epoch here
    assert Image.open(previews[0].image_path).size == (3 * 32 + 4 * 2, 32 + 2 * 2)  # the one validation photo
    assert load_checkpoint(run / "checkpoint.pt")["step"] == 4
    assert result.model_path == library / "tiny-one.safetensors" and (run / "tiny-one.safetensors").is_file()

    from engine.modelfile import load_model

    model, info = load_model(result.model_path)
    assert info.arch == "alpha"
    assert info.training["train_photos"] == 7 and info.training["steps"] == 4
    assert info.training["data"] == tiny_config().data and info.training["exclude"] == []
    assert info.training["metrics"]["psnr"] == pytest.approx(result.metrics["psnr"])
    assert info.training["recipe"]["image_size"] == 32


def test_a_second_run_of_the_same_name_gets_a_new_library_name(tiny_config, library):
    first = train(tiny_config(steps=1))
    second = train(tiny_config(steps=1))
    assert first.model_path.name == "alpha.safetensors" and second.model_path.name == "alpha-2.safetensors"
    assert first.run_dir != second.run_dir


@pytest.mark.parametrize("arch", ["alpha", "beta", "model3", "conv_ae", "colorization_net"])
def test_every_lineage_architecture_trains_and_its_loss_falls(arch, tiny_config, make_photos, tmp_path):
    one = make_photos(tmp_path / "one", 1, size=32)
    config = tiny_config(arch=arch, data=[str(one)], steps=10, batch_size=2, lr=2e-3, optimizer="adam", val_every_steps=100,
                         schedule="constant", weight_decay=0.0, augment={"random_resized_crop": False, "hflip": False})
    result = train(config)
    assert isinstance(result, TrainingFinished), result
    losses = train_losses(result.run_dir)
    assert len(losses) == 10 and all(math.isfinite(x) for x in losses)
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def test_one_photo_overfits(tiny_config, make_photos, tmp_path, recorder):
    one = make_photos(tmp_path / "one", 1, size=32)
    rec = recorder()
    config = tiny_config(data=[str(one)], arch_params={"width": 16}, steps=80, batch_size=1, lr=1e-2, optimizer="adam",
                         schedule="cosine", warmup_steps=5, weight_decay=0.0, grad_clip=0.0, val_every_steps=10,
                         augment={"random_resized_crop": False, "hflip": False}, loss="mse")
    assert isinstance(train(config, rec.state), TrainingFinished)
    val = [v.loss for v in rec.of(ValidationDone)]
    assert val[-1] * 5 <= val[0], val


def test_the_logged_loss_rows_arrive_as_events_too_up_to_a_stop(tiny_config, recorder, monkeypatch):
    """A live curve can be drawn from the rows metrics.jsonl gets (a resumed run's is), not from the step events."""
    from engine.events import LossLogged
    from engine.training import trainer

    def logged_rows(rec, run_dir):
        sent = [row for event in rec.of(LossLogged) for row in event.rows]
        rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
        return sent, [(r["step"], r["epoch"], r["loss"]) for r in rows if r["type"] == "train"]

    rec = recorder()
    result = train(tiny_config(steps=7, log_every_steps=3), rec.state)
    sent, written = logged_rows(rec, result.run_dir)
    assert sent == written and [step for step, _, _ in sent] == [1, 3, 6, 7]  # (the first step at once: a curve from the start)
    assert len(rec.of(LossLogged)) <= len(rec.of(TrainingStep)) + 1  # (no more often than the step events)
    # An event every step, so the stop comes after step 2 however fast the steps run: throttled, a quick machine
    # sent none between the first step and the last, and the run finished before it was asked to stop.
    monkeypatch.setattr(trainer, "STEP_EVENT_INTERVAL", 0.0)
    rec = recorder(stop_when=lambda e: isinstance(e, TrainingStep) and e.step >= 2)
    result = train(tiny_config(steps=7, log_every_steps=3), rec.state)
    sent, written = logged_rows(rec, result.run_dir)
    assert isinstance(result, TrainingCancelled) and sent == written and sent[-1][0] == result.step  # the row kept at the stop


def test_cancel_mid_epoch_is_prompt_and_keeps_a_checkpoint(tiny_config, recorder):
    rec = recorder(stop_when=lambda e: isinstance(e, TrainingStep))
    config = tiny_config(batch_size=2, epochs=5, steps=0)  # 3 steps an epoch
    result = train(config, rec.state)
    assert isinstance(result, TrainingCancelled) and rec.events[-1] is result
    assert result.step == 1  # stopped before the next step began
    assert load_checkpoint(result.checkpoint)["step"] == 1
    assert not rec.of(TrainingFinished)


def test_stop_before_training_starts_writes_nothing_to_the_library(tiny_config, recorder, library):
    rec = recorder()
    rec.state.request_stop()
    result = train(tiny_config(), rec.state)
    assert isinstance(result, TrainingCancelled) and result.step == 0
    assert not list(library.glob("*.safetensors"))


def test_nan_loss_stops_with_a_message_and_keeps_the_last_good_checkpoint(tiny_config, recorder):
    calls = {"n": 0}

    def goes_nan(model, l_norm, ab_norm):
        calls["n"] += model.training  # count training steps, not validation passes
        loss = torch.nn.functional.l1_loss(model(l_norm), ab_norm)
        return loss * float("nan") if calls["n"] > 3 else loss

    register_loss("test_goes_nan")(goes_nan)
    try:
        rec = recorder()
        result = train(tiny_config(loss="test_goes_nan", steps=10, checkpoint_every_steps=2), rec.state)
    finally:
        unregister_loss("test_goes_nan")
    assert isinstance(result, TrainingFailed)
    assert "NaN" in result.message and "step 4" in result.message and "checkpoint is kept at step 2" in result.message
    assert "\n" not in result.message
    blob = load_checkpoint(result.run_dir / "checkpoint.pt")
    assert blob["step"] == 2 and all(torch.isfinite(t).all() for t in blob["model"].values())
    assert not rec.of(TrainingFinished)


def test_greyscale_and_broken_photos_are_skipped_and_reported(tiny_config, make_photos, tmp_path, recorder):
    folder = make_photos(tmp_path / "mixed", 3)
    grey = np.tile(np.linspace(0, 255, 40, dtype=np.uint8), (40, 1))
    Image.fromarray(grey).save(folder / "grey-mode.png")
    Image.fromarray(np.stack([grey] * 3, -1)).save(folder / "grey-as-rgb.jpg")
    (folder / "not-a-photo.jpg").write_bytes(b"this is not a JPEG")
    first = next(p for p in sorted(folder.glob("*.png")) if "grey" not in p.name)
    (folder / "zz-copies").mkdir()
    (folder / "zz-copies" / "again.png").write_bytes(first.read_bytes())  # the same photo twice counts once
    coloured = write_photo(with_software(Photo(np.asarray(Image.open(first))), "Colourise 0.1.0, model default"), folder / "x-colourised.png")
    rec = recorder()
    result = train(tiny_config(data=[str(folder)], steps=1), rec.state)
    assert isinstance(result, TrainingFinished)
    started = rec.of(TrainingStarted)[0]
    assert sorted(started.skipped_grey) == ["grey-as-rgb.jpg", "grey-mode.png"]
    assert len(started.skipped_broken) == 1 and started.skipped_broken[0].startswith("not-a-photo.jpg: ")
    assert started.skipped_copies == [f"again.png (the same file as {first.name})"]
    assert started.train_photos + started.val_photos == 3
    report = json.loads((result.run_dir / "dataset.json").read_text())
    assert report["skipped_broken"] == started.skipped_broken and report["skipped_copies"] == started.skipped_copies
    assert started.skipped_colourised == report["skipped_colourised"] == [coloured.name]  # its own guesses: not taught


def test_a_validation_photo_that_copies_a_training_photo_is_left_out(tiny_config, make_photos, tmp_path, recorder):
    train_folder, val_folder = make_photos(tmp_path / "train", 3), make_photos(tmp_path / "val", 2, seed=50)
    copied = sorted(train_folder.iterdir())[0]
    (val_folder / "seen-before.png").write_bytes(copied.read_bytes())
    rec = recorder()
    result = train(tiny_config(data=[str(train_folder)], val=[str(val_folder)], steps=1), rec.state)
    started = rec.of(TrainingStarted)[0]
    assert isinstance(result, TrainingFinished) and (started.train_photos, started.val_photos) == (3, 2)
    assert started.skipped_copies == [f"seen-before.png (the same file as {copied.name})"]


def test_validation_photos_that_are_training_photos_are_left_out(tiny_config, make_photos, tmp_path, recorder):
    train_folder = make_photos(tmp_path / "train", 3)
    val_folder = make_photos(tmp_path / "val", 1, seed=50)
    (val_folder / "same.png").symlink_to(train_folder / "photo-00.png")  # the same file by another path
    rec = recorder()
    result = train(tiny_config(data=[str(train_folder)], val=[str(val_folder)], steps=1), rec.state)
    started = rec.of(TrainingStarted)[0]
    assert isinstance(result, TrainingFinished) and (started.train_photos, started.val_photos, started.val_held_out) == (3, 1, True)
    assert (started.val_in_training, started.skipped_copies) == (["same.png"], [])  # (not a copy: the photo itself)
    assert json.loads((result.run_dir / "dataset.json").read_text())["val_in_training"] == ["same.png"]


def test_validating_on_the_training_folder_holds_nothing_out_and_says_so(tiny_config, photo_folder, recorder, capsys):
    from engine.cli.train_cmd import ProgressPrinter
    from engine.task import TaskState

    rec, printer = recorder(), ProgressPrinter(bar=False)
    result = train(tiny_config(val=[str(photo_folder)], steps=1), TaskState(on_event=lambda event: (rec(event), printer(event))))
    started = rec.of(TrainingStarted)[0]
    assert isinstance(result, TrainingFinished) and (started.train_photos, started.val_photos, started.val_held_out) == (8, 8, False)
    assert json.loads((result.run_dir / "dataset.json").read_text())["validation_from"] == "training photos (nothing held out)"
    assert (started.val_in_training, started.skipped_copies) == ([f"photo-0{i}.png" for i in range(8)], [])
    said = capsys.readouterr().err  # one line: not a line a photo saying it is not validated on, and then validated on
    assert ("training on 8 photos, validating on 8 training photos (nothing held out: scores are on photos it trains on), "
            "device cpu") in said
    assert "skipped" not in said and "not validated on" not in said


def test_validation_photos_that_are_training_photos_are_one_line(tiny_config, make_photos, tmp_path, recorder, capsys):
    from engine.cli.train_cmd import ProgressPrinter
    from engine.task import TaskState

    train_folder = make_photos(tmp_path / "train", 3)
    val_folder = make_photos(tmp_path / "val", 1, seed=50)
    for i in range(3):
        (val_folder / f"same-{i}.png").symlink_to(train_folder / f"photo-0{i}.png")
    printer = ProgressPrinter(bar=False)
    result = train(tiny_config(data=[str(train_folder)], val=[str(val_folder)], steps=1), TaskState(on_event=printer))
    said = capsys.readouterr().err
    assert isinstance(result, TrainingFinished)
    assert "3 validation photos are training photos: not validated on\n" in said and "same-" not in said
    assert json.loads((result.run_dir / "dataset.json").read_text())["val_in_training"] == [f"same-{i}.png" for i in range(3)]


def test_a_model_says_whether_its_scores_were_measured_on_held_out_photos(tiny_config, photo_folder, recorder):
    from engine.modelfile import read_info

    held_out = train(tiny_config(steps=1), recorder().state)
    on_its_own = train(tiny_config(val=[str(photo_folder)], steps=1, name="own"), recorder().state)
    assert read_info(held_out.model_path).training["validated_on"] == "validation photos"
    training = read_info(on_its_own.model_path).training
    assert training["validated_on"] == "training photos" and training["val"] == [str(photo_folder)]


def test_a_folder_without_usable_photos_fails_clearly(tiny_config, tmp_path, recorder):
    folder = tmp_path / "greys"
    folder.mkdir()
    Image.fromarray(np.full((32, 32), 128, np.uint8)).save(folder / "grey.png")
    rec = recorder()
    result = train(tiny_config(data=[str(folder)]), rec.state)
    assert isinstance(result, TrainingFailed) and rec.events == [result]
    assert result.message.startswith("no usable colour photos in ") and str(folder) in result.message
    assert "1 greyscale" in result.message


def run_folders(tmp_path) -> list:
    return sorted((tmp_path / "runs").iterdir()) if (tmp_path / "runs").exists() else []


def grey_folder(folder, count: int = 2):
    folder.mkdir()
    for i in range(count):
        Image.fromarray(np.full((32, 32), 100 + i, np.uint8)).save(folder / f"grey{i}.png")
    return folder


@pytest.mark.parametrize("photos", ["none", "greyscale only"])
def test_a_run_whose_photos_cannot_train_leaves_no_run_folder(tiny_config, tmp_path, recorder, photos):
    # Each try left a run folder that `colourise runs` listed as failed at 0 steps.
    folder = grey_folder(tmp_path / "data", count=0 if photos == "none" else 2)
    result = train(tiny_config(data=[str(folder)]), recorder().state)
    assert isinstance(result, TrainingFailed) and result.message.startswith(f"no usable colour photos in {folder}")
    assert result.run_dir is None and run_folders(tmp_path) == []


def test_a_validation_folder_without_usable_photos_fails_naming_it(tiny_config, tmp_path, recorder):
    # It validated on the training photos instead, saying only "validating on 6 training photos (nothing held out: ...)".
    val = grey_folder(tmp_path / "grey-val")
    rec = recorder()
    result = train(tiny_config(val=[str(val)]), rec.state)
    assert isinstance(result, TrainingFailed) and rec.events == [result]
    assert result.message == f"no usable colour photos to validate on in {val} (2 greyscale, 0 unreadable)"
    assert result.run_dir is None and run_folders(tmp_path) == []


def test_training_photos_smaller_than_the_crops_are_kept_and_named(tiny_config, make_photos, tmp_path, recorder):
    make_photos(tmp_path / "mixed" / "large", 4, size=40)
    make_photos(tmp_path / "mixed" / "small", 2, size=24, seed=4)  # (photo-00.png and photo-01.png)
    val = make_photos(tmp_path / "val", 2, size=40, seed=8)
    rec = recorder()
    result = train(tiny_config(data=[str(tmp_path / "mixed")], val=[str(val)], steps=1), rec.state)
    started = rec.of(TrainingStarted)[0]
    assert started.train_photos == 6 and started.crop_size == 32
    assert started.enlarged == ["photo-00.png", "photo-01.png"]  # the 24 px ones, kept
    assert json.loads((result.run_dir / "dataset.json").read_text())["smaller_than_crops"] == started.enlarged


def test_a_folder_of_colour_versions_colourise_saved_fails_saying_so(tiny_config, make_photos, tmp_path, recorder):
    folder = make_photos(tmp_path / "coloured", 2)
    for path in folder.glob("*.png"):
        write_photo(with_software(Photo(np.asarray(Image.open(path).convert("RGB"))), "Colourise 0.1.0, model default"), path)
    result = train(tiny_config(data=[str(folder)]), recorder().state)
    assert isinstance(result, TrainingFailed) and result.message.endswith("(2 coloured by Colourise)")


def test_greyscale_counts_in_a_failure_include_the_held_out_share(tiny_config, tmp_path, recorder):
    folder = tmp_path / "greys"
    folder.mkdir()
    for i in range(3):  # one of them is held out for validation: still counted
        Image.fromarray(np.full((32, 32), 100 + i, np.uint8)).save(folder / f"grey{i}.png")
    result = train(tiny_config(data=[str(folder)]), recorder().state)
    assert isinstance(result, TrainingFailed) and "3 greyscale, 0 unreadable" in result.message


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"data": ["/no/such/folder"]}, "/no/such/folder: no such folder"),
        ({"arch": "no_such_arch"}, 'got "no_such_arch"'),
        ({"arch_params": {"depth": 3}}, "has no parameter depth"),
        ({"optimizer": "lion"}, 'optimizer: expected one of adam, adamw, sgd, rmsprop, got "lion"'),
        ({"loss": "nope"}, "unknown loss 'nope'"),
        ({"init_from": "no-such-model"}, "cannot fine-tune: no-such-model: no model of that name"),
    ],
)
def test_bad_settings_fail_with_one_line(tiny_config, overrides, expected):
    result = train(tiny_config(**overrides))
    assert isinstance(result, TrainingFailed)
    assert expected in result.message and "\n" not in result.message


def test_fine_tuning_starts_from_the_saved_weights(tiny_config, alpha_model_file):
    from engine.modelfile import load_model

    result = train(tiny_config(init_from=str(alpha_model_file), arch="beta", steps=1, lr=1e-9))
    assert isinstance(result, TrainingFinished)
    tuned, info = load_model(result.model_path)
    original, _ = load_model(alpha_model_file)
    assert info.arch == "alpha" and info.training["init_from"] == str(alpha_model_file)
    for key, tensor in original.state_dict().items():
        assert torch.allclose(tuned.state_dict()[key], tensor, atol=1e-5)


def test_a_fine_tune_takes_the_settings_that_leave_the_weights_alone_and_keeps_the_rest(tiny_config, tmp_path, recorder):
    from engine.modelfile import load_model, save_model
    from engine.models import create_model

    torch.manual_seed(0)
    small = {"decoder_widths": [8, 8, 8, 8], "decode_temperature": 0.38, "encoder_lr_factor": 0.2}
    base = save_model(tmp_path / "unet.safetensors", create_model("colour_unet", **small))
    asked = {"decoder_widths": [16, 16, 16, 16], "decode_temperature": 1.0, "decode_mode": "hue_cluster", "encoder_lr_factor": 0.0}
    rec = recorder()
    result = train(tiny_config(init_from=str(base), arch="colour_unet", arch_params=asked, steps=1, lr=1e-9), rec.state)
    assert isinstance(result, TrainingFinished), getattr(result, "message", result)
    assert rec.of(TrainingStarted)[0].kept_from_model == ["decoder_widths"]  # said, not silently dropped
    tuned, info = load_model(result.model_path)
    assert info.config["decoder_widths"] == [8, 8, 8, 8]  # its weights fix this one
    assert (info.config["decode_temperature"], info.config["decode_mode"], info.config["encoder_lr_factor"]) == (1.0, "hue_cluster", 0.0)
    assert info.training["recipe"]["arch_params"] == info.config
    original, _ = load_model(base)
    tuned_parameters = dict(tuned.named_parameters())  # (buffers such as the a/b prior follow the photos)
    for key, tensor in original.named_parameters():
        assert torch.allclose(tuned_parameters[key], tensor, atol=1e-5), key

    result = train(tiny_config(init_from=str(base), arch="colour_unet", arch_params={"class_weight": 2.0}, steps=1))
    assert isinstance(result, TrainingFailed)
    assert result.message == "cannot fine-tune unet.safetensors: class_weight must be in [0, 1], got 2.0"


def test_a_damaged_model_to_fine_tune_is_reported(tiny_config, tmp_path):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x00" * 64)
    result = train(tiny_config(init_from=str(bad)))
    assert isinstance(result, TrainingFailed) and result.message.startswith("cannot fine-tune: broken.safetensors: ")


def test_a_full_disk_is_reported(tiny_config, monkeypatch):
    import errno

    from engine.training import trainer

    def full(path, payload):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(trainer, "save_checkpoint", full)
    result = train(tiny_config(checkpoint_every_steps=2))
    assert isinstance(result, TrainingFailed)
    assert result.message == "the disk is full: could not write checkpoint.pt (free some space, then resume the run)"


def test_out_of_memory_suggests_a_smaller_batch(tiny_config):
    def oom(model, l_norm, ab_norm):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    register_loss("test_oom")(oom)
    try:
        result = train(tiny_config(loss="test_oom", batch_size=4, image_size=32))
    finally:
        unregister_loss("test_oom")
    assert isinstance(result, TrainingFailed)
    assert "ran out of memory at batch size 4 and image size 32" in result.message and "smaller batch size" in result.message


def test_an_unexpected_error_is_one_line_and_logged(tiny_config):
    def boom(model, l_norm, ab_norm):
        raise ZeroDivisionError("boom")

    register_loss("test_boom")(boom)
    try:
        result = train(tiny_config(loss="test_boom"))
    finally:
        unregister_loss("test_boom")
    assert isinstance(result, TrainingFailed) and "ZeroDivisionError: boom" in result.message
    assert "Traceback" in (result.run_dir / "error.log").read_text()


def test_model_hooks_are_honoured(tiny_config, monkeypatch):
    """A model's training_loss (loss "auto"), param_groups and load_pretrained_encoder are used."""
    from engine.models import alpha as alpha_module

    seen = {"loss": 0, "groups": 0, "pretrained": 0}

    class HookedAlpha(alpha_module.Alpha):
        def training_loss(self, l_norm, ab_norm):
            seen["loss"] += 1
            return (self(l_norm) - ab_norm).abs().mean()

        def param_groups(self, lr):
            seen["groups"] += 1
            return [{"params": list(self.parameters()), "lr": lr * 0.5}]

        def load_pretrained_encoder(self):
            seen["pretrained"] += 1
            return self

    from engine.models import registry

    arch = registry.get_architecture("alpha")
    monkeypatch.setitem(registry._REGISTRY, "alpha", registry.Architecture("alpha", arch.description, lambda width=8: HookedAlpha(width)))
    rec_lrs = []
    result = train(tiny_config(steps=2, lr=0.1, schedule="constant"), __import__("engine.task", fromlist=["TaskState"]).TaskState(
        on_event=lambda e: rec_lrs.append(e.lr) if isinstance(e, TrainingStep) else None))
    assert isinstance(result, TrainingFinished)
    assert seen["loss"] >= 2 and seen["groups"] == 1 and seen["pretrained"] == 1
    assert rec_lrs and all(lr == pytest.approx(0.05) for lr in rec_lrs)


def test_resume_config_reads_the_run_back(tiny_config):
    result = train(tiny_config(steps=1, name="again"))
    config = resume_config(result.run_dir)
    assert config.resume == str(result.run_dir) and config.name == "again" and config.image_size == 32
    with pytest.raises(ValueError, match="not a training run folder"):
        resume_config(result.run_dir / "previews")


def test_a_time_budget_ends_the_run_as_finished_with_a_saved_model(tiny_config, recorder):
    rec = recorder()
    result = train(tiny_config(steps=10_000, max_minutes=1e-9), rec.state)
    assert isinstance(result, TrainingFinished), result
    assert 1 <= result.steps < 10_000 and result.model_path.exists()
    assert rec.of(ValidationDone)[-1].step == result.steps


def test_a_hint_model_trains_with_simulated_hints_and_shows_them_in_previews(tiny_config, recorder, monkeypatch):
    from engine.models.colour_unet import ColourUNet

    seen = []
    original = ColourUNet.training_loss

    def spy(self, l_norm, ab_norm, hints=None):
        if self.training:
            seen.append(hints)
        return original(self, l_norm, ab_norm, hints)

    monkeypatch.setattr(ColourUNet, "training_loss", spy)
    rec = recorder()
    config = tiny_config(arch="colour_unet", pretrained=False, steps=6, batch_size=8, val_every_steps=6,
                         arch_params={"hint_input": True, "decoder_widths": [16, 16, 16, 16]})
    result = train(config, rec.state)
    assert isinstance(result, TrainingFinished)
    assert len(seen) == 6 and all(h is not None and h.shape == (8, 3, 32, 32) for h in seen)
    per_sample = torch.cat([h[:, 2].flatten(1).sum(1) for h in seen])
    assert (per_sample == 0).any() and (per_sample > 0).any()  # some samples with hints, some without
    grey, _, _ = rec.of(PreviewReady)[-1].triplets[0]
    assert (grey[..., 0] != grey[..., 1]).any() or (grey == 255).any()  # hint marks drawn on the grey side
    assert rec.of(PreviewReady)[-1].hints == 5  # and the event says so, for the window's label

    from engine.modelfile import read_info

    assert read_info(result.model_path).config["hint_input"] is True
