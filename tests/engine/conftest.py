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
