"""Colourise engine: photos, colour science, models, inference and training.

The engine never imports Qt (an import-linter contract checks it), so the window,
the command line and ``torchrun`` all drive the same code. Heavy modules (torch)
are imported by the submodules that need them, not here, so ``import engine``
stays cheap for the window's start-up.
"""

__version__ = "0.1.0"
