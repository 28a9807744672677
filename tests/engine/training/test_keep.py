"""engine.training.keep: a stopped run's model, as it stands at its last checkpoint, kept in the library."""

from __future__ import annotations

import pytest
import torch

from engine.cli.main import main
from engine.events import CheckpointSaved, TrainingCancelled
from engine.model_summary import trained_on
from engine.modelfile import load_model, read_info
from engine.runs import read_run
from engine.training import resume_config, train
from engine.training.checkpoint import load_checkpoint, save_checkpoint
from engine.training.keep import KeepError, keep_model, kept_from
from engine.training.runstatus import RunStatus


@pytest.fixture
def stopped_run(tiny_config, recorder):
    """A run of 8 steps stopped after its checkpoint at step 4."""
    rec = recorder(stop_when=lambda e: isinstance(e, CheckpointSaved) and e.step == 4)
    result = train(tiny_config(name="portraits", steps=8, checkpoint_every_steps=4, val_every_steps=4), rec.state)
    assert isinstance(result, TrainingCancelled) and result.step == 4
    return result.run_dir


def test_the_kept_model_has_the_checkpoints_weights_and_says_where_its_run_stopped(stopped_run, library):
    path, already = keep_model(stopped_run)
    assert path == library / "portraits-step4.safetensors" and not already
    model, info = load_model(path, "cpu")
    weights = load_checkpoint(stopped_run / "checkpoint.pt")["model"]
    assert all(torch.equal(model.state_dict()[k], v) for k, v in weights.items())
    training = info.training
    assert (training["steps"], training["planned_steps"], training["train_photos"]) == (4, 8, 7)  # (one held out)
    assert training["run_dir"] == str(stopped_run) and training["metrics"]  # its last validation
    assert trained_on(training).endswith("photos, stopped at step 4 of 8")
    assert training["validated_on"] == "validation photos"  # (one held out)


def test_the_run_can_still_be_resumed_and_finished_after_keeping(stopped_run, library):
    before = {p.name: p.read_bytes() for p in stopped_run.iterdir() if p.is_file() and p.name != "run.lock"}
    kept = keep_model(stopped_run, name="good-enough").path
    assert {p.name: p.read_bytes() for p in stopped_run.iterdir() if p.is_file() and p.name != "run.lock"} == before
    assert read_run(stopped_run).resumable
    assert kept_from([("good-enough", read_info(kept).training)], stopped_run) == "good-enough"  # (kept once)
    finished = train(resume_config(stopped_run))
    assert kept_from([("good-enough", read_info(kept).training)], stopped_run) is None  # the run has moved on
    assert finished.steps == 8 and finished.model_path.stem == "portraits"
    assert sorted(p.stem for p in library.glob("*.safetensors")) == ["good-enough", "portraits"]


def test_a_checkpoint_is_kept_once_unless_another_name_is_asked_for(stopped_run, library):
    first = keep_model(stopped_run)
    assert keep_model(stopped_run) == (first.path, True)  # a second click, or the other page asking: the same model
    assert sorted(p.stem for p in library.glob("*.safetensors")) == ["portraits-step4"]
    assert keep_model(stopped_run, name="a-copy") == (library / "a-copy.safetensors", False)  # a name of its own is another model


def test_a_checkpoint_from_before_it_carried_its_counts_still_gives_a_model(stopped_run):
    blob = load_checkpoint(stopped_run / "checkpoint.pt")
    extra = blob["extra"]
    for key in ("facts", "total_steps"):
        extra.pop(key)
    save_checkpoint(stopped_run / "checkpoint.pt", {k: v for k, v in blob.items() if k != "format"})
    training = read_info(keep_model(stopped_run).path).training
    assert (training["train_photos"], training["planned_steps"], training["epochs"]) == (7, 8, 4.0)  # 1 step an epoch: 7 // 4
    assert training["validated_on"] == "validation photos"  # (its dataset.json says so)
    (stopped_run / "dataset.json").unlink()
    assert "validated_on" not in read_info(keep_model(stopped_run, name="unsaid").path).training  # not known: not said


def test_nothing_to_keep_is_said_in_one_line(tmp_path, stopped_run):
    with pytest.raises(KeepError, match="no such run folder"):
        keep_model(tmp_path / "nowhere")
    (stopped_run / "checkpoint.pt").unlink()
    with pytest.raises(KeepError, match=r"no checkpoint yet, so no model to keep \(it stopped before its first one\)"):
        keep_model(stopped_run)
    training = RunStatus.begin(stopped_run)  # (as a process training it now holds it)
    try:  # it once said a run still training had stopped
        with pytest.raises(KeepError, match=r"no checkpoint yet, so no model to keep \(it has not reached its first one\)"):
            keep_model(stopped_run)
    finally:
        training.release()


def test_colourise_runs_keep(stopped_run, library, capsys, tmp_path):
    assert main(["runs", "--keep", str(stopped_run), "--name", "from-cli"]) == 0
    assert capsys.readouterr().out.startswith("kept from-cli in the model library")
    assert (library / "from-cli.safetensors").is_file()
    assert main(["runs", "--keep", str(stopped_run)]) == 0  # asked again without a name: said so, no copy made
    assert capsys.readouterr().out.startswith("already kept as from-cli in the model library")
    assert sorted(p.stem for p in library.glob("*.safetensors")) == ["from-cli"]
    assert main(["runs", "--keep", str(stopped_run), "--name", "from-cli"]) == 0  # the name is taken: said, not quietly changed
    assert capsys.readouterr().out.startswith("kept from-cli-2 in the model library (from-cli was taken): ")
    assert main(["runs", "--keep", str(stopped_run.parent / "missing")]) == 1
    assert "no such run folder" in capsys.readouterr().err
    assert main(["--models-dir", str(tmp_path / "elsewhere"), "runs", "--keep", str(stopped_run)]) == 0
    assert (tmp_path / "elsewhere" / "portraits-step4.safetensors").is_file()
