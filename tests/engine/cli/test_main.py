"""``colourise`` itself: what every command shares (exit codes, a closed pipe, an interrupt)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _run_with_stdout_closed(*args: str) -> subprocess.CompletedProcess:
    """The CLI as in ``colourise ... | head -0``: its stdout is a pipe whose reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run([sys.executable, "-m", "engine.cli.main", *args], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=300)
    finally:
        os.close(write_end)


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    listed = _run_with_stdout_closed("runs", "--run-dir", str(tmp_path))
    assert (listed.returncode, listed.stderr) == (141, "")
    helped = _run_with_stdout_closed("--help")
    assert helped.returncode in (0, 141) and helped.stderr == ""  # argparse itself may swallow the failed write


def test_every_command_a_help_text_names_exists():
    import argparse
    import re

    import pytest

    from engine.cli.main import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    named = {m for sub in commands.values() for m in re.findall(r"`colourise ([^`|]+)`", sub.format_help())}
    for command in sorted(named):
        try:
            parser.parse_args(command.split())
        except SystemExit as exc:
            pytest.fail(f"help names `colourise {command}`, which exits {exc.code}")


def test_an_unknown_architecture_is_answered_with_the_known_ones(capsys):
    from engine.cli.main import main

    assert main(["train", "--arch", "no-such-arch", "--data", "photos"]) == 2
    assert "known: alpha" in capsys.readouterr().err


def test_help_loads_no_torch():
    # `colourise --help` stays quick: torch (seconds to load) is imported by the commands that run models
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = "import sys; from engine.cli.main import main; code = main(['--help']); print(code, 'torch' in sys.modules, file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.stderr.splitlines()[-1] == "0 False"


def test_ctrl_c_while_the_parser_loads_is_one_line(monkeypatch, capsys):
    from engine.cli import main as cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["--help"]) == 130
    assert capsys.readouterr().err == "colourise: interrupted\n"


def test_a_mistyped_photo_size_limit_is_noted_not_ignored(tmp_path, monkeypatch, capsys):
    from engine.cli.main import main

    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "abc")
    assert main(["runs", "--run-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().err == "colourise: note: COLOURISE_MAX_MEGAPIXELS=abc is not a positive number of megapixels; the default, 180 MP, applies\n"
    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "250")
    assert main(["runs", "--run-dir", str(tmp_path)]) == 0 and capsys.readouterr().err == ""


def test_python_m_engine_cli_is_the_command_line():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "engine.cli", "--help"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: colourise ")


def test_an_unknown_architecture_is_one_plain_line(capsys):
    from engine.cli.main import main
    from engine.models import list_models
    from engine.models.registry import CUSTOM_ARCHITECTURES_HELP

    assert main(["train", "--arch", "nope", "--data", "photos"]) == 2
    known = ", ".join(list_models())
    assert capsys.readouterr().err.endswith(
        f": error: unknown architecture 'nope' (known: {known}; {CUSTOM_ARCHITECTURES_HELP})\n")  # (it was in "...")


def test_train_help_lists_the_architectures(capsys):
    from engine.cli.main import main
    from engine.models import list_models

    assert main(["train", "--help"]) == 0
    arch_help = capsys.readouterr().out.split("\n  --arch NAME", 1)[1].split("\n  --", 1)[0]
    assert all(name in arch_help for name in list_models()), arch_help


def test_an_unknown_flag_of_a_command_is_answered_by_that_command(capsys):
    """It was answered with the top-level usage, as though the command had not been understood."""
    from engine.cli.main import main

    assert main(["train", "--image-size", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: colourise train ") and err.endswith("colourise train: error: unrecognized arguments: --image-size 3\n")


def test_train_help_gives_one_example_a_line(capsys):
    from engine.cli.main import main

    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    assert "\nexamples: colourise train --config configs/default.toml\n" in out
    assert "\n          colourise train --resume runs/alpha-20250101-120000\n" in out


def test_every_commands_errors_begin_with_its_name(tmp_path, capsys):
    from engine.cli.main import main

    assert main(["evaluate", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("colourise evaluate: error: ")
    assert main(["train"]) == 2
    assert capsys.readouterr().err.startswith("colourise train: error: ")
    assert main(["runs", "--run-dir", str(tmp_path / "typo")]) == 2
    assert capsys.readouterr().err.startswith("colourise runs: error: ")
