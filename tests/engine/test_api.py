"""The engine as a Python library: the names ``engine`` offers, and the README's and docstrings' examples, run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import engine
from engine.photo import saved_software

REPO = Path(__file__).resolve().parents[2]
SECTION = "## Use the engine from Python"


def python_blocks(markdown: str, heading: str) -> list[str]:
    """The ```python blocks of the section under ``heading`` (up to the next ``## ``)."""
    start = markdown.index(heading + "\n")
    end = markdown.find("\n## ", start + len(heading))
    return re.findall(r"```python\n(.*?)```", markdown[start : end if end > 0 else None], re.S)


def colour_photo(height: int, width: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    rgb = c1 * (x / width)[..., None] + c2 * (1 - x / width)[..., None]
    return np.clip(rgb * (0.5 + 0.5 * y / height)[..., None], 0, 255).astype(np.uint8)


@pytest.fixture
def api_folder(tmp_path) -> tuple[Path, dict]:
    """A folder as the examples expect it: old.jpg (grey), photos/ (colour), a library with "my-model", a shared model
    file; and the environment to run them in (that library, the CPU, one thread)."""
    from engine.modelfile import save_model
    from engine.models import create_model

    Image.fromarray(colour_photo(96, 160, 0)).convert("L").save(tmp_path / "old.jpg")
    (tmp_path / "grandma.tif").write_bytes((tmp_path / "old.jpg").read_bytes())
    Image.fromarray(colour_photo(96, 160, 0)).convert("L").save(tmp_path / "grandma.tif")
    (tmp_path / "photos").mkdir()
    for i in range(6):
        Image.fromarray(colour_photo(48, 48, i + 1)).save(tmp_path / "photos" / f"p{i}.png")
    torch.manual_seed(0)
    save_model(tmp_path / "library" / "my-model.safetensors", create_model("alpha"))
    save_model(tmp_path / "shared" / "friends-model.safetensors", create_model("alpha"))
    env = {
        **os.environ, "COLOURISE_MODEL_DIR": str(tmp_path / "library"), "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO),
    }
    return tmp_path, env


def docstring_example(doc: str) -> str:
    """The first indented block of a docstring: its example."""
    lines: list[str] = []
    for line in doc.splitlines():
        if line.startswith("    ") or (lines and not line.strip()):
            lines.append(line)
        elif lines:
            break
    return textwrap.dedent("\n".join(lines))


def run_example(code: str, folder: Path, env: dict) -> str:
    script = folder / "example.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{code}\n---\n{done.stderr}"
    return done.stdout


def test_the_key_names_import_from_engine_without_torch():
    from engine import Colouriser, ColouriseModel, Hint, TaskState, read_photo, register_model, write_photo

    assert Colouriser.__module__ == "engine.inference" and TaskState.__module__ == "engine.task"
    assert all(callable(name) for name in (ColouriseModel, Hint, read_photo, register_model, write_photo))
    with pytest.raises(AttributeError):
        engine.no_such_name  # noqa: B018
    # The command line's start stays quick: the names are loaded when asked for.
    probe = "import sys, engine; from engine import __version__; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.slow
def test_the_readme_examples_run(api_folder):
    folder, env = api_folder
    blocks = python_blocks((REPO / "README.md").read_text(), SECTION)
    assert len(blocks) >= 2

    run_example(blocks[0], folder, env)
    said = {name: saved_software(folder / name) for name in ("old-coloured.jpg", "old-friend.png", "old-hinted.jpg")}
    assert said == {
        "old-coloured.jpg": f"Colourise {engine.__version__}, model default, strength 120 %",
        "old-friend.png": f"Colourise {engine.__version__}, model friends-model",
        "old-hinted.jpg": f"Colourise {engine.__version__}, model default, 1 colour hint",
    }

    out = run_example(blocks[1], folder, env)
    assert "'tiny'" in out and "step 20 of 20" in out
    assert (folder / "library" / "tiny-api.safetensors").is_file()


@pytest.mark.slow
def test_the_docstring_examples_run(api_folder):
    from engine import inference, training

    folder, env = api_folder
    for module in (inference, training):
        code = docstring_example(module.__doc__)
        assert "import" in code
        run_example(code, folder, env)
    assert (folder / "grandma-coloured.tif").is_file()
