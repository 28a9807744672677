"""``python -m engine.train [flags]``: the training entry point torchrun runs (and the CLI's twin).

    torchrun --nproc-per-node 2 -m engine.train --config configs/default.toml
    python -m engine.train --config configs/default.toml
    python -m engine.train --resume runs/default-20250101-120000

Takes the flags of ``colourise train`` (see ``engine.cli.train_cmd``). Under torchrun
only rank 0 prints; every rank stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.train_cmd import EXIT_USAGE, _is_first_rank, add_train_arguments, run_training


class _RanksParser(argparse.ArgumentParser):
    """Flags every rank of torchrun parses alike: a bad one is said by the first rank, the others exit as it does."""

    def error(self, message: str):
        if _is_first_rank():
            super().error(message)
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _RanksParser(prog="python -m engine.train", description="Train a colourising model (also under torchrun).",
                          add_help=False)
    add_train_arguments(parser)
    parser.add_argument("--models-dir", metavar="DIR", default=None, help="model library folder for the finished model")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.config or args.resume or args.data):
        if _is_first_rank():
            print("error: give --config FILE, --data DIR or --resume RUN_DIR", file=sys.stderr)
        return EXIT_USAGE
    return run_training(args, progress=_is_first_rank() and sys.stderr.isatty())


if __name__ == "__main__":
    sys.exit(main())
