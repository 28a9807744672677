"""Model files: round trip, and every way a file can be wrong gives one line naming it."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from engine.errors import ModelFileError
from engine.modelfile import earlier_stage_keys, load_model, read_info, save_model
from engine.models import create_model


def metadata_of(path: Path) -> dict[str, str]:
    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata())


def assert_one_line(error: pytest.ExceptionInfo, path: Path, reason: str) -> None:
    message = str(error.value)
    assert message.startswith(f"{path.name}: ") and "\n" not in message, message
    assert reason in message, message
    assert error.value.path == path


def test_round_trip_keeps_weights_config_and_training(tmp_path):
    torch.manual_seed(1)
    model = create_model("alpha", width=4)
    training = {"data": ["train"], "epochs": 3, "metrics": {"psnr": 21.5}}
    path = save_model(tmp_path / "mine.safetensors", model, training)
    loaded, info = load_model(path)
    assert info.arch == "alpha" and info.config == {"width": 4} and info.training == training and info.name == "mine"
    assert info.parameters == sum(p.numel() for p in model.state_dict().values())
    assert not loaded.training
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    x = torch.rand(1, 1, 16, 24) * 2 - 1
    with torch.no_grad():
        assert torch.equal(loaded(x), model.eval()(x))
    assert [p.name for p in tmp_path.iterdir()] == ["mine.safetensors"]  # no temporary left behind


def test_read_info_does_not_need_weights(tmp_path):
    path = save_model(tmp_path / "m.safetensors", create_model("alpha"), {"epochs": 1})
    info = read_info(path)
    assert info.arch == "alpha" and info.training == {"epochs": 1} and info.created


def test_missing_file(tmp_path):
    path = tmp_path / "gone.safetensors"
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "no such file")


def test_truncated_file(tmp_path):
    path = save_model(tmp_path / "cut.safetensors", create_model("alpha"))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "")


def test_not_a_model_file(tmp_path):
    path = tmp_path / "notes.safetensors"
    path.write_text("hello")
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "not a readable .safetensors file")


def test_safetensors_without_colourise_metadata(tmp_path):
    path = tmp_path / "plain.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "not a Colourise model")


def test_unknown_architecture(tmp_path):
    good = save_model(tmp_path / "good.safetensors", create_model("alpha"))
    path = tmp_path / "alien.safetensors"
    save_file(dict(create_model("alpha").state_dict()), str(path), metadata={**metadata_of(good), "arch": "no_such_net"})
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "unknown architecture 'no_such_net'")


def test_config_the_architecture_does_not_take(tmp_path):
    good = save_model(tmp_path / "good.safetensors", create_model("alpha"))
    path = tmp_path / "odd.safetensors"
    meta = {**metadata_of(good), "config": json.dumps({"width": 8, "depth": 99})}
    save_file(dict(create_model("alpha").state_dict()), str(path), metadata=meta)
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "config does not fit")


def test_weights_of_the_wrong_shape(tmp_path):
    good = save_model(tmp_path / "good.safetensors", create_model("alpha", width=8))
    path = tmp_path / "wide.safetensors"
    wide = {k: v.contiguous() for k, v in create_model("alpha", width=16).state_dict().items()}
    save_file(wide, str(path), metadata=metadata_of(good))
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "has shape")


def test_weights_of_another_architecture(tmp_path):
    good = save_model(tmp_path / "good.safetensors", create_model("alpha"))
    path = tmp_path / "other.safetensors"
    other = {k: v.contiguous() for k, v in create_model("conv_ae", width=4).state_dict().items()}
    save_file(other, str(path), metadata=metadata_of(good))
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "do not fit architecture 'alpha'")


class _Payload:
    """Unpickling this would create ``marker``: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".ckpt", ".safetensors"])
def test_malicious_pickle_executes_nothing(tmp_path, suffix):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    blob = {"arch": "alpha", "config": {}, "state_dict": {}, "payload": _Payload(marker)}
    torch.save(blob, path)
    for load in (load_model, read_info):
        with pytest.raises(ModelFileError) as error:
            load(path)
        assert_one_line(error, path, "")
    assert not marker.exists()


