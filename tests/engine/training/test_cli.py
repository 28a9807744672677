"""`colourise train` and `colourise evaluate` through the real command-line entry point."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.distributed.run
from PIL import Image

from engine.cli import train_cmd
from engine.cli.main import build_parser, main
from engine.training import TrainConfig


def train_flags(photo_folder, tmp_path, *extra):
    return ["train", "--data", str(photo_folder), "--arch", "alpha", "--size", "32", "--batch-size", "2", "--steps", "2",
            "--run-dir", str(tmp_path / "runs"), "--device", "cpu", *extra]


def test_train_from_flags_prints_the_run_folder_and_the_model(photo_folder, library, tmp_path, capsys):
    code = main(["--models-dir", str(library), *train_flags(photo_folder, tmp_path, "--name", "cli-model")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("run folder: " + str(tmp_path / "runs" / "cli-model-"))
    assert f"finished after 2 steps; model saved to {library / 'cli-model.safetensors'}" in out
    assert "training on 7 photos, validating on 1, device cpu" in err
    assert (library / "cli-model.safetensors").is_file()


def test_train_from_a_config_file_with_overrides(photo_folder, library, tmp_path, capsys):
    config = TrainConfig(arch="alpha", data=[str(photo_folder)], image_size=32, batch_size=2, epochs=50,
                         run_dir=str(tmp_path / "runs"), library_dir=str(library), device="cpu", name="from-file")
    path = config.save(tmp_path / "recipe.toml")
    code = main(["train", "--config", str(path), "--steps", "1", "--set", "preview_count=1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "finished after 1 step;" in out and "from-file.safetensors" in out


def test_flags_override_the_config(tmp_path):
    path = TrainConfig(arch="beta", data=["a"], epochs=3, lr=0.1, arch_params={"width": 4}).save(tmp_path / "c.toml")
    args = build_parser().parse_args(["train", "--config", str(path), "--arch", "alpha", "--epochs", "7", "--lr", "0.01",
                                      "--data", "x", "--data", "y", "--val", "v", "--from", "base", "--seed", "3",
                                      "--set", "schedule=\"onecycle\"", "--set", "augment.hflip=false", "--set", "cache_images=false"])
    config = train_cmd.config_from_args(args)
    assert (config.arch, config.arch_params, config.epochs, config.steps, config.lr) == ("alpha", {"width": 8}, 7, 0, 0.01)
    assert (config.data, config.val, config.init_from, config.seed) == (["x", "y"], ["v"], "base", 3)
    assert (config.schedule, config.augment.hflip, config.cache_images) == ("onecycle", False, False)


def test_set_reaches_the_architectures_settings(tmp_path):
    # How a command-line user makes a colour_unet that takes hints without writing a config file.
    args = build_parser().parse_args(["train", "--data", "x", "--arch", "colour_unet", "--set", "arch_params.hint_input=true",
                                      "--set", "arch_params.decoder_widths=[16, 16, 16, 16]"])
    config = train_cmd.config_from_args(args)
    assert config.arch_params["hint_input"] is True and config.arch_params["decoder_widths"] == [16, 16, 16, 16]


def test_a_fine_tune_from_flags_starts_from_the_models_settings_and_set_changes_some(tmp_path):
    from engine.modelfile import save_model
    from engine.models import create_model

    model = save_model(tmp_path / "unet.safetensors", create_model("colour_unet", decoder_widths=[8, 8, 8, 8]))
    args = build_parser().parse_args(["train", "--data", "x", "--from", str(model), "--set", "arch_params.encoder_lr_factor=0"])
    config = train_cmd.config_from_args(args)  # no --arch: the model's, not alpha's
    assert (config.arch, config.arch_params) == ("colour_unet", {"encoder_lr_factor": 0})
    from engine.training.recipe import FINE_TUNE_RECIPE_FILE, shipped_recipe

    stage = shipped_recipe(FINE_TUNE_RECIPE_FILE)  # the settings the window's fine-tunes start from
    assert (config.lr, config.image_size, config.warmup_steps) == (stage.lr, stage.image_size, stage.warmup_steps)
    args = build_parser().parse_args(["train", "--data", "x", "--arch", "colour_unet", "--from", str(model)])
    assert train_cmd.config_from_args(args).arch_params == {}  # not the architecture's defaults, which would undo the model's


def test_train_without_data_is_a_usage_error(capsys):
    assert main(["train"]) == 2
    assert "give --config FILE, --data DIR or --resume RUN_DIR" in capsys.readouterr().err


def test_a_bad_config_file_is_a_one_line_usage_error(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('optimiser = "adam"\n')
    assert main(["train", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"colourise train: error: {path}: unknown training setting: optimiser\n"


def test_a_bad_value_in_a_config_file_names_the_file_as_given(tmp_path, monkeypatch, capsys):
    """It read as --set lr=fast does, so the user could not tell the file from the flags."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "bad-lr.toml").write_text('arch = "alpha"\ndata = ["photos"]\nlr = "fast"\n')
    assert main(["train", "--config", "cfg/bad-lr.toml"]) == 2
    assert capsys.readouterr().err == 'colourise train: error: cfg/bad-lr.toml: lr: expected a number above 0, at most 1, got "fast"\n'
    assert main(["train", "--config", "cfg/bad-lr.toml", "--set", "lr=0.01", "--set", "optimizer=adamx"]) == 2
    assert capsys.readouterr().err == 'colourise train: error: optimizer: expected one of adam, adamw, sgd, rmsprop, got "adamx"\n'
    (tmp_path / "cfg" / "unknown.toml").write_text('optimiser = "adam"\n')
    assert main(["train", "--config", "cfg/unknown.toml"]) == 2
    assert capsys.readouterr().err == "colourise train: error: cfg/unknown.toml: unknown training setting: optimiser\n"


