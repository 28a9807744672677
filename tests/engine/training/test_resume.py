"""Resume: a stopped run continues with the same step count, optimiser/scheduler state and data order."""

from __future__ import annotations

import argparse

import pytest
import torch

from engine.events import CheckpointSaved, TrainingCancelled, TrainingFailed, TrainingFinished, TrainingStarted, TrainingStep
from engine.modelfile import load_model
from engine.training import resume_config, train
from engine.training.checkpoint import load_checkpoint, save_checkpoint


def weights(path) -> dict[str, torch.Tensor]:
    return load_model(path)[0].state_dict()


def stop_after_checkpoint(step):
    return lambda e: isinstance(e, CheckpointSaved) and e.step == step


@pytest.mark.parametrize(
    "optimizer, schedule",
    [("adamw", "cosine"), ("adam", "onecycle"), ("sgd", "plateau"), ("rmsprop", "constant")],
)
def test_a_stopped_and_resumed_run_ends_exactly_like_an_uninterrupted_one(tiny_config, recorder, optimizer, schedule):
    # 7 training photos, batch 2: 3 steps an epoch, so step 2 is mid-epoch; random crops and flips on.
    settings = dict(optimizer=optimizer, schedule=schedule, warmup_steps=1, steps=6, batch_size=2,
                    checkpoint_every_steps=2, val_every_steps=3, lr=3e-3)
    straight = train(tiny_config(**settings))
    assert isinstance(straight, TrainingFinished)

    first = recorder(stop_when=stop_after_checkpoint(2))
    stopped = train(tiny_config(**settings), first.state)
    assert isinstance(stopped, TrainingCancelled) and stopped.step == 2

    second = recorder()
    resumed = train(resume_config(stopped.run_dir), second.state)
    assert isinstance(resumed, TrainingFinished) and resumed.run_dir == stopped.run_dir
    started = second.of(TrainingStarted)[0]
    assert (started.start_step, started.total_steps) == (2, 6)
    assert resumed.steps == 6

    a, b = weights(straight.model_path), weights(resumed.model_path)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert resumed.metrics == pytest.approx(straight.metrics, nan_ok=True)


def train_rows(run_dir) -> list[tuple[int, float]]:
    import json

    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [(row["step"], row["loss"]) for row in rows if row["type"] == "train"]


def test_a_stopped_and_resumed_runs_training_curve_is_the_uninterrupted_ones(tiny_config, recorder, monkeypatch):
    # The row written at a stop (or a checkpoint) averaged the steps since the last row, and the next row only the
    # steps after it: means of a step or two, a spike in the curve at every stop, resume and checkpoint.
    from engine.training import trainer

    monkeypatch.setattr(trainer, "STEP_EVENT_INTERVAL", 0.0)  # an event every step: stopped after step 7 exactly
    settings = dict(steps=12, batch_size=2, log_every_steps=5, checkpoint_every_steps=3, val_every_steps=100)
    straight = train(tiny_config(**settings))
    assert [step for step, _ in train_rows(straight.run_dir)] == [1, 5, 10, 12]  # the first step, every 5th, the last

    stopped = train(tiny_config(**settings), recorder(stop_when=lambda e: isinstance(e, TrainingStep) and e.step == 7).state)
    assert isinstance(stopped, TrainingCancelled) and stopped.step == 7
    assert [step for step, _ in train_rows(stopped.run_dir)] == [1, 5, 7]  # the curve reaches the stop (steps 6-7)
    resumed = train(resume_config(stopped.run_dir))
    assert isinstance(resumed, TrainingFinished)
    (steps, losses), (straight_steps, straight_losses) = (zip(*train_rows(run.run_dir)) for run in (resumed, straight))
    assert steps == straight_steps and losses == pytest.approx(straight_losses)  # step 10: the mean of steps 6-10


