"""Engine test fixtures: tiny lineage models saved as real model files."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="session")
def alpha_model_file(tmp_path_factory):
    """A model file of the small lineage architecture "alpha" with fixed random weights."""
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(0)
    return save_model(tmp_path_factory.mktemp("models") / "alpha.safetensors", create_model("alpha"))


@pytest.fixture
def colouriser(alpha_model_file):
    """A CPU Colouriser for "alpha" with a small working size, so tests stay fast."""
    from engine.inference import Colouriser

    return Colouriser.from_name(alpha_model_file, device="cpu", working_size=64)


class _FullDiskOpen:
    """``open`` for a module under test: new temporaries (mode "x") write to /dev/full, which fails with ENOSPC."""

    def __init__(self):
        import builtins

        self._open = builtins.open

    def __call__(self, file, mode="r", *args, **kwargs):
        if "x" in mode:
            self._open(file, mode).close()  # the temporary exists, as it would on a full disk
            return self._open("/dev/full", "wb")
        return self._open(file, mode, *args, **kwargs)


@pytest.fixture
def full_disk(monkeypatch):
    """``full_disk(module)``: from now on, files ``module`` creates exclusively sit on a full disk."""

    def fill(module) -> None:
        monkeypatch.setattr(module, "open", _FullDiskOpen(), raising=False)

    return fill


@pytest.fixture(scope="session")
def hint_model_file(tmp_path_factory):
    """A small untrained colour_unet that takes hints, with its hint pathway silenced (zero weights).

    What hints then do is the engine's propagation alone: its effect is predictable
    where a trained network's would not be.
    """
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(0)
    model = create_model("colour_unet", hint_input=True, decoder_widths=(16, 16, 16, 16), working_size=64)
    with torch.no_grad():
        for stage in (model.bottleneck, model.up16.fuse, model.up8.fuse, model.up4.fuse):
            stage[0].weight[:, -3:] = 0  # the pooled hint channels' inputs
    return save_model(tmp_path_factory.mktemp("models") / "hinted.safetensors", model)


@pytest.fixture
def png_claiming_size():
    """A tiny valid PNG whose header claims another size (a decompression-bomb stand-in)."""
    import io
    import struct
    import zlib

    from PIL import Image

    def make(width: int, height: int) -> bytes:
        buffer = io.BytesIO()
        Image.new("L", (8, 8)).save(buffer, "PNG")
        data = buffer.getvalue()
        ihdr = struct.pack(">II", width, height) + data[24:29]
        return data[:16] + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + data[33:]

    return make


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """An empty user library (via the environment) and an empty bundled folder."""
    from engine import library

    user, bundled = tmp_path / "user", tmp_path / "bundled"
    user.mkdir()
    bundled.mkdir()
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(user))
    monkeypatch.setattr(library, "bundled_models_dir", lambda: bundled)
    return user, bundled


PLUGIN_MODULE = '''
from torch import nn

from engine.models import ColouriseModel, register_model


class Tiny(ColouriseModel):
    def __init__(self, width: int = 4):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, 2, 3, padding=1), nn.Tanh())

    def forward(self, l):
        return self.net(l)


@register_model("tiny", description="a plugin's architecture", model=Tiny)
def tiny(width: int = 4):
    return Tiny(width)


def register_tinier():
    register_model("tinier", description="registered by a call", model=Tiny)(lambda width=2: Tiny(width))
'''


@pytest.fixture
def architecture_plugins(tmp_path, monkeypatch):
    """``architecture_plugins(*"name=value")``: these entry points (group ``colourise.architectures``) are what is
    installed, from now on; ``tiny_colourise_plugin`` (a module registering "tiny", and ``register_tinier`` in it)
    can be named. The registry is as it was before, afterwards. Returns how often the entry points were looked up."""
    import importlib.metadata
    import sys

    from engine.models import registry

    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "tiny_colourise_plugin.py").write_text(PLUGIN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_plugins_loaded", False, raising=False)
    lookups = []

    def install(*specs: str) -> list:
        points = [importlib.metadata.EntryPoint(*spec.split("=", 1), group="colourise.architectures") for spec in specs]

        def entry_points(**selection):
            lookups.append(selection)
            return [p for p in points if p.group == selection.get("group")]

        monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
        return lookups

    yield install
    sys.modules.pop("tiny_colourise_plugin", None)