def test_a_missing_folder_or_file_in_a_config_names_the_file_and_the_key(photo_folder, tmp_path, monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    nodata = tmp_path / "nodata.toml"
    nodata.write_text(f'arch = "alpha"\ndata = ["nosuchdir"]\nrun_dir = "{tmp_path / "runs"}"\n')
    assert main(["train", "--config", str(nodata)]) == 2
    assert capsys.readouterr().err == (f"colourise train: error: {nodata}: data: nosuchdir: no such folder "
                                       f"(relative paths are read from the current folder: {elsewhere})\n")
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(f'arch = "alpha"\ndata = ["{photo_folder}"]\nexclude = ["configs/dev-split.txt"]\nrun_dir = "{tmp_path / "runs"}"\n')
    assert main(["train", "--config", str(recipe)]) == 2
    assert capsys.readouterr().err == (f"colourise train: error: {recipe}: exclude: configs/dev-split.txt: no such file "
                                       f"(relative paths are read from the current folder: {elsewhere})\n")
    assert main(["train", "--config", str(recipe), "--data", "typo"]) == 2  # a flag's folder: the flag's own fault
    assert capsys.readouterr().err == "colourise train: error: --data: typo: no such folder\n"
    assert not (tmp_path / "runs").exists()  # said before any work


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_config_file_that_is_a_named_pipe_is_a_one_line_usage_error_instead_of_waiting_forever(tmp_path, capsys, past_pipes):
    pipe = tmp_path / "recipe.toml"
    os.mkfifo(pipe)
    assert past_pipes(lambda: main(["train", "--config", str(pipe)]), pipe) == 2
    assert capsys.readouterr().err == f"colourise train: error: {pipe}: not a regular file\n"


@pytest.mark.parametrize("flags, said", [
    (["--lr", "-1"], "--lr: expected a number above 0, at most 1, got -1.0"),  # the flag typed, not the key it sets
    (["--size", "3"], "--size: expected a whole number from 8 to 2048, got 3"),
    (["--set", "val_fraction=2"], "val_fraction: expected a number from 0 up to (not including) 1, got 2"),
])
def test_a_bad_setting_is_a_one_line_usage_error_before_any_work(photo_folder, tmp_path, library, capsys, flags, said):
    """It was "training failed: ..." with exit code 1, after a run folder was made for it."""
    assert main([*train_flags(photo_folder, tmp_path), *flags]) == 2
    assert capsys.readouterr().err == f"colourise train: error: {said}\n"
    assert not list(tmp_path.glob("runs/*"))


def test_photos_smaller_than_the_crops_get_a_note(photo_folder, tmp_path, library, capsys):
    small = tmp_path / "small"
    small.mkdir()
    Image.fromarray(np.full((20, 24, 3), (200, 60, 40), np.uint8)).save(small / "tiny.png")
    assert main(train_flags(photo_folder, tmp_path, "--data", str(small), "--no-progress")) == 0
    note = "note: 1 training photo is smaller than the 32 px crops and enlarged, which blurs its colours: tiny.png"
    assert note in capsys.readouterr().err.splitlines()


def test_a_failed_run_exits_1_with_the_reason(tmp_path, library, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(train_flags(empty, tmp_path)) == 1
    err = capsys.readouterr().err
    assert err == f"colourise train: error: training failed: no usable colour photos in {empty} (no image files)\n"  # one line
    assert not (tmp_path / "runs").exists()  # and no run folder for `colourise runs` to list as failed at 0 steps


def test_resume_flag_continues_a_run(photo_folder, library, tmp_path, capsys):
    assert main(train_flags(photo_folder, tmp_path, "--checkpoint-every-steps", "1")) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), "--steps", "3"]) == 0
    out, err = capsys.readouterr()
    assert "resuming at step 2 of 3" in err and "finished after 3 steps" in out