def test_resume_drops_log_rows_written_after_the_checkpoint(tiny_config, recorder):
    rec = recorder(stop_when=lambda e: isinstance(e, CheckpointSaved) and e.step == 2)
    stopped = train(tiny_config(steps=6, batch_size=2, checkpoint_every_steps=2), rec.state)
    log = stopped.run_dir / "metrics.jsonl"
    # what a run killed at step 3 would have left behind:
    log.write_text(log.read_text() + '{"type": "train", "step": 3, "loss": 1.0}\n{"type": "train", "st')
    resumed = train(resume_config(stopped.run_dir))
    assert isinstance(resumed, TrainingFinished)
    steps = [int(line.split('"step": ')[1].split(",")[0]) for line in log.read_text().splitlines() if '"train"' in line]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_a_stopped_run_shorter_than_its_log_interval_keeps_its_training_curve(tiny_config, recorder):
    """The rows came every 10 steps only: a run stopped at step 3 came back from a restart without a curve."""
    import json

    rec = recorder(stop_when=lambda e: isinstance(e, TrainingStep))  # (the first step's event: stopped within a few steps)
    stopped = train(tiny_config(steps=40, batch_size=2, log_every_steps=10, checkpoint_every_steps=0, val_every_steps=100), rec.state)
    assert isinstance(stopped, TrainingCancelled) and 1 <= stopped.step < 10
    rows = [json.loads(line) for line in (stopped.run_dir / "metrics.jsonl").read_text().splitlines()]
    train_rows = [row for row in rows if row["type"] == "train"]
    # the first step's own row (the live curve starts with it), then those steps' mean
    assert [row["step"] for row in train_rows] == sorted({1, stopped.step}) and train_rows[-1]["loss"] > 0
    checkpointed = train(tiny_config(steps=40, batch_size=2, log_every_steps=10, checkpoint_every_steps=4, val_every_steps=100))
    rows = [json.loads(line) for line in (checkpointed.run_dir / "metrics.jsonl").read_text().splitlines()]
    # no row at a checkpoint (the next row was a mean of a step or two): the checkpoint keeps the steps since the
    # last row, and a resume's next row takes them in (test_a_stopped_and_resumed_runs_training_curve_is_the_uninterrupted_ones)
    assert [row["step"] for row in rows if row["type"] == "train"] == [1, 10, 20, 30, 40]


def test_resuming_a_finished_run_returns_its_model(tiny_config):
    done = train(tiny_config(steps=2))
    again = train(resume_config(done.run_dir))
    assert isinstance(again, TrainingFinished) and again.model_path == done.model_path and again.finished_already


def test_a_run_killed_before_its_first_checkpoint_starts_over_in_the_same_folder(tiny_config, recorder):
    rec = recorder(stop_when=lambda e: isinstance(e, CheckpointSaved))
    stopped = train(tiny_config(steps=3), rec.state)
    (stopped.run_dir / "checkpoint.pt").unlink()
    rec = recorder()
    resumed = train(resume_config(stopped.run_dir), rec.state)
    assert isinstance(resumed, TrainingFinished) and rec.of(TrainingStarted)[0].start_step == 0


def test_a_run_killed_before_its_first_checkpoint_logs_each_step_once_when_resumed(tiny_config, recorder):
    """It starts over at step 0: the rows it had logged went, where before the resume logged every step again."""
    import csv
    import json

    rec = recorder(stop_when=stop_after_checkpoint(2))
    stopped = train(tiny_config(steps=4, batch_size=2, checkpoint_every_steps=2, val_every_steps=2), rec.state)
    (stopped.run_dir / "checkpoint.pt").unlink()  # as if killed after logging steps 1 and 2, before the checkpoint
    assert isinstance(train(resume_config(stopped.run_dir)), TrainingFinished)
    rows = [json.loads(line) for line in (stopped.run_dir / "metrics.jsonl").read_text().splitlines()]
    for kind in ("train", "val"):
        steps = [row["step"] for row in rows if row["type"] == kind]
        assert steps == sorted(set(steps)) and steps[-1] == 4, (kind, steps)  # each step once, in order
    with open(stopped.run_dir / "metrics.csv", newline="") as table:
        steps = [(row["type"], int(row["step"])) for row in csv.DictReader(table)]
    assert len(steps) == len(set(steps)), steps

