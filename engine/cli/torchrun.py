"""``python -m engine.cli.torchrun ARGS``: torchrun (``torch.distributed.run``), ending quietly on a stop.

``colourise train --nproc N`` launches this. A stop reaches torchrun as a signal, which it turns into a
``SignalException`` once it has passed the stop on to its ranks and they have ended (after their step
and their checkpoint, which they report): left uncaught, that was a 30-line traceback after the
run's own "stopped at step ...; resume with ..." line, with torchrun's warnings that it shut its
workers down. Here the stop ends with the exit code of a stopped run and nothing more.
"""

from __future__ import annotations

import logging
import runpy
import sys

EXIT_STOPPED = 130  # (engine.cli.train_cmd's: a stopped run, its checkpoint kept)

# torchrun's warnings while it passes a stop on to its ranks: said by the launcher already, in words of its own
_STOP_WARNINGS = ("Received %s death signal, shutting down workers", "Sending process %s closing signal %s")
_STOP_LOGGERS = ("torch.distributed.elastic.agent.server.api", "torch.distributed.elastic.multiprocessing.api")


class _WithoutStopWarnings(logging.Filter):
    """Drops torchrun's log lines about shutting its workers down after a stop (not its other warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _STOP_WARNINGS


def main() -> int:
    """Run torchrun on this process's arguments; the exit code of a stopped run when a stop ended it."""
    from torch.distributed.elastic.multiprocessing.api import SignalException

    quiet = _WithoutStopWarnings()
    for name in _STOP_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    try:
        # as `python -m torch.distributed.run` runs it: its own notes (OMP_NUM_THREADS) read as they did
        runpy.run_module("torch.distributed.run", run_name="__main__", alter_sys=True)
    except SignalException:  # stopped: the ranks have ended, each after its step, rank 0 keeping the checkpoint
        return EXIT_STOPPED
    return 0


if __name__ == "__main__":
    sys.exit(main())