def test_resuming_a_finished_run_says_so_and_changes_nothing(photo_folder, library, tmp_path, capsys):
    # It said "resuming at step 2 of 2" and "finished after 2 steps; model saved to ...", though nothing trained.
    assert main(train_flags(photo_folder, tmp_path, "--name", "done")) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    model = library / "done.safetensors"
    files = {path: path.read_bytes() for path in [*run_dir.rglob("*"), model] if path.is_file()}
    saved_at = model.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{run_dir}: finished already at step 2; its model is {library / 'done.safetensors'}\n" and err == ""
    assert {path: path.read_bytes() for path in files} == files and model.stat().st_mtime_ns == saved_at  # the run as it was


def test_nproc_launches_torchrun_with_the_same_flags(monkeypatch, photo_folder, tmp_path):
    calls = []
    monkeypatch.setattr(train_cmd, "run_forwarding_stops", lambda command: calls.append(command) or 0)
    code = main(["--models-dir", "lib", *train_flags(photo_folder, tmp_path, "--nproc", "3", "--set", "augment.hflip=false")])
    assert code == 0
    command = calls[0]
    assert command[:6] == [sys.executable, "-m", "engine.cli.torchrun", "--standalone", "--nproc-per-node", "3"]
    # torchrun gives the ranks time to end after a stop: rank 0 may be validating before its checkpoint
    launcher = torch.distributed.run.parse_args(command[3:])
    assert launcher.shutdown_timeout == train_cmd.RANK_STOP_SECONDS >= 300 and launcher.training_script == "engine.train"
    rest = command[command.index("engine.train") + 1 :]
    assert rest[rest.index("--data") + 1] == str(photo_folder) and rest[rest.index("--size") + 1] == "32"
    assert rest[rest.index("--set") + 1] == "augment.hflip=false" and rest[rest.index("--models-dir") + 1] == "lib"
    assert "--nproc" not in rest