def test_a_stopped_fine_tune_resumes_after_its_base_model_was_deleted(tiny_config, recorder, library):
    """A resume's weights are its checkpoint's: it once read the base model again, and failed without it."""
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(0)
    library.mkdir(parents=True, exist_ok=True)
    base = save_model(library / "base.safetensors", create_model("colour_unet", decoder_widths=[8, 8, 8, 8], decode_temperature=0.38))
    settings = dict(init_from="base", arch="colour_unet", arch_params={"decode_temperature": 1.0}, steps=4, batch_size=2,
                    checkpoint_every_steps=2, val_every_steps=100)  # fmt: skip
    stopped = train(tiny_config(**settings), recorder(stop_when=stop_after_checkpoint(2)).state)
    assert isinstance(stopped, TrainingCancelled) and stopped.step == 2
    base.unlink()  # deleted from the library

    rec = recorder()
    resumed = train(resume_config(stopped.run_dir), rec.state)
    assert isinstance(resumed, TrainingFinished), getattr(resumed, "message", resumed)
    assert (rec.of(TrainingStarted)[0].start_step, resumed.steps) == (2, 4)
    tuned, info = load_model(resumed.model_path)
    assert info.config["decoder_widths"] == [8, 8, 8, 8] and info.config["decode_temperature"] == 1.0  # the base's, as adjusted
    assert info.training["init_from"] == str(base)  # still says what it was fine-tuned from

def test_checkpoints_hold_plain_data_only(tiny_config, tmp_path):
    done = train(tiny_config(steps=1, schedule="onecycle"))
    blob = torch.load(done.run_dir / "checkpoint.pt", weights_only=True)  # refuses anything but tensors and plain data
    assert blob["step"] == 1 and blob["config"]["schedule"] == "onecycle"
    assert not list(done.run_dir.glob(".checkpoint.pt.*"))  # no temporary file left behind

    unsafe = tmp_path / "checkpoint.pt"
    torch.save({"format": 1, "step": 1, "model": {}, "args": argparse.Namespace(lr=1.0)}, unsafe)  # pickled code
    with pytest.raises(ValueError, match="not a usable checkpoint"):
        load_checkpoint(unsafe)


def test_a_damaged_checkpoint_fails_the_resume_clearly(tiny_config):
    done = train(tiny_config(steps=1))
    (done.run_dir / "checkpoint.pt").write_bytes(b"PK\x03\x04 truncated")
    result = train(resume_config(done.run_dir))
    assert result.message.startswith("cannot resume: checkpoint.pt: not a usable checkpoint")


def test_resume_of_a_folder_that_is_no_run_fails_clearly(tmp_path):
    with pytest.raises(ValueError) as raised:
        resume_config(tmp_path)
    assert str(raised.value) == f"{tmp_path}: not a training run folder (no config.toml)"


def test_save_checkpoint_replaces_atomically(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, {"step": 1, "model": {"w": torch.ones(2)}})
    save_checkpoint(path, {"step": 2, "model": {"w": torch.zeros(2)}})
    assert load_checkpoint(path)["step"] == 2 and [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_decoding_in_worker_processes_trains_exactly_like_the_memory_cache(tiny_config):
    cached = train(tiny_config(steps=3, cache_images=True))
    from_disk = train(tiny_config(steps=3, cache_images=False, num_workers=1))
    a, b = weights(cached.model_path), weights(from_disk.model_path)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert '"cached_in_memory": false' in (from_disk.run_dir / "dataset.json").read_text()


@pytest.mark.parametrize("step", [10**12, -1, "5", 2.5, None, True])
def test_a_checkpoint_with_an_impossible_step_is_refused(tmp_path, step):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, {"step": step, "model": {"w": torch.ones(2)}})
    with pytest.raises(ValueError, match="checkpoint.pt: its step .* is not a step count from 0 to 1000000000"):
        load_checkpoint(path)


