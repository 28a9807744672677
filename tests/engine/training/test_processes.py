"""Training in real processes: SIGKILL then resume, and a 2-process torchrun (gloo) run.

These start Python processes (a few seconds each), so they are marked slow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from engine.modelfile import load_model
from engine.training import TrainConfig, train
from engine.training.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def environment(library: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, COLOURISE_MODEL_DIR=str(library), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1", **extra)
    env.pop("WORLD_SIZE", None)
    return env


def common_flags(photos: Path, tmp_path: Path) -> list[str]:
    return ["--data", str(photos), "--size", "32", "--device", "cpu", "--run-dir", str(tmp_path / "runs"), "--no-progress",
            "--set", "checkpoint_every_minutes=0", "--set", "preview_count=1", "--set", "log_every_steps=1"]


def read_until(proc: subprocess.Popen, marker: str, seen: list[str]) -> str:
    """Read the process's output line by line until a line contains ``marker`` (returns it)."""
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            return line
    raise AssertionError(f"process ended before printing {marker!r}:\n{''.join(seen)}")


def test_a_run_killed_with_sigkill_resumes_from_its_last_checkpoint(photo_folder, library, tmp_path):
    command = [sys.executable, "-m", "engine.train", *common_flags(photo_folder, tmp_path), "--batch-size", "2",
               "--steps", "100000", "--checkpoint-every-steps", "3", "--set", "val_every_steps=100000"]
    proc = subprocess.Popen(command, cwd=REPO, env=environment(library), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    try:
        run_dir = Path(read_until(proc, "run folder: ", seen).split("run folder: ", 1)[1].strip())
        read_until(proc, "checkpoint saved at step 6", seen)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    step = load_checkpoint(run_dir / "checkpoint.pt")["step"]
    assert step >= 6 and step % 3 == 0  # the last complete checkpoint survives the kill

    resumed = subprocess.run([sys.executable, "-m", "engine.train", "--resume", str(run_dir), "--steps", str(step + 2), "--no-progress"],
                             cwd=REPO, env=environment(library), capture_output=True, text=True, timeout=300)
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output
    assert f"resuming at step {step} of {step + 2}" in output and f"finished after {step + 2} steps" in output
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["type"] == "train"] == list(range(1, step + 3))  # no gap, no repeat


def test_two_gloo_processes_train_identically_and_match_one_process(photo_folder, library, tmp_path):
    hashes = tmp_path / "hashes"
    flags = [*common_flags(photo_folder, tmp_path), "--batch-size", "2", "--steps", "4", "--checkpoint-every-steps", "2", "--name", "ddp"]
    tensorboard = importlib.util.find_spec("tensorboard") is not None
    if tensorboard:
        flags += ["--log", "tensorboard"]
    # `colourise train --nproc 2` launches torchrun for the user
    launched = subprocess.run([sys.executable, "-m", "engine.cli.main", "train", "--nproc", "2", *flags], cwd=REPO,
                              env=environment(library, COLOURISE_TRAIN_HASH_DIR=str(hashes)), capture_output=True, text=True, timeout=300)
    output = launched.stdout + launched.stderr
    assert launched.returncode == 0, output
    assert "engine.cli.torchrun --standalone --nproc-per-node 2 --shutdown-timeout 600 -m engine.train" in output
    assert output.count("run folder: ") == 1  # rank 0 alone reports
    if tensorboard:  # and rank 0 alone logs: one event file
        assert len(list((tmp_path / "runs").glob("ddp-*/events.out.tfevents.*"))) == 1
    rank0, rank1 = (hashes / "rank-0.sha256").read_text(), (hashes / "rank-1.sha256").read_text()
    assert rank0 == rank1
    distributed, info = load_model(library / "ddp.safetensors")
    assert info.training["batch_size"] == 4 and "x 2 processes" in info.training["device"]

    # the same recipe in one process with the same global batch gives the same weights
    torch.set_num_threads(1)
    single = train(TrainConfig(arch="alpha", data=[str(photo_folder)], image_size=32, batch_size=4, steps=4, device="cpu",
                               run_dir=str(tmp_path / "single"), library_dir=str(tmp_path / "single-lib"), preview_count=1))
    reference = load_model(single.model_path)[0].state_dict()
    for key, tensor in distributed.state_dict().items():
        torch.testing.assert_close(tensor, reference[key], rtol=1e-4, atol=1e-5)

    # resume works under torchrun too: extend the finished run by two steps
    run_dir = Path(info.training["run_dir"])
    resumed = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "engine.train",
                              "--resume", str(run_dir), "--steps", "6", "--no-progress"], cwd=REPO,
                             env=environment(library, COLOURISE_TRAIN_HASH_DIR=str(hashes)), capture_output=True, text=True, timeout=300)
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output
    assert "resuming at step 4 of 6" in output and "finished after 6 steps" in output
    assert (hashes / "rank-0.sha256").read_text() == (hashes / "rank-1.sha256").read_text() != rank0


# Ctrl-C at the terminal reaches the whole foreground group; a SIGTERM (a `kill`) the colourise process alone.
@pytest.mark.parametrize("stop", ["SIGTERM to the process", "SIGINT to the group"])
def test_a_stopped_nproc_run_ends_as_cleanly_as_one_process(photo_folder, library, tmp_path, stop):
    # It kept its checkpoint, then printed torchrun's SignalException traceback, its "Received 15 death
    # signal, shutting down workers" warnings and "stopping after this step" three times.
    command = [sys.executable, "-m", "engine.cli.main", "train", "--nproc", "2", *common_flags(photo_folder, tmp_path),
               "--batch-size", "2", "--steps", "100000", "--set", "val_every_steps=100000"]
    proc = subprocess.Popen(command, cwd=REPO, env=environment(library), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    seen: list[str] = []
    try:
        read_until(proc, "step 1/", seen)  # (training: both ranks are in the loop)
        if stop == "SIGTERM to the process":
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        seen += proc.stdout.readlines()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = "".join(seen)
    assert proc.returncode == 130, output  # as one process stopped ends
    assert "Traceback" not in output and "SignalException" not in output and "death signal" not in output, output
    assert "closing signal" not in output, output
    assert output.count("stopping after this step") == 1, output
    assert "resume with: colourise train --resume" in output, output


def test_a_failed_nproc_run_says_why_in_one_line_as_one_process_does(tmp_path, library):
    # After the ranks' one line it printed torchrun's ChildFailedError traceback and its 30-line failure report.
    empty = tmp_path / "empty"
    empty.mkdir()
    command = [sys.executable, "-m", "engine.cli.main", "train", "--nproc", "2", *common_flags(empty, tmp_path), "--steps", "2"]
    done = subprocess.run(command, cwd=REPO, env=environment(library), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("colourise train: ")]
    assert lines == [f"colourise train: error: training failed: no usable colour photos in {empty} (no image files)"], done.stderr
    assert "Traceback" not in done.stderr and "ChildFailedError" not in done.stderr and "exitcode" not in done.stderr, done.stderr
