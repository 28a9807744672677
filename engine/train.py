"""``python -m engine.train [flags]``: the training entry point torchrun runs (and the CLI's twin).

    torchrun --nproc-per-node 2 -m engine.train --config configs/default.toml
    python -m engine.train --config configs/default.toml
    python -m engine.train --resume runs/default-20250101-120000

Takes the flags of ``colourise train`` (see ``engine.cli.train_cmd``). Under torchrun
only rank 0 prints; every rank stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.cli.train_cmd import EXIT_USAGE, add_train_arguments, run_training


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine.train", description="Train a colourising model (also under torchrun).",
                                     add_help=False)
    add_train_arguments(parser)
    parser.add_argument("--models-dir", metavar="DIR", default=None, help="model library folder for the finished model")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.config or args.resume or args.data):
        print("error: give --config FILE, --data DIR or --resume RUN_DIR", file=sys.stderr)
        return EXIT_USAGE
    rank = int(os.environ.get("RANK", "0"))
    return run_training(args, progress=rank == 0 and sys.stderr.isatty())


if __name__ == "__main__":
    sys.exit(main())