@pytest.mark.parametrize("flags, said", [
    (["--set", "lr=fast"], 'lr: expected a number above 0, at most 1, got "fast"'),
    (["--data", "nosuchdir"], "--data: nosuchdir: no such folder"),
])
def test_nproc_with_a_bad_setting_is_one_line_before_torchrun_starts(monkeypatch, photo_folder, tmp_path, capsys, flags, said):
    """Each rank said it (twice, under torchrun's start-up seconds) and torchrun ended failed."""
    monkeypatch.setattr(train_cmd, "run_forwarding_stops", lambda command: pytest.fail("torchrun was started"))
    assert main(train_flags(photo_folder, tmp_path, "--nproc", "2", *flags)) == 2
    assert capsys.readouterr().err == f"colourise train: error: {said}\n"
    assert not (tmp_path / "runs").exists()


STOPPABLE_CHILD = """
import os, signal, sys
received = []
signal.signal(signal.SIGTERM, lambda signum, frame: received.append("SIGTERM"))
signal.signal(signal.SIGINT, lambda signum, frame: received.append("SIGINT"))
for _ in range(int(sys.argv[2])):  # the user's Ctrl-C (or a SIGTERM, or a closed terminal) reaching the colourise process
    os.kill(os.getppid(), getattr(signal, sys.argv[3]))
while not received:
    signal.pause()
with open(sys.argv[1], "w") as f:
    f.write(" ".join(received) + (" own-session" if os.getsid(0) != os.getsid(os.getppid()) else ""))
sys.exit(1)  # as torchrun ends after a signal
"""


class ClosedTerminal(io.TextIOBase):
    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")


# SIGHUP: the terminal was closed (it once reached no rank: they have a session of their own).
@pytest.mark.parametrize("stops, name", [(1, "SIGINT"), (2, "SIGINT"), (1, "SIGTERM"), (1, "SIGHUP")])
def test_a_stop_of_the_launcher_is_passed_on_to_torchrun_once(tmp_path, monkeypatch, stops, name):
    def not_passed_on(signum, frame):  # (what a signal run_forwarding_stops does not take would reach here)
        raise AssertionError(f"{name} was not passed on")

    if name == "SIGHUP":  # a closed terminal: writing to it fails
        monkeypatch.setattr(sys, "stderr", ClosedTerminal())
    report = tmp_path / "child.txt"
    before = signal.signal(getattr(signal, name), not_passed_on)
    try:
        code = train_cmd.run_forwarding_stops([sys.executable, "-c", STOPPABLE_CHILD, str(report), str(stops), name])
    finally:
        signal.signal(getattr(signal, name), before)
    assert code == train_cmd.EXIT_STOPPED
    assert report.read_text() == "SIGTERM own-session"  # one clean stop, and no Ctrl-C of its own from the terminal


def test_python_m_engine_train_parses_the_same_flags(photo_folder, library, tmp_path, capsys):
    from engine import train as entry

    code = entry.main(["--data", str(photo_folder), "--size", "32", "--steps", "1", "--device", "cpu",
                       "--run-dir", str(tmp_path / "runs"), "--models-dir", str(library), "--name", "entry"])
    assert code == 0 and (library / "entry.safetensors").is_file()


def test_python_m_engine_train_help_lists_the_architectures_as_colourise_train_does(capsys):
    """It said "e.g. colour_unet"."""
    from engine import train as entry
    from engine.models import list_models

    with pytest.raises(SystemExit) as ended:
        entry.main(["--help"])
    assert ended.value.code == 0
    arch_help = capsys.readouterr().out.split("\n  --arch NAME", 1)[1].split("\n  --", 1)[0]
    assert all(name in arch_help for name in list_models()) and "e.g." not in arch_help, arch_help


# -- evaluate --------------------------------------------------------------------------------------
@pytest.fixture
def eval_folder(make_photos, tmp_path):
    folder = make_photos(tmp_path / "eval", 3, size=48)
    Image.fromarray(np.full((48, 48), 90, np.uint8)).save(folder / "grey.png")
    return folder


