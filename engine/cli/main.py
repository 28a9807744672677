"""``colourise``: the command-line entry point; each subcommand lives in its own module.

A subcommand module exposes ``add_parser(subparsers)`` (returning its parser) and
``run(args) -> int``. Modules that are not there yet are left out, so the tool works
while the team builds the rest. Exit codes: 0 success, 1 some photos failed, 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

from engine import __version__
from engine.errors import ColouriseError

COMMAND_MODULES = (
    "engine.cli.images",
    "engine.cli.models_cmd",
    "engine.cli.train_cmd",
    "engine.cli.evaluate_cmd",
    "engine.cli.runs_cmd",
)
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away (`| head`)


def _available_commands() -> list:
    modules = []
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="colourise",
        description="Bring colour to greyscale photographs with convolutional networks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--models-dir",
        metavar="DIR",
        default=None,
        help="your model library folder (default: $COLOURISE_MODEL_DIR or the per-user data folder)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _available_commands():
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe is found here, not at exit after the code is chosen
        return code
    except BrokenPipeError:  # `colourise runs | head -3`: the reader has all it wanted
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:  # Ctrl-C at any moment, e.g. while the parser or torch loads
        print("colourise: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # (parse_args would answer a command's unknown flag with the top-level usage, as if the command were)
            _command_parser(parser, getattr(args, "command", None)).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_OK
    from engine.photo import max_pixels_setting_problem

    problem = max_pixels_setting_problem()
    if problem:  # (a mistyped limit was once ignored without a word)
        print(f"colourise: note: {problem}", file=sys.stderr)
    try:
        return int(args.run(args))
    except (KeyboardInterrupt, BrokenPipeError):
        raise  # not errors: main says "interrupted", or ends quietly
    except ColouriseError as exc:
        print(f"colourise {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # no traceback for users; COLOURISE_DEBUG=1 shows it
        if os.environ.get("COLOURISE_DEBUG"):
            raise
        print(f"colourise {args.command}: error: {type(exc).__name__}: {exc} (set COLOURISE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_FAILED


def _command_parser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    """The parser of ``command`` (its usage and "colourise COMMAND: error:"); the top-level one when there is none."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return parser


def _stdout_to_devnull() -> None:
    """Point stdout at the null device: Python flushes it once more at exit, and would report the
    closed pipe again ("Exception ignored ... BrokenPipeError")."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's captured stdout): nothing to flush at exit
        pass


if __name__ == "__main__":
    sys.exit(main())
