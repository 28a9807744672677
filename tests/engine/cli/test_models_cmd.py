"""``colourise models``: a table or JSON of library and bundled models, broken files included."""

from __future__ import annotations

import json

import pytest

from engine import library
from engine.cli.main import main
from engine.modelfile import save_model
from engine.models import create_model

TRAINING = {
    "data": ["/data/train", "/data/train-extra"],
    "train_photos": 7037,
    "epochs": 12.5,
    "metrics": {"psnr": 23.456, "colourfulness": 31.2, "hue_accuracy": 0.5157},
}


@pytest.fixture
def folders(folders):
    """The empty library of tests/engine/conftest.py with a user model, a bundled one and a broken file."""
    user, bundled = folders
    save_model(user / "portraits.safetensors", create_model("alpha"), TRAINING)
    save_model(bundled / "default.safetensors", create_model("conv_ae", width=4))
    (user / "broken.safetensors").write_bytes(b"garbage")
    return user, bundled


def test_table_lists_user_then_bundled_models_with_metadata(folders, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(out) if line.startswith("NAME"))
    rows = out[header + 1 :]
    assert [r.split()[0] for r in rows] == ["broken", "portraits", "default"]
    portraits = rows[1]
    assert "alpha" in portraits and "32 k" in portraits and "user" in portraits
    # The same texts as the window's Models page (engine.model_summary).
    assert "7,037 photos from train, train-extra; 12.5 epochs" in portraits and "PSNR 23.46 dB · Hue accuracy 51.6 %" in portraits
    assert "conv_ae" in rows[2] and "bundled" in rows[2]
    assert "unreadable" in rows[0]
    assert str(folders[0]) in out[0]


def test_json_has_every_field(folders, capsys):
    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["portraits"]["architecture"] == "alpha" and rows["portraits"]["source"] == "user"
    assert rows["portraits"]["metrics"] == TRAINING["metrics"] and rows["portraits"]["training"]["epochs"] == 12.5
    assert rows["portraits"]["parameters"] == sum(p.numel() for p in create_model("alpha").state_dict().values())
    assert rows["default"]["source"] == "bundled" and rows["default"]["config"] == {"width": 4}
    assert rows["broken"]["error"] and rows["broken"]["architecture"] is None


def test_models_dir_flag_overrides_the_environment(folders, tmp_path, capsys):
    other = tmp_path / "other"
    save_model(other / "landscapes.safetensors", create_model("alpha"))
    assert main(["--models-dir", str(other), "models", "--json"]) == 0
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert names == ["landscapes", "default"]


def test_empty_library_says_how_to_get_models(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(tmp_path / "nothing"))
    monkeypatch.setattr(library, "bundled_models_dir", lambda: tmp_path / "nothing_bundled")
    assert main(["models"]) == 0
    assert "No models yet" in capsys.readouterr().out
    assert main(["models", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_fine_tune_counts_every_stage_s_epochs(folders, capsys):
    user, _ = folders
    save_model(user / "tuned.safetensors", create_model("alpha"), {**TRAINING, "epochs": 3.5, "stage_1": {"epochs": 21.5}})
    assert main(["models"]) == 0
    tuned = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("tuned "))
    assert "; 25 epochs" in tuned
    save_model(user / "short.safetensors", create_model("alpha"), {**TRAINING, "epochs": 1, "train_photos": 1})
    assert main(["models"]) == 0
    short = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("short "))
    assert "1 photo from train, train-extra; 1 epoch" in short  # not "1 photos", "1 epochs"


@pytest.mark.parametrize("training", ['"a string"', "null", "[1]", "7", '{"epochs": "x", "metrics": [1], "data": 3}'])
def test_a_model_with_odd_training_metadata_is_listed_and_the_others_too(folders, capsys, training):
    from safetensors import safe_open
    from safetensors.torch import save_file

    user, _ = folders
    good = user / "portraits.safetensors"
    with safe_open(str(good), framework="pt") as f:
        metadata = {**f.metadata(), "training": training}
    tensors = {k: v.contiguous() for k, v in create_model("alpha").state_dict().items()}
    save_file(tensors, str(user / "odd.safetensors"), metadata=metadata)
    save_file(tensors, str(user / "cfg.safetensors"), metadata={**metadata, "config": '"wide"'})
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    odd = next(line for line in out.splitlines() if line.startswith("odd "))
    assert "alpha" in odd and "unreadable" not in odd
    cfg = next(line for line in out.splitlines() if line.startswith("cfg "))
    assert "unreadable: its config is not a JSON object" in cfg
    assert "portraits" in out
    assert main(["models", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["odd"]["architecture"] == "alpha" and rows["cfg"]["error"]


def test_scores_measured_on_its_own_training_photos_are_marked(folders, capsys):
    user, _ = folders
    save_model(user / "tiny.safetensors", create_model("alpha"), {**TRAINING, "validated_on": "training photos"})
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    tiny, portraits = (next(line for line in lines if line.startswith(name + " ")) for name in ("tiny", "portraits"))
    assert tiny.endswith("PSNR 23.46 dB · Hue accuracy 51.6 % (training photos)")
    assert portraits.endswith("Hue accuracy 51.6 %")  # a model that does not say where: not marked
    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["tiny"]["validated_on"] == "training photos" and rows["portraits"]["validated_on"] is None


@pytest.fixture
def tiny_model(folders, architecture_plugins):
    """A library model "tiny-api" of the architecture "tiny", which only a plugin registers: none is installed yet."""
    import sys

    from engine.models import registry

    architecture_plugins("tiny=tiny_colourise_plugin")
    save_model(folders[0] / "tiny-api.safetensors", create_model("tiny"))
    registry._REGISTRY.pop("tiny")  # as in a new process, where the script that registered it does not run
    registry._plugins_loaded = False
    sys.modules.pop("tiny_colourise_plugin")
    return folders[0] / "tiny-api.safetensors"


def test_a_model_of_an_unknown_architecture_is_marked(tiny_model, architecture_plugins, capsys):
    architecture_plugins()  # no plugin installed
    assert main(["models"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("tiny-api"))
    assert "tiny" in row and "unknown architecture 'tiny': see README, Custom architectures" in row
    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["tiny-api"]["problem"] == "unknown architecture 'tiny': see README, Custom architectures"
    assert rows["portraits"]["problem"] is None


def test_an_architecture_an_installed_plugin_registers_colours_from_the_command_line(tiny_model, architecture_plugins, tmp_path, capsys):
    from PIL import Image

    architecture_plugins("tiny=tiny_colourise_plugin")
    assert main(["models", "--json"]) == 0
    assert {r["name"]: r for r in json.loads(capsys.readouterr().out)}["tiny-api"]["problem"] is None
    Image.new("L", (40, 30), 90).save(tmp_path / "old.png")
    assert main(["images", str(tmp_path / "old.png"), "-m", "tiny-api", "-o", str(tmp_path / "out"), "--device", "cpu"]) == 0
    assert (tmp_path / "out" / "old.png").is_file()