def test_evaluate_prints_model_and_grey_baseline(alpha_model_file, eval_folder, capsys):
    code = main(["evaluate", "--model", str(alpha_model_file), str(eval_folder), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"3 photos in {eval_folder} (1 skipped)"
    assert lines[1].split() == ["metric", "alpha", "grey", "baseline"]
    assert any(line.startswith("PSNR") for line in lines) and any(line.startswith("a/b AuC") for line in lines)
    assert "skipped grey.png: greyscale, no colour to compare with" in err


def test_evaluate_several_models_side_by_side(alpha_model_file, eval_folder, tmp_path, capsys):
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(5)
    other = save_model(tmp_path / "other.safetensors", create_model("alpha"))
    code = main(["evaluate", "-m", str(alpha_model_file), "-m", str(other), str(eval_folder), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].split() == ["metric", "alpha", "other", "grey", "baseline"]
    psnr = next(line for line in lines if line.startswith("PSNR")).split()
    assert len(psnr) == 1 + 4 + 3 * 2 and psnr[-4] != psnr[-6]  # "PSNR (dB, higher is better)", then value and "dB" thrice
    assert err.count("skipped grey.png") == 1  # said once, not once a model
    assert main(["evaluate", "-m", str(alpha_model_file), "-m", str(other), str(eval_folder), "--json", "--limit", "1"]) == 0
    reports = json.loads(capsys.readouterr().out)["reports"]
    assert [r["model_name"] for r in reports] == ["alpha", "other"] and all(r["count"] == 1 for r in reports)
    assert main(["evaluate", "-m", str(alpha_model_file), str(eval_folder), "--json", "--limit", "2", "--spread"]) == 0
    names = sorted(p.name for p in eval_folder.iterdir() if p.name != "grey.png")
    scored = [p["name"] for p in json.loads(capsys.readouterr().out)["reports"][0]["photos"]]
    assert scored[0] == names[-1] and len(scored) == 2  # the last comes first (the grey one, spread's other pick, is skipped)


def test_evaluate_json_has_means_and_per_photo_scores(alpha_model_file, eval_folder, capsys):
    assert main(["evaluate", "--model", str(alpha_model_file), str(eval_folder), "--json", "--limit", "2", "--device", "cpu"]) == 0
    # {"reports": [...]} for one model as for several: it was the bare report for one, so scripts had to read both shapes
    output = json.loads(capsys.readouterr().out)
    assert list(output) == ["reports"] and len(output["reports"]) == 1
    report = output["reports"][0]
    assert report["count"] == 2 and len(report["photos"]) == 2 and report["model_name"] == "alpha"
    assert report["grey"]["colourfulness"] == pytest.approx(0, abs=0.5)
    assert report["model"]["psnr"] > 0 and 0 <= report["model"]["auc"] <= 1
    assert 0 <= report["model"]["hue_accuracy"] <= 1 and report["grey"]["hue_accuracy"] == 0
    assert report["model"]["cast"] >= 0
    assert not report["model"]["false_colour"] < 0  # NaN: these generated photos have no neutral pixel
    assert {"cast_a", "cast_b", "hue_accuracy"} <= set(report["photos"][0]["model"])
    confusion = report["hue_confusion"]
    assert confusion["sectors"] == ["red", "yellow", "green", "cyan", "blue", "magenta"]
    assert len(confusion["counts"]) == 6 and {len(row) for row in confusion["counts"]} == {6}


def test_evaluate_a_photo_list_and_say_when_its_photos_are_missing(alpha_model_file, eval_folder, tmp_path, capsys):
    names = sorted(p.name for p in eval_folder.iterdir() if p.name != "grey.png")
    listing = tmp_path / "some.txt"
    listing.write_text(f"# two photos\neval/{names[0]}\neval/{names[1]}\neval/gone.jpg\n")
    code = main(["evaluate", "--model", str(alpha_model_file), str(listing), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"2 photos in {listing}")
    assert any(line.startswith("hue accuracy") for line in out.splitlines())
    assert "1 listed photo is missing" in err and "gone.jpg" in err  # (was "1 listed photos are missing")


def test_evaluate_one_photo(alpha_model_file, eval_folder, capsys):
    photo = sorted(p for p in eval_folder.iterdir() if p.name != "grey.png")[0]
    code = main(["evaluate", "--model", str(alpha_model_file), str(photo), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    [report] = json.loads(out)["reports"]
    assert report["count"] == 1 and [p["name"] for p in report["photos"]] == [photo.name]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
def test_evaluate_on_cuda_without_a_gpu_is_one_line_and_a_usage_error(alpha_model_file, eval_folder, capsys):
    """It said "RuntimeError: ... (set COLOURISE_DEBUG=1 for details)" and exited 1, where images said it plainly."""
    assert main(["evaluate", "--model", str(alpha_model_file), str(eval_folder), "--device", "cuda"]) == 2
    assert capsys.readouterr().err == "colourise evaluate: error: CUDA was asked for, but no CUDA GPU is available; use --device cpu\n"


def test_evaluate_a_missing_folder_or_one_without_colour(alpha_model_file, tmp_path, capsys):
    assert main(["evaluate", "--model", str(alpha_model_file), str(tmp_path / "nope")]) == 2
    assert "nope: no such folder, photo or photo list" in capsys.readouterr().err
    (tmp_path / "notes.md").write_text("not a photo")
    assert main(["evaluate", "--model", str(alpha_model_file), str(tmp_path / "notes.md")]) == 2
    assert f"{tmp_path / 'notes.md'} is not a photo: give a folder of colour photos, a photo or a photo list (.txt)" in capsys.readouterr().err
    Image.fromarray(np.full((16, 16), 90, np.uint8)).save(tmp_path / "grey.png")
    assert main(["evaluate", "--model", str(alpha_model_file), str(tmp_path)]) == 1
    assert "no usable colour photos in" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags, reason",
    [(["--arch", "model3"], "--arch cannot change when resuming: the run trains alpha"),
     (["--set", "arch_params.width=16"], "arch_params.width cannot change when resuming: the run trains alpha with width = 8"),
     (["--from", "default"], "--from cannot change when resuming: the run is not a fine-tune")],
)
def test_a_resume_cannot_change_what_shapes_the_weights(photo_folder, library, tmp_path, capsys, flags, reason):
    assert main(train_flags(photo_folder, tmp_path, "--checkpoint-every-steps", "1")) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    before = (run_dir / "config.toml").read_text(), (run_dir / "status.json").read_text()
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir), *flags]) == 2
    assert capsys.readouterr().err == f"colourise train: error: {reason}\n"
    assert ((run_dir / "config.toml").read_text(), (run_dir / "status.json").read_text()) == before


def test_a_fine_tune_with_another_architecture_is_a_usage_error(alpha_model_file, photo_folder, tmp_path, capsys):
    flags = ["train", "--data", str(photo_folder), "--from", str(alpha_model_file), "--run-dir", str(tmp_path / "runs")]
    assert main([*flags, "--arch", "model3"]) == 2
    assert capsys.readouterr().err == (f"colourise train: error: --arch model3 does not fit --from {alpha_model_file}: a fine-tune keeps "
                                       "the architecture of the model it starts from (alpha)\n")
    assert not (tmp_path / "runs").exists()
    config = train_cmd.config_from_args(build_parser().parse_args([*flags, "--arch", "alpha"]))  # its own: fine
    assert (config.arch, config.init_from) == ("alpha", str(alpha_model_file))


HANGUP_DURING_TRAINING = """
import os, signal, sys
import engine.training
from engine import events
from engine.cli.main import main

def train(config, state):  # the terminal closes during a step; the steps after it still print their progress
    os.kill(os.getpid(), signal.SIGHUP)
    print("progress after the hangup", file=sys.stderr, flush=True)
    print("progress after the hangup", flush=True)
    return events.TrainingCancelled(step=1, checkpoint=None) if state.should_stop() else events.TrainingFinished

engine.training.train = train
sys.exit(main(["train", "--data", sys.argv[1], "--steps", "3", "--run-dir", sys.argv[2], "--no-progress"]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
def test_closing_the_terminal_stops_a_training_after_its_step_as_ctrl_c_does(photo_folder, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", HANGUP_DURING_TRAINING, str(photo_folder), str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == train_cmd.EXIT_STOPPED, done.stderr  # stopped, not killed by the signal
    assert "progress after the hangup" not in done.stdout + done.stderr  # what follows goes nowhere: a closed terminal fails writes


STOPPED_AFTER_ITS_TERMINAL_CLOSED = """
import signal, sys
import engine.training
from engine import events
from engine.cli.main import main

def train(config, state):  # a rank of --nproc: its terminal closes, then its launcher passes the stop on as SIGTERM
    print("ready", flush=True)
    while not state.should_stop():
        signal.pause()
    with open(sys.argv[3], "w") as f:
        f.write("checkpoint kept")
    return events.TrainingCancelled(step=1, checkpoint=None)

engine.training.train = train
sys.exit(main(["train", "--data", sys.argv[1], "--steps", "3", "--run-dir", sys.argv[2], "--no-progress"]))
"""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this platform")
def test_a_stop_after_the_terminal_closed_keeps_the_checkpoint(photo_folder, tmp_path):
    # A real terminal, closed: `train --nproc 2` in a terminal window that was closed failed its run with
    # "could not read or write the run folder: Input/output error" (the ranks' "stopping after this step"
    # line could not be written) and kept no checkpoint.
    main_end, rank_end = os.openpty()
    marker = tmp_path / "marker.txt"
    child = subprocess.Popen([sys.executable, "-c", STOPPED_AFTER_ITS_TERMINAL_CLOSED, str(photo_folder), str(tmp_path / "runs"), str(marker)],
                             stdin=subprocess.DEVNULL, stdout=rank_end, stderr=rank_end, start_new_session=True)
    os.close(rank_end)
    try:
        seen = chunk = b"-"
        while chunk and b"ready" not in seen:  # (EIO or nothing: the child ended before it was ready)
            chunk = os.read(main_end, 1024)
            seen += chunk
    except OSError:
        pass
    finally:
        os.close(main_end)  # the terminal window closes
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=120) == train_cmd.EXIT_STOPPED
    assert marker.read_text() == "checkpoint kept"


class ClosedPipe(io.TextIOBase):
    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def test_progress_to_a_pipe_closed_by_its_reader_goes_nowhere_and_the_run_goes_on(monkeypatch):
    """`colourise train ... | head`: the closed pipe ended the run as failed ("could not read or write the run folder")."""
    from engine import events

    silenced = []
    monkeypatch.setattr(train_cmd, "_write_nowhere", lambda fds=(1, 2): silenced.append(fds))
    printer = train_cmd.ProgressPrinter(bar=False, stream=ClosedPipe())
    printer(events.CheckpointSaved(step=2, path=None))
    assert silenced == [(1,)]  # stdout only: the terminal still hears what goes to stderr


def test_progress_to_a_closed_terminal_goes_nowhere_and_the_run_goes_on(monkeypatch):
    from engine import events

    silenced = []
    monkeypatch.setattr(train_cmd, "_write_nowhere", lambda: silenced.append(True))  # (not this test process's own output)
    printer = train_cmd.ProgressPrinter(bar=False, stream=ClosedTerminal())
    printer(events.CheckpointSaved(step=2, path=None))  # raised OSError (EIO), which ended the run before its checkpoint
    assert silenced == [True]


def test_the_resume_line_of_a_stopped_nproc_run_keeps_its_process_count(tmp_path, capsys):
    """It dropped --nproc 2: resumed in one process, the run went on at half the global batch without a word."""
    from engine import events

    train_cmd.ProgressPrinter(bar=False)(events.TrainingCancelled(22, tmp_path / "checkpoint.pt", tmp_path, processes=2))
    assert capsys.readouterr().out == f"stopped at step 22; resume with: colourise train --resume {tmp_path} --nproc 2\n"
    train_cmd.ProgressPrinter(bar=False)(events.TrainingCancelled(22, tmp_path / "checkpoint.pt", tmp_path))
    assert capsys.readouterr().out == f"stopped at step 22; resume with: colourise train --resume {tmp_path}\n"


def test_a_resume_with_another_process_count_is_said(capsys):
    from engine import events

    note = "resuming with 1 process where it trained with 2: the global batch is now 4, was 8"
    train_cmd.ProgressPrinter(bar=False)(events.TrainingStarted("runs/x", "cpu", 12, 1, total_steps=30, start_step=22, world_change=note))
    assert f"resuming at step 22 of 30\n{note}\n" in capsys.readouterr().err


# As torchrun sets them for each of `--nproc 2`'s ranks (rank 1's own training is left out: it would wait for rank 0).
@pytest.mark.parametrize("rank, notes", [("0", 1), ("1", 0)])
def test_a_missing_tracker_is_noted_by_rank_0_only(photo_folder, tmp_path, monkeypatch, capsys, rank, notes):
    """Each rank said it: the same "note: --log wandb needs the wandb package" twice under `--nproc 2`."""
    import importlib.util

    from engine import events, train as entry

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else real(name, *a))
    monkeypatch.setattr("engine.training.train", lambda config, state: events.TrainingFinished("model", tmp_path, 1, {}))
    for name, value in (("RANK", rank), ("LOCAL_RANK", rank), ("WORLD_SIZE", "2")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(train_cmd.STOP_SAID_ENV, "1")  # as `colourise train --nproc 2` leaves them
    code = entry.main(["--data", str(photo_folder), "--size", "32", "--steps", "1", "--run-dir", str(tmp_path / "runs"),
                       "--set", 'log=["wandb"]', "--no-progress"])
    assert code == 0
    assert capsys.readouterr().err.count("colourise train: note: --log wandb needs the wandb package") == notes


def test_a_resume_with_photos_added_says_where_its_kept_steps_now_end(capsys):
    from engine import events

    note = "the run now has 120 training photos where it had 100: it keeps its 4,000 steps, which now end at epoch 36.67 (it asked for 40)"
    train_cmd.ProgressPrinter(bar=False)(events.TrainingStarted("runs/x", "cpu", 120, 10, total_steps=4000, start_step=2000, photos_change=note))
    assert f"resuming at step 2000 of 4000\n{note}\n" in capsys.readouterr().err


# torchrun by hand (`colourise train --nproc` checks the flags before it starts the ranks): each rank checks them.
@pytest.mark.parametrize("rank", ["0", "1"])
@pytest.mark.parametrize("argv, error", [
    (["--data", "typo"], "colourise train: error: --data: typo: no such folder\n"),
    (["--steps", "1"], "error: give --config FILE, --data DIR or --resume RUN_DIR\n"),
    (["--data", "photos", "--size", "big"], "python -m engine.train: error: argument --size: "),
])
def test_a_config_error_under_torchrun_is_said_by_rank_0_only(tmp_path, monkeypatch, capsys, rank, argv, error):
    """Each rank said it: "colourise train: error: --data: typo: no such folder" once a process."""
    from engine import train as entry

    monkeypatch.chdir(tmp_path)
    for name, value in (("RANK", rank), ("LOCAL_RANK", rank), ("WORLD_SIZE", "2")):
        monkeypatch.setenv(name, value)
    try:
        code = entry.main(argv)
    except SystemExit as exc:  # (argparse's own errors exit)
        code = exc.code
    assert code == train_cmd.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count(error) == 1 if rank == "0" else err == ""  # (the other ranks exit as rank 0 does, without a word)