def test_the_malicious_payload_is_really_armed(tmp_path):
    """Control for the test above: an unsafe load of the same kind of file does run the code."""
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"payload": _Payload(marker)}, path)
    torch.load(path, weights_only=False)  # what Colourise never does
    assert marker.exists()


def test_raw_pickle_file_executes_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl.pt"
    path.write_bytes(pickle.dumps(_Payload(marker), protocol=2))
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, "refused")
    assert not marker.exists()


def test_weights_only_pickle_checkpoint_is_accepted(tmp_path):
    model = create_model("alpha")
    path = tmp_path / "plain.pt"
    torch.save({"arch": "alpha", "config": {"width": 8}, "state_dict": model.state_dict()}, path)
    loaded, info = load_model(path)
    assert info.arch == "alpha"
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)


# -- hardening: metadata validated once, sizes bounded before anything large is built ------------


def _with_metadata(tmp_path, name: str, **changes: str) -> Path:
    """A good alpha model file whose metadata fields are replaced by ``changes`` (raw strings)."""
    good = save_model(tmp_path / f"good-{name}", create_model("alpha"), {"epochs": 2, "train_photos": 5})
    path = tmp_path / name
    tensors = {k: v.contiguous() for k, v in create_model("alpha").state_dict().items()}
    save_file(tensors, str(path), metadata={**metadata_of(good), **changes})
    return path


@pytest.mark.parametrize("training", ['"a string"', "null", "[1, 2]", "42", "true"])
def test_training_metadata_that_is_not_an_object_reads_as_unknown(tmp_path, training):
    info = read_info(_with_metadata(tmp_path, "odd.safetensors", training=training))
    assert info.arch == "alpha" and info.training == {}


def test_training_fields_of_the_wrong_type_are_dropped_and_good_ones_kept(tmp_path):
    training = {"epochs": "many", "metrics": ["psnr"], "train_photos": "x", "data": 5, "description": "portraits"}
    info = read_info(_with_metadata(tmp_path, "fields.safetensors", training=json.dumps(training)))
    assert info.training == {"description": "portraits"}
    metrics = {"psnr": 23.5, "bad": "high", "nan": None}
    info = read_info(_with_metadata(tmp_path, "metrics.safetensors", training=json.dumps({"metrics": metrics, "epochs": 3})))
    assert info.training == {"metrics": {"psnr": 23.5}, "epochs": 3}


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"config": '"wide"'}, "config is not a JSON object"),
        ({"config": "[8]"}, "config is not a JSON object"),
        ({"arch": ""}, "names no architecture"),
        ({"created": "x"}, None),  # a plain string is fine
    ],
)
def test_a_bad_config_is_one_line_a_bad_date_is_not_an_error(tmp_path, changes, reason):
    path = _with_metadata(tmp_path, "cfg.safetensors", **changes)
    if reason is None:
        assert read_info(path).created == "x"
        return
    with pytest.raises(ModelFileError) as error:
        read_info(path)
    assert_one_line(error, path, reason)


@pytest.mark.parametrize(
    "blob, reason",
    [
        ({"arch": "alpha", "config": "wide", "state_dict": {}}, "config is not"),
        ({"arch": "alpha", "config": {}, "state_dict": [1, 2]}, "state_dict is not"),
        ({"arch": 5, "config": {}, "state_dict": {}}, "architecture name"),
        ({"arch": "alpha", "config": {}, "state_dict": {"w": 3}}, "state_dict is not"),
    ],
)
def test_pickle_files_with_the_wrong_kinds_of_fields_are_clear_model_errors(tmp_path, blob, reason):
    path = tmp_path / "odd.pth"
    torch.save(blob, path)
    for load in (read_info, load_model):
        with pytest.raises(ModelFileError) as error:
            load(path)
        assert_one_line(error, path, reason)