def test_a_checkpoint_beyond_the_runs_own_steps_fails_the_resume_clearly(tiny_config):
    done = train(tiny_config(steps=2))
    blob = load_checkpoint(done.run_dir / "checkpoint.pt")
    save_checkpoint(done.run_dir / "checkpoint.pt", {**blob, "step": 50})
    result = train(resume_config(done.run_dir))
    assert result.message == "cannot resume: checkpoint.pt is at step 50, beyond the run's 2 steps"


def test_non_object_lines_in_the_metrics_log_are_skipped_with_a_warning(tiny_config, recorder, caplog):
    rec = recorder(stop_when=lambda e: isinstance(e, CheckpointSaved) and e.step == 2)
    stopped = train(tiny_config(steps=4, batch_size=2, checkpoint_every_steps=2), rec.state)
    log = stopped.run_dir / "metrics.jsonl"
    log.write_text(log.read_text() + '[1, 2]\n"text"\n5\nnull\n')
    with caplog.at_level("WARNING"):
        resumed = train(resume_config(stopped.run_dir))
    assert isinstance(resumed, TrainingFinished)
    assert "metrics.jsonl: skipped 4 lines that are not JSON objects with a step" in caplog.text
    rows = [line for line in log.read_text().splitlines() if line]
    assert all(line.startswith("{") for line in rows)


def test_a_full_disk_while_checkpointing_says_so(tmp_path, full_disk):
    import errno

    import engine.atomic
    from engine.training.trainer import _describe_failure

    full_disk(engine.atomic)
    with pytest.raises(OSError) as caught:
        save_checkpoint(tmp_path / "checkpoint.pt", {"step": 1, "model": {"w": torch.ones(1000)}})
    assert caught.value.errno == errno.ENOSPC
    message = _describe_failure(caught.value, None, None)
    assert message == "the disk is full: could not write checkpoint.pt (free some space, then resume the run)"


def stopped_run(tiny_config, recorder, **settings):
    """A run stopped by the user at its step-2 checkpoint (of 6), as a Ctrl-C leaves it."""
    rec = recorder(stop_when=stop_after_checkpoint(2))
    stopped = train(tiny_config(steps=6, batch_size=2, checkpoint_every_steps=2, **settings), rec.state)
    assert isinstance(stopped, TrainingCancelled) and stopped.step == 2
    return stopped.run_dir


def run_files(run_dir) -> tuple[str, str]:
    return (run_dir / "config.toml").read_text(), (run_dir / "status.json").read_text()


@pytest.mark.parametrize(
    "change, reason",
    [({"steps": 1}, "cannot resume: checkpoint.pt is at step 2, beyond the run's 1 steps"),
     ({"arch": "model3", "arch_params": {}}, "arch cannot change when resuming: the run trains alpha, not model3"),
     ({"arch_params": {"width": 16}}, "arch_params.width cannot change when resuming: the run trains alpha with width = 8")],
)
def test_a_resume_that_cannot_start_leaves_the_run_as_it_was(tiny_config, recorder, change, reason):
    run_dir = stopped_run(tiny_config, recorder)
    before = run_files(run_dir)
    config = resume_config(run_dir)
    for key, value in change.items():
        setattr(config, key, value)
    failed = train(config)
    assert isinstance(failed, TrainingFailed) and failed.message == reason
    assert run_files(run_dir) == before  # still "stopped" with its checkpoint, and the recipe it was trained with
    resumed = train(resume_config(run_dir))
    assert isinstance(resumed, TrainingFinished) and resumed.steps == 6


def test_a_resume_that_starts_keeps_its_changes(tiny_config, recorder):
    run_dir = stopped_run(tiny_config, recorder)
    config = resume_config(run_dir)
    config.steps = 8
    assert isinstance(train(config), TrainingFinished)
    assert resume_config(run_dir).steps == 8 and '"finished"' in run_files(run_dir)[1]


