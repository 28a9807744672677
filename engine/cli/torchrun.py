"""``python -m engine.cli.torchrun ARGS``: torchrun (``torch.distributed.run``), ending quietly on a stop.

``colourise train --nproc N`` launches this. A stop reaches torchrun as a signal, which it turns into a
``SignalException`` once it has passed the stop on to its ranks and they have ended (after their step
and their checkpoint, which they report): left uncaught, that was a 30-line traceback after the
run's own "stopped at step ...; resume with ..." line, with torchrun's warnings that it shut its
workers down. Here the stop ends with the exit code of a stopped run and nothing more.

A run that fails ends as quietly: its ranks have said why (rank 0 in one line), where torchrun
followed with its ``ChildFailedError`` traceback and a 30-line report of exit codes; a rank killed
by a signal first, which could say nothing, is named in one line.
"""

from __future__ import annotations

import logging
import runpy
import sys

EXIT_FAILED, EXIT_STOPPED = 1, 130  # (engine.cli.train_cmd's: a failed run; a stopped run, its checkpoint kept)

# torchrun's log lines as it passes a stop on to its ranks (said by the launcher already, in words of its own)
# and as it ends a failed run (said by its ranks)
_QUIET_LINES = (
    "Received %s death signal, shutting down workers",
    "Sending process %s closing signal %s",
    "failed (exitcode: %s) local_rank: %s (pid: %s) of binary: %s",
)
_TORCHRUN_LOGGERS = ("torch.distributed.elastic.agent.server.api", "torch.distributed.elastic.multiprocessing.api")


class _WithoutEndingLines(logging.Filter):
    """Drops torchrun's log lines about a stop or a failure its ranks have said (not its other warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _QUIET_LINES


def main() -> int:
    """Run torchrun on this process's arguments; the exit code of a stopped or failed run when one ended it."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    quiet = _WithoutEndingLines()
    for name in _TORCHRUN_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    try:
        # as `python -m torch.distributed.run` runs it: its own notes (OMP_NUM_THREADS) read as they did
        runpy.run_module("torch.distributed.run", run_name="__main__", alter_sys=True)
    except SignalException:  # stopped: the ranks have ended, each after its step, rank 0 keeping the checkpoint
        return EXIT_STOPPED
    except ChildFailedError as failed:
        rank, first = failed.get_first_failure()  # (the others were ended by torchrun, with a SIGTERM)
        if first.exitcode < 0:
            print(f"colourise train: error: training process {rank} was killed by {first.signal_name()}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
