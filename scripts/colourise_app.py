"""Entry point of the frozen app (pyinstaller.spec): the Colourise window, or the command line.

One script serves both executables of the one-folder app, so they share a single
PyInstaller analysis: ``Colourise`` opens the window (``desktop.__main__.main``)
and ``colourise-cli`` runs the ``colourise`` command line (``engine.cli.main.main``).

The order matters. ``freeze_support()`` comes first so that a child process the
frozen executable starts (multiprocessing re-runs this same binary) does its job
and exits instead of opening a second window. torch is imported before PySide6
because torch >= 2.9 fails to load ``c10.dll`` on Windows when Qt's DLLs are
loaded first (WinError 1114).
"""

import multiprocessing
import sys
from pathlib import Path

CLI_NAME = "colourise-cli"


def wants_cli(executable: str) -> bool:
    """True when started as the command-line executable (``colourise-cli`` or ``colourise-cli.exe``)."""
    return Path(executable).stem.lower() == CLI_NAME


if __name__ == "__main__":
    multiprocessing.freeze_support()

    import torch  # noqa: F401  (before PySide6: see the module docstring)

    if wants_cli(sys.executable):
        from engine.cli.main import main
    else:
        from desktop.__main__ import main

    sys.exit(main())