def test_a_run_started_with_relative_folders_resumes_from_anywhere(tiny_config, recorder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = stopped_run(tiny_config, recorder, data=["photos"], library_dir="library")
    config = resume_config(run_dir)
    assert config.data == [str(tmp_path / "photos")] and config.library_dir == str(tmp_path / "library")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    resumed = train(resume_config(run_dir))
    assert isinstance(resumed, TrainingFinished) and resumed.model_path.parent == tmp_path / "library"


def test_an_old_run_with_relative_folders_says_where_it_was_started(tiny_config, recorder, tmp_path, monkeypatch):
    run_dir = stopped_run(tiny_config, recorder)
    config = resume_config(run_dir)
    config.data = ["../photos"]  # as runs written before paths were stored whole have them
    config.save(run_dir / "config.toml")
    monkeypatch.chdir(tmp_path)
    failed = train(resume_config(run_dir))
    assert isinstance(failed, TrainingFailed)
    assert failed.message == (f"../photos: no such folder from {tmp_path}; the run names it relative to the folder "
                              "it was started in: resume it from there")


def test_a_resume_with_another_process_count_says_so_and_its_epochs_go_on(tiny_config, recorder):
    """A run of 2 processes resumed in one: its epoch went from 22.0 at step 22 to 12.0 at step 24, and nothing said why."""
    import json

    run_dir = stopped_run(tiny_config, recorder, log_every_steps=1)  # 7 photos, batch 2: 3 steps an epoch in one process
    path = run_dir / "checkpoint.pt"
    blob = load_checkpoint(path)  # as 2 processes leave it: a global batch of 4, 1 step an epoch, at epoch 2.0
    blob["extra"]["facts"].update(world=2, steps_per_epoch=1)
    blob["extra"].pop("epoch", None)  # (as a checkpoint written before checkpoints kept their epoch)
    save_checkpoint(path, blob)
    rec = recorder()
    resumed = train(resume_config(run_dir), rec.state)
    assert isinstance(resumed, TrainingFinished)
    assert rec.of(TrainingStarted)[0].world_change == "resuming with 1 process where it trained with 2: the global batch is now 2, was 4"
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    epochs = [row["epoch"] for row in rows if row["type"] == "train"]
    assert epochs[2:] == pytest.approx([2 + 1 / 3, 2 + 2 / 3, 3, 3 + 1 / 3], abs=1e-4), epochs  # (it went back to 1.0 at step 3)
    assert load_checkpoint(path)["extra"]["epoch"] == pytest.approx(3 + 1 / 3)


def test_a_resume_in_the_same_process_count_says_nothing_of_it(tiny_config, recorder):
    rec = recorder()
    assert isinstance(train(resume_config(stopped_run(tiny_config, recorder)), rec.state), TrainingFinished)
    assert rec.of(TrainingStarted)[0].world_change == ""


@pytest.mark.parametrize("schedule", ["cosine", "onecycle"])
def test_an_epochs_run_resumed_with_another_process_count_keeps_its_steps_and_its_schedule(tiny_config, recorder, schedule):
    """It took its total from the new steps per epoch: 2 epochs of a 2-process run (4 steps) became 6 steps in one
    process, overshooting the epochs asked for and shifting the learning rate's cosine (a one-cycle schedule failed
    past its steps; and the other way round the resume was refused as "beyond the run's steps")."""
    settings = dict(batch_size=2, schedule=schedule, warmup_steps=0, lr=3e-3, checkpoint_every_steps=2, steps=4)
    straight = train(tiny_config(**settings))  # the run's 4 steps, uninterrupted
    assert isinstance(straight, TrainingFinished)
    first = recorder(stop_when=stop_after_checkpoint(2))
    stopped = train(tiny_config(**settings), first.state)
    assert isinstance(stopped, TrainingCancelled) and stopped.step == 2
    # As 2 processes leave `--epochs 2`: 2 steps an epoch, 4 in all, stopped at epoch 1.0
    config = resume_config(stopped.run_dir)
    config.steps, config.epochs = 0, 2
    config.save(stopped.run_dir / "config.toml")
    path = stopped.run_dir / "checkpoint.pt"
    blob = load_checkpoint(path)
    blob["config"].update(steps=0, epochs=2)
    blob["extra"]["facts"].update(world=2, steps_per_epoch=2)
    blob["extra"].update(total_steps=4, epoch=1.0)
    save_checkpoint(path, blob)
    rec = recorder()
    resumed = train(resume_config(stopped.run_dir), rec.state)
    assert isinstance(resumed, TrainingFinished) and resumed.steps == 4
    started = rec.of(TrainingStarted)[0]
    assert (started.start_step, started.total_steps) == (2, 4)
    assert started.world_change == ("resuming with 1 process where it trained with 2: the global batch is now 2, was 4; "
                                    "the run keeps its 4 steps, which now end at epoch 1.67 (it asked for 2)")
    assert dict(train_lrs(stopped.run_dir)) == pytest.approx(dict(train_lrs(straight.run_dir)))


def train_lrs(run_dir) -> list[tuple[int, float]]:
    import json

    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [(row["step"], row["lr"]) for row in rows if row["type"] == "train"]


def test_an_epochs_run_resumed_with_photos_added_keeps_its_steps_and_says_at_which_epoch_they_now_end(
        tiny_config, recorder, photo_folder, make_photos):
    """It kept its steps without a word: photos added between the stop and the resume made its epochs fewer than asked."""
    # 7 training photos, batch 2: 3 steps an epoch, 6 for the 2 epochs asked; stopped at step 2 (epoch 0.67)
    settings = dict(steps=0, epochs=2, batch_size=2, checkpoint_every_steps=2)
    stopped = train(tiny_config(**settings), recorder(stop_when=stop_after_checkpoint(2)).state)
    assert isinstance(stopped, TrainingCancelled) and stopped.step == 2
    make_photos(photo_folder / "more", 4, seed=100)  # 12 photos, 11 to train on
    rec = recorder()
    resumed = train(resume_config(stopped.run_dir), rec.state)
    assert isinstance(resumed, TrainingFinished) and resumed.steps == 6  # (the behaviour is kept)
    started = rec.of(TrainingStarted)[0]
    assert (started.train_photos, started.start_step, started.total_steps) == (11, 2, 6)
    # 4 steps left at 5 steps an epoch: from epoch 0.67 to 1.47
    assert started.photos_change == ("the run now has 11 training photos where it had 7: it keeps its 6 steps, "
                                     "which now end at epoch 1.47 (it asked for 2)")
    assert started.world_change == ""


def test_a_resume_with_the_photos_it_had_or_of_a_steps_run_says_nothing_of_photos(tiny_config, recorder, photo_folder, make_photos):
    for settings, added in ((dict(steps=0, epochs=2), 0), (dict(steps=6), 4)):  # (a steps run's steps are what it asked for)
        stopped = train(tiny_config(batch_size=2, checkpoint_every_steps=2, **settings), recorder(stop_when=stop_after_checkpoint(2)).state)
        make_photos(photo_folder / "more", added, seed=100)
        rec = recorder()
        assert isinstance(train(resume_config(stopped.run_dir), rec.state), TrainingFinished)
        started = rec.of(TrainingStarted)[0]
        assert started.start_step == 2 and started.train_photos == 7 + added and started.photos_change == ""


def test_a_resume_with_another_process_count_and_photos_added_says_the_kept_steps_once(tiny_config, recorder, photo_folder, make_photos):
    stopped = train(tiny_config(steps=0, epochs=2, batch_size=2, checkpoint_every_steps=2), recorder(stop_when=stop_after_checkpoint(2)).state)
    path = stopped.run_dir / "checkpoint.pt"
    blob = load_checkpoint(path)
    blob["extra"]["facts"].update(world=2)  # as if it trained in 2 processes
    save_checkpoint(path, blob)
    make_photos(photo_folder / "more", 4, seed=100)
    rec = recorder()
    assert isinstance(train(resume_config(stopped.run_dir), rec.state), TrainingFinished)
    started = rec.of(TrainingStarted)[0]
    assert started.world_change == "resuming with 1 process where it trained with 2: the global batch is now 2, was 4"
    assert started.photos_change.startswith(f"the run now has {started.train_photos} training photos where it had 7: it keeps its 6 steps")


def as_if_trained_in_2_processes(run_dir) -> None:
    """The checkpoint of an `--epochs 2` run stopped at step 2, as 2 processes leave it: 7 photos at a global batch of 4,
    2 steps an epoch, 4 in all, at epoch 1.0 (in one process: 3 steps an epoch)."""
    path = run_dir / "checkpoint.pt"
    blob = load_checkpoint(path)
    blob["config"].update(steps=0, epochs=2)
    blob["extra"]["facts"].update(world=2, steps_per_epoch=2)
    blob["extra"].update(total_steps=4, epoch=1.0)
    save_checkpoint(path, blob)


def test_a_resume_with_another_process_count_that_asks_for_other_epochs_ends_at_them_and_says_so(tiny_config, recorder):
    """It took 3 epochs at the new 3 steps an epoch from step 0 (9 steps): from epoch 1.0 at step 2 those ended at epoch
    3.33 of the 3 asked for, and the line said "the run keeps its 9 steps" (it kept none)."""
    stopped = train(tiny_config(steps=0, epochs=2, batch_size=2, checkpoint_every_steps=2), recorder(stop_when=stop_after_checkpoint(2)).state)
    as_if_trained_in_2_processes(stopped.run_dir)
    config = resume_config(stopped.run_dir)
    config.epochs = 3
    rec = recorder()
    resumed = train(config, rec.state)
    assert isinstance(resumed, TrainingFinished) and resumed.steps == 8  # 2 epochs left at 3 steps an epoch
    started = rec.of(TrainingStarted)[0]
    assert (started.start_step, started.total_steps) == (2, 8)
    assert started.world_change == ("resuming with 1 process where it trained with 2: the global batch is now 2, was 4; the run "
                                    "now takes 8 steps, 6 more from epoch 1.00 at 3 steps an epoch, which end at epoch 3.00 (it asks for 3)")
    assert load_checkpoint(stopped.run_dir / "checkpoint.pt")["extra"]["epoch"] == pytest.approx(3.0)


def test_a_resume_with_photos_added_that_asks_for_other_epochs_ends_at_them_and_says_so(tiny_config, recorder, photo_folder, make_photos):
    """It took 3 epochs at the new 5 steps an epoch from step 0 (15 steps), ending at epoch 3.27, and said nothing of photos."""
    stopped = train(tiny_config(steps=0, epochs=2, batch_size=2, checkpoint_every_steps=2), recorder(stop_when=stop_after_checkpoint(2)).state)
    make_photos(photo_folder / "more", 4, seed=100)  # 11 to train on: 5 steps an epoch where it had 3
    config = resume_config(stopped.run_dir)
    config.epochs = 3
    rec = recorder()
    resumed = train(config, rec.state)
    assert isinstance(resumed, TrainingFinished) and resumed.steps == 14  # from epoch 0.67: 11.67 steps, a whole one more
    started = rec.of(TrainingStarted)[0]
    assert started.photos_change == ("the run now has 11 training photos where it had 7: it now takes 14 steps, 12 more from "
                                     "epoch 0.67 at 5 steps an epoch, which end at epoch 3.07 (it asks for 3)")


def test_a_resume_that_asks_for_other_epochs_with_nothing_else_changed_takes_them_as_before(tiny_config, recorder):
    stopped = train(tiny_config(steps=0, epochs=2, batch_size=2, checkpoint_every_steps=2), recorder(stop_when=stop_after_checkpoint(2)).state)
    config = resume_config(stopped.run_dir)
    config.epochs = 3
    rec = recorder()
    assert isinstance(train(config, rec.state), TrainingFinished)
    started = rec.of(TrainingStarted)[0]
    assert (started.total_steps, started.world_change, started.photos_change) == (9, "", "")
