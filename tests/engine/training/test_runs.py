"""engine.runs (and engine.training.runstatus): every run folder read back with its status, progress, metrics, curves and settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.events import CheckpointSaved, TrainingCancelled, TrainingFailed, TrainingFinished
from engine.runs import differing_settings, list_runs, read_curves, read_run, RunSummary
from engine.training import register_loss, train, unregister_loss
from engine.training.runstatus import RunStatus, read_status


@pytest.fixture
def three_runs(tiny_config, tmp_path, recorder):
    """A finished, a stopped (after its checkpoint at step 2) and a failed run in one runs folder."""
    finished = train(tiny_config(name="finished", steps=3, lr=3e-3))
    assert isinstance(finished, TrainingFinished)
    rec = recorder(stop_when=lambda e: isinstance(e, CheckpointSaved) and e.step == 2)
    stopped = train(tiny_config(name="stopped", steps=6, checkpoint_every_steps=2, val_every_steps=2), rec.state)
    assert isinstance(stopped, TrainingCancelled)
    register_loss("test_goes_nan")(lambda model, l_norm, ab_norm: model(l_norm).mean() * float("nan"))
    try:  # (a run that cannot start, on a folder without colour photos say, leaves no run folder)
        failed = train(tiny_config(name="failed", loss="test_goes_nan"))
    finally:
        unregister_loss("test_goes_nan")
    assert isinstance(failed, TrainingFailed) and failed.run_dir is not None
    return {"finished": finished.run_dir, "stopped": stopped.run_dir, "failed": failed.run_dir, "parent": tmp_path / "runs"}


def by_model_name(runs):
    return {r.model_name: r for r in runs}


def test_finished_stopped_and_failed_runs_are_told_apart(three_runs):
    runs = by_model_name(list_runs(three_runs["parent"]))
    assert set(runs) == {"finished", "stopped", "failed"}

    done = runs["finished"]
    assert (done.status, done.arch, done.steps, done.total_steps, done.resumable) == ("finished", "alpha", 3, 3, False)
    assert done.model.endswith("finished.safetensors") and done.preview.endswith(".png")
    assert {"psnr", "auc", "colourfulness"} <= set(done.metrics) and done.val_loss is not None
    assert done.seconds is not None and done.seconds >= 0 and done.started[:2] == "20"

    stopped = runs["stopped"]
    assert (stopped.status, stopped.steps, stopped.total_steps, stopped.resumable) == ("stopped", 2, 6, True)
    assert stopped.message == "stopped by the user" and stopped.model == ""

    failed = runs["failed"]
    assert failed.status == "failed" and failed.message.startswith("the loss became NaN at step 1") and not failed.resumable


def test_a_run_goes_by_the_name_its_model_got_in_the_library(tiny_config, alpha_model_file):
    first = train(tiny_config(name="twin", steps=1))
    second = train(tiny_config(name="twin", steps=1))  # the library numbers the second
    assert [read_run(r.run_dir).model_name for r in (first, second)] == ["twin", second.model_path.stem] and second.model_path.stem != "twin"
    unnamed = train(tiny_config(init_from=str(alpha_model_file), steps=1))
    assert read_run(unnamed.run_dir).model_name == "alpha-fine-tuned" == unnamed.model_path.stem


def test_a_run_finds_its_model_renamed_in_the_library_and_not_a_namesakes(tiny_config):
    from engine.library import rename_model

    first = train(tiny_config(name="twin", steps=1))
    second = train(tiny_config(name="twin", steps=1))  # the same model name in its run folder; twin-2 in the library
    rename_model(second.model_path.stem, "second")
    rename_model("twin", "first")
    assert [Path(read_run(r.run_dir).model) for r in (first, second)] == [
        first.model_path.with_name("first.safetensors"), second.model_path.with_name("second.safetensors")]
    assert read_run(first.run_dir).model_name == "first"
    first.model_path.with_name("first.safetensors").unlink()  # deleted: only the run folder's own copy is left
    assert Path(read_run(first.run_dir).model).parent == first.run_dir


def test_a_killed_run_is_stopped_and_resumable_and_a_live_one_is_running(three_runs):
    run_dir = three_runs["stopped"]
    # what a process killed mid-run leaves: status still "running", but nobody holds the lock
    status = read_status(run_dir)
    (run_dir / "status.json").write_text(json.dumps({**status, "state": "running", "message": ""}))
    killed = read_run(run_dir)
    assert killed.status == "stopped" and killed.resumable and "ended unexpectedly" in killed.message

    live = RunStatus.begin(run_dir)  # this process trains it now
    try:
        assert read_run(run_dir).status == "running"
    finally:
        live.end(None)
    assert read_run(run_dir).status == "stopped"


def test_a_second_process_cannot_train_a_running_run(three_runs, tiny_config):
    from engine.training import resume_config

    live = RunStatus.begin(three_runs["stopped"])
    try:
        result = train(resume_config(three_runs["stopped"]))
        assert isinstance(result, TrainingFailed) and "already being trained" in result.message
    finally:
        live.release()
    assert read_status(three_runs["stopped"])["pid"]  # the live run's status was left alone


def test_a_run_folder_from_before_status_files_is_judged_by_its_contents(three_runs):
    for key in ("finished", "stopped"):
        (three_runs[key] / "status.json").unlink()
        (three_runs[key] / "run.lock").unlink()
    runs = by_model_name(list_runs(three_runs["parent"]))
    assert runs["finished"].status == "finished" and runs["stopped"].status == "stopped"


def test_curves_and_the_settings_that_differ(three_runs):
    curves = read_curves(three_runs["finished"])
    assert [s for s, _ in curves["train"]["loss"]] == [1, 2, 3]
    assert [s for s, _ in curves["val"]["psnr"]] == [1, 2, 3]  # 7 photos in batches of 4: an epoch a step
    runs = [read_run(three_runs["finished"]), read_run(three_runs["stopped"])]
    differ = differing_settings(runs)
    assert differ["lr"] == [3e-3, 1e-3] and differ["steps"] == [3, 6] and differ["name"] == ["finished", "stopped"]
    assert "data" not in differ and "run_dir" not in differ and "augment.hflip" not in differ
    assert differing_settings(runs[:1]) == {}


def test_runs_json_round_trip(three_runs, capsys):
    assert main(["runs", "--json", "--run-dir", str(three_runs["parent"])]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [RunSummary.from_dict(r) for r in data["runs"]] == list_runs(three_runs["parent"])
    assert data["differing_settings"]["name"] == [r["model_name"] for r in data["runs"]]


def test_runs_table(three_runs, capsys):
    assert main(["runs", "--run-dir", str(three_runs["parent"])]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:8] == ["run", "arch", "status", "steps", "started", "time", "img/s", "PSNR"]
    assert any(line.startswith("finished-") and " finished " in line for line in lines)
    assert any(line.startswith("stopped-") and " stopped " in line and " 2/6 " in line for line in lines)
    assert "failed: the loss became NaN" in out and "settings that differ:" in out
    finished = next(line for line in lines if line.startswith("finished-"))
    assert lines[0].rstrip().endswith("hue accuracy") and finished.rstrip().endswith(" %")  # a percentage, as evaluate says it


def test_scores_measured_on_the_training_photos_are_marked_as_models_are(three_runs, tiny_config, photo_folder, capsys):
    """A run with nothing held out (its validation folder its training photos) showed its last validation figures in
    `colourise runs` as any other's, though measured on its own training photos, as `colourise models` now says."""
    own = train(tiny_config(val=[str(photo_folder)], steps=1, name="own"))
    assert isinstance(own, TrainingFinished)
    assert read_run(own.run_dir).validated_on == "training photos"  # dataset.json: "training photos (nothing held out)"
    assert read_run(three_runs["finished"]).validated_on == "validation photos"

    assert main(["runs", "--run-dir", str(three_runs["parent"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert next(line for line in lines if line.startswith("own-")).rstrip().endswith(" % (training photos)")  # after the last score
    assert "(training photos)" not in next(line for line in lines if line.startswith("finished-"))
    assert main(["runs", "--json", "--run-dir", str(three_runs["parent"])]) == 0
    runs = {r["model_name"]: r for r in json.loads(capsys.readouterr().out)["runs"]}
    assert (runs["own"]["validated_on"], runs["finished"]["validated_on"]) == ("training photos", "validation photos")

    report = json.loads((own.run_dir / "dataset.json").read_text())
    del report["validation_from"]  # a run from before dataset.json said: not known, not marked
    (own.run_dir / "dataset.json").write_text(json.dumps(report))
    assert read_run(own.run_dir).validated_on is None
    assert main(["runs", "--run-dir", str(three_runs["parent"])]) == 0
    assert "(training photos)" not in capsys.readouterr().out
    assert main(["runs", "--json", "--run-dir", str(three_runs["parent"])]) == 0
    assert {r["model_name"]: r["validated_on"] for r in json.loads(capsys.readouterr().out)["runs"]}["own"] is None


def test_the_settings_that_differ_leave_out_the_name_and_many_runs_read_by_value(three_runs, capsys):
    """With 25 runs the table had a column each (lines of 700 characters), and a row of names that always differ."""
    assert main(["runs", "--run-dir", str(three_runs["parent"])]) == 0
    compared = capsys.readouterr().out.split("settings that differ:\n", 1)[1].splitlines()
    assert compared[0].split()[0] == "setting" and not any(line.startswith("name ") for line in compared)
    assert any(line.split()[:1] == ["lr"] for line in compared)
    from engine.cli.runs_cmd import settings_that_differ

    names = [f"run-{i:02d}" for i in range(25)]
    text = settings_that_differ(names, {"name": names, "lr": [0.001] * 24 + [0.01], "arch": ["alpha"] * 10 + ["beta"] * 15})
    assert text.splitlines() == [
        "lr: 0.01 (run run-24), 0.001 (the other 24 runs)",
        "arch: alpha (runs run-00, run-01, run-02 and 7 more), beta (the other 15 runs)",
    ]
    assert settings_that_differ(names[:2], {"name": names[:2]}) == ""  # (names alone: nothing to compare)


def test_no_runs(tmp_path, capsys):
    (tmp_path / "none").mkdir()
    assert main(["runs", "--run-dir", str(tmp_path / "none")]) == 0
    assert "no training runs in" in capsys.readouterr().out
    assert main(["runs", "--json", "--run-dir", str(tmp_path / "none")]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == []
    # A folder that is not there is a mistyped path, not a folder without runs (it said "no training runs", exit 0).
    assert main(["runs", "--run-dir", str(tmp_path / "typo")]) == 2
    assert capsys.readouterr().err == f"colourise runs: error: {tmp_path / 'typo'}: no such folder\n"


def test_without_run_dir_it_reads_runs_here_or_the_windows_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(tmp_path / "app" / "models"))
    assert main(["runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run_dir"] == str(tmp_path / "app" / "runs")
    (tmp_path / "runs").mkdir()
    assert main(["runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run_dir"] == "runs"


def test_steps_count_the_checkpointed_step_even_when_its_loss_was_not_logged(three_runs):
    # Stopping between two logged losses: the checkpoint (and status.json) hold step 3 while
    # metrics.jsonl's last line is step 2. The Runs tab must agree with the Train page's
    # "Checkpoint kept at step 3" and with where Resume continues.
    run_dir = three_runs["stopped"]
    status = read_status(run_dir)
    logged = read_run(run_dir).steps
    (run_dir / "status.json").write_text(json.dumps({**status, "step": logged + 1}))
    assert read_run(run_dir).steps == logged + 1


def test_measured_speed_is_the_newest_matching_runs_median_logged_speed(three_runs):
    from engine.runs import measured_speed, read_rows

    runs = list_runs(three_runs["parent"])
    newest_with_speed = [r for r in runs if r.images_per_second][0]
    assert newest_with_speed.model_name == "stopped"  # the failed run, newer still, logged no step
    logged = [r["images_per_second"] for r in read_rows(newest_with_speed.path) if r.get("type") == "train"][1:]
    assert newest_with_speed.images_per_second in logged  # a logged speed, the warm-up row left out
    size, device = newest_with_speed.settings["image_size"], newest_with_speed.settings["device"]
    assert device == "cpu" and measured_speed(runs, "alpha", size, device) is newest_with_speed
    assert measured_speed(runs, "alpha", size * 2, device) is None  # another crop size trains at another speed
    assert measured_speed(runs, "alpha", size, "cuda") is None
    assert measured_speed(runs, "model3", size, device) is None


def test_a_saved_preview_grid_reads_back_as_the_photos_it_shows(tmp_path):
    import numpy as np

    from engine.training.runfolder import RunFolder, read_preview

    rng = np.random.default_rng(0)
    triplets = [tuple(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(3)) for _ in range(2)]
    path = RunFolder(tmp_path).write_preview(3, triplets)
    read = read_preview(path)
    assert len(read) == 2 and all(np.array_equal(a, b) for got, made in zip(read, triplets) for a, b in zip(got, made))
    (tmp_path / "not-a-grid.png").write_bytes(b"nothing")
    assert read_preview(tmp_path / "not-a-grid.png") == []


def test_a_preview_grids_gaps_are_mid_grey_and_older_white_gapped_grids_still_read(tmp_path):
    """White gaps framed every preview in bright white on a dark page; a mid grey reads on light and dark pages alike."""
    import numpy as np
    from PIL import Image

    from engine.training.runfolder import preview_grid, read_preview

    rng = np.random.default_rng(1)
    triplets = [tuple(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8) for _ in range(3)) for _ in range(2)]
    grid = preview_grid(triplets)
    gaps = np.ones(grid.shape[:2], bool)
    for row in range(2):
        for column in range(3):
            gaps[2 + row * 10 : 2 + row * 10 + 8, 2 + column * 10 : 2 + column * 10 + 8] = False
    assert np.all(grid[gaps] == 128)
    older = grid.copy()
    older[gaps] = 255  # as previews were written before
    Image.fromarray(older).save(tmp_path / "epoch-001.png")
    read = read_preview(tmp_path / "epoch-001.png")
    assert len(read) == 2 and all(np.array_equal(a, b) for got, made in zip(read, triplets) for a, b in zip(got, made))


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_preview_that_is_a_named_pipe_reads_as_no_preview_without_waiting_on_it(tmp_path, past_pipes):
    import os

    from engine.training.runfolder import read_preview

    (tmp_path / "previews").mkdir()
    pipe = tmp_path / "previews" / "epoch-001.png"
    os.mkfifo(pipe)
    assert past_pipes(lambda: read_preview(pipe), pipe) == []


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_run_files_that_are_named_pipes_read_as_unreadable_without_waiting_on_them(tmp_path, past_pipes):
    """The Runs page reads every run folder every few seconds: a named pipe called status.json (or metrics.jsonl,
    dataset.json, a model file) blocked it forever, waiting for a writer. Each reads as a file that cannot be read."""
    import os

    parent = tmp_path / "runs"
    odd, renamed = parent / "odd-20261201-102059", parent / "renamed-20261201-102100"
    for run in (odd, renamed):
        run.mkdir(parents=True)
        (run / "config.toml").write_text('arch = "alpha"\nepochs = 2\nbatch_size = 2\n')
    pipes = [odd / "status.json", odd / "metrics.jsonl", odd / "dataset.json", renamed / "metrics.jsonl", renamed / "renamed.safetensors"]
    for pipe in pipes:
        os.mkfifo(pipe)
    (renamed / "status.json").write_text(json.dumps({"state": "finished", "model": str(tmp_path / "models" / "gone.safetensors")}))
    runs = {run.name: run for run in past_pipes(lambda: list_runs(parent), *pipes)}
    assert (runs[odd.name].status, runs[odd.name].steps, runs[odd.name].total_steps) == ("failed", 0, None)
    assert runs[odd.name].message == "no checkpoint or model: the run ended before saving anything"
    assert (runs[renamed.name].status, runs[renamed.name].steps) == ("finished", 0)


def test_a_preview_over_a_low_photo_size_limit_reads_as_no_preview_instead_of_failing(tmp_path):
    import numpy as np

    from engine import photo as photo_module
    from engine.training.runfolder import RunFolder, read_preview

    triplets = [tuple(np.zeros((16, 16, 3), np.uint8) for _ in range(3))]
    path = RunFolder(tmp_path).write_preview(1, triplets)  # 56 x 20: 1,120 pixels
    previous = photo_module.max_photo_pixels()
    photo_module.set_max_photo_pixels(100)  # the one setting ($COLOURISE_MAX_MEGAPIXELS=0.0001)
    try:
        read = read_preview(path)  # (raised Pillow's DecompressionBombError)
    finally:
        photo_module.set_max_photo_pixels(previous)
    assert read == []