@pytest.mark.parametrize(
    "config, reason",
    [
        ({"width": 1300}, "million parameters"),
        ({"width": 8000}, "width: expected a whole number from 1 to 4096"),
        ({"width": 0}, "width: expected a whole number from 1 to 4096"),
        ({"width": "wide"}, 'width: expected a whole number from 1 to 4096, got "wide"'),
        ({"width": 16}, "has shape"),  # fits the limits, but the weights are width 8's
    ],
)
def test_a_config_asking_for_a_huge_model_is_refused_before_building_it(tmp_path, config, reason):
    import resource

    path = _with_metadata(tmp_path, "huge.safetensors", config=json.dumps(config))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert_one_line(error, path, reason)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, f"peak memory grew by {grown_mb:.0f} MB"


def test_colour_unet_working_size_and_widths_are_bounded(tmp_path):
    from engine.modelfile import check_arch_config

    with pytest.raises(ValueError, match="working_size: expected a whole number from 1 to 4096, got 100000"):
        check_arch_config("colour_unet", {"working_size": 100000})
    with pytest.raises(ValueError, match=r"decoder_widths: expected 4 whole numbers from 1 to 4096, got \[1, 2\]"):
        check_arch_config("colour_unet", {"decoder_widths": [1, 2]})
    check_arch_config("colour_unet", {"decoder_widths": [8, 8, 8, 8], "working_size": 256})


def test_colour_unet_bin_grid_is_bounded(tmp_path):
    from engine.modelfile import check_arch_config

    for grid in (0.0, 100.0, -10.0):
        with pytest.raises(ValueError, match="bin_grid must be from 5 to 40"):
            check_arch_config("colour_unet", {"bin_grid": grid})
    with pytest.raises(ValueError, match='bin_grid: expected a number, got "20"'):
        check_arch_config("colour_unet", {"bin_grid": "20"})
    with pytest.raises(ValueError, match="bin_grid: expected a number, got true"):
        check_arch_config("colour_unet", {"bin_grid": True})
    check_arch_config("colour_unet", {"bin_grid": 20})  # a whole number is a number
    check_arch_config("colour_unet", {"bin_grid": 20.0})
    model = create_model("colour_unet", bin_grid=20.0)  # built after the meta-device check: real tensors
    assert all(t.device.type == "cpu" for t in [*model.parameters(), *model.buffers()])


def test_model_files_in_a_run_folder_follow_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = save_model(tmp_path / "m.safetensors", create_model("alpha"))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("arch", ["alpha", "beta", "model3", "conv_ae", "colorization_net", "colour_unet"])
def test_the_size_check_on_the_meta_device_leaves_no_meta_tensors_behind(arch):
    """check_arch_config builds on the "meta" device; a builder's cache must not keep meta tensors for real builds."""
    from engine.modelfile import check_arch_config

    check_arch_config(arch, {})
    model = create_model(arch)
    tensors = [*model.parameters(), *model.buffers()]
    assert tensors and all(t.device.type == "cpu" for t in tensors)


def test_epochs_count_every_stage_of_a_fine_tune(tmp_path):
    one_stage = read_info(save_model(tmp_path / "one.safetensors", create_model("alpha"), {"epochs": 21.429}))
    two_stages = read_info(save_model(tmp_path / "two.safetensors", create_model("alpha"),
                                      {"epochs": 3.571, "stage_1": {"epochs": 21.429, "steps": 9000}}))
    three_stages = read_info(save_model(tmp_path / "three.safetensors", create_model("alpha"),
                                        {"epochs": 2, "stage_2": {"epochs": 3}, "stage_1": {"epochs": 20}, "stage_x": {"epochs": 99}}))
    unsaid = read_info(save_model(tmp_path / "none.safetensors", create_model("alpha"), {}))
    assert (one_stage.epochs, two_stages.epochs, three_stages.epochs, unsaid.epochs) == (21.429, 25.0, 25.0, None)
    assert earlier_stage_keys({"stage_10": {}, "stage_2": {}, "stage_x": {}, "steps": 1}) == ["stage_2", "stage_10"]
