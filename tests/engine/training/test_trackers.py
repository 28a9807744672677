"""TensorBoard and W&B trackers: what a run logs there, read back with their own readers."""

from __future__ import annotations

import time

import pytest

from engine.events import PreviewReady, TrainingFailed, TrainingFinished, TrainingStep
from engine.training import resume_config, train
from engine.training.trackers import missing


def scalars(run_dir) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}, acc


def steps(series) -> list[int]:
    return [step for step, _ in series]


@pytest.fixture
def tensorboard():
    pytest.importorskip("tensorboard", reason="pip install '.[tensorboard]'")


def test_tensorboard_events_hold_losses_validation_previews_and_config(tensorboard, tiny_config, recorder):
    rec = recorder()
    result = train(tiny_config(log=["tensorboard"], steps=4, batch_size=2, val_every_steps=2), rec.state)
    assert isinstance(result, TrainingFinished)
    data, acc = scalars(result.run_dir)
    emitted = [e.step for e in rec.of(TrainingStep)]
    assert steps(data["train/loss"]) == emitted and emitted[0] == 1 and emitted[-1] == 4
    assert [v for _, v in data["train/loss"]] == pytest.approx([e.loss for e in rec.of(TrainingStep)])
    assert steps(data["val/loss"]) == [2, 4]
    assert steps(data["val/psnr"]) == [2, 4] and data["val/psnr"][-1][1] == pytest.approx(result.metrics["psnr"])
    assert {"train/lr", "val/auc", "val/colourfulness"} <= set(data)
    assert [e.step for e in acc.Images("previews")] == [2, 4]
    assert "config" in "".join(acc.Tags()["tensors"])  # the recipe as text


# Killed at step 3, its last checkpoint at step 2; or at step 1, before its first (it starts again at 0).
@pytest.mark.parametrize("killed_at", [3, 1])
def test_tensorboard_logs_continue_across_a_kill_and_resume_without_duplicated_steps(tensorboard, tiny_config, recorder, killed_at):
    settings = dict(log=["tensorboard"], steps=6, batch_size=2, val_every_steps=1, checkpoint_every_steps=2)

    def die(event):  # the process "dies" after validating step ``killed_at``
        if isinstance(event, PreviewReady) and event.step == killed_at:
            raise RuntimeError("killed")

    rec = recorder()
    rec.stop_when = die
    first = train(tiny_config(**settings), rec.state)
    assert isinstance(first, TrainingFailed)
    before, _ = scalars(first.run_dir)
    assert steps(before["val/loss"]) == list(range(1, killed_at + 1))  # logged past the checkpoint

    rec = recorder()
    resumed = train(resume_config(first.run_dir), rec.state)
    assert isinstance(resumed, TrainingFinished)
    after, _ = scalars(resumed.run_dir)
    assert steps(after["val/loss"]) == [1, 2, 3, 4, 5, 6]  # each step once: the resumed session's
    assert steps(after["train/loss"]) == sorted(set(steps(after["train/loss"]))) and steps(after["train/loss"])[-1] == 6
    resumed_val = [v for s, v in after["val/loss"] if s == killed_at][0]
    stale_val = [v for s, v in before["val/loss"] if s == killed_at][0]
    assert resumed_val == pytest.approx(stale_val)  # resume is exact, and the value comes from one session only


def test_a_missing_tracker_package_says_how_to_install_it_and_training_runs_without_it(tiny_config, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else real(name, *a))
    assert missing("wandb") == "--log wandb needs the wandb package: pip install 'colourise[wandb]' (training goes on without it)"
    assert isinstance(train(tiny_config(log=["wandb"], steps=1)), TrainingFinished)

    from engine.cli.main import main

    config = tiny_config(steps=1)
    code = main(["--models-dir", config.library_dir, "train", "--data", config.data[0], "--arch", "alpha", "--size", "32", "--steps", "1", "--device", "cpu",
                 "--run-dir", config.run_dir, "--log", "wandb", "--no-progress"])
    assert code == 0
    assert "colourise train: note: --log wandb needs the wandb package: pip install 'colourise[wandb]'" in capsys.readouterr().err


def test_an_unknown_tracker_is_a_config_error(tiny_config):
    with pytest.raises(ValueError, match='log: expected a list naming tensorboard and/or wandb, got \\["mlflow"\\]'):
        tiny_config(log=["mlflow"]).validate()


def wandb_history(path) -> dict[int, dict[str, float]] | None:
    """step -> logged values, read from an offline run's ``.wandb`` file (a LevelDB-style log of protobuf records).

    None until the file is complete (ends with the run's exit record): wandb's service process
    writes it, and may still be writing when ``run.finish()`` has returned.
    """
    import json
    import struct

    from wandb.proto import wandb_internal_pb2

    data, block, header = path.read_bytes(), 32768, 7
    assert data[:4] == b":W&B"
    pos, pending, history, complete = 7, b"", {}, False
    while pos + header <= len(data):
        left = block - pos % block
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + header]) if left >= header else (0, 0, 0)
        if kind == 0:  # the zero padding at a block's end
            pos += left
            continue
        if pos + header + length > len(data):
            return None  # the service process is still writing this record
        chunk = data[pos + header : pos + header + length]
        pos += header + length
        pending = chunk if kind in (1, 2) else pending + chunk  # FULL, FIRST | MIDDLE, LAST
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            complete = complete or record.WhichOneof("record_type") == "exit"
            if record.WhichOneof("record_type") == "history":
                row = history.setdefault(record.history.step.num, {})
                row.update({item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item})
    return history if complete else None


def test_wandb_offline_run_holds_the_metrics(tiny_config, tmp_path, monkeypatch, recorder):
    pytest.importorskip("wandb", reason="pip install '.[wandb]'")

    for var in ("WANDB_DIR", "WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(var, str(tmp_path / "wandb-home"))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_PROJECT", "colourise-tests")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    rec = recorder()
    result = train(tiny_config(log=["wandb"], steps=4, batch_size=2, val_every_steps=2), rec.state)
    assert isinstance(result, TrainingFinished)
    runs = list((tmp_path / "wandb-home" / "wandb").glob("offline-run-*"))
    assert len(runs) == 1
    run_id = (result.run_dir / "wandb-id.txt").read_text().strip()
    deadline = time.monotonic() + 60
    while (history := wandb_history(runs[0] / f"run-{run_id}.wandb")) is None and time.monotonic() < deadline:
        time.sleep(0.2)  # wandb's own process finishes the file: nothing to wait on but the file
    assert history is not None, "the offline run file was never completed"
    assert sorted(s for s, row in history.items() if "val/psnr" in row) == [2, 4], {s: sorted(r) for s, r in history.items()}
    assert history[4]["val/psnr"] == pytest.approx(result.metrics["psnr"])
    assert sorted(s for s, row in history.items() if "train/loss" in row) == [e.step for e in rec.of(TrainingStep)]
    assert len(list((runs[0] / "files" / "media" / "images").glob("previews_*.png"))) == 2
