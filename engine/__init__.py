"""Colourise engine: photos, colour science, models, inference and training.

The engine never imports Qt (an import-linter contract checks it), so the window,
the command line and ``torchrun`` all drive the same code. Heavy modules (torch)
are imported by the submodules that need them, not here, so ``import engine``
stays cheap for the window's start-up.

The names a script needs can be imported from here (README.md, "Use the engine from Python")::

    from engine import Colouriser, read_photo, write_photo

    colouriser = Colouriser.from_name("default")
    write_photo(colouriser.colourise(read_photo("old.jpg")), "old-coloured.jpg")

They are loaded when first asked for (``__getattr__``): ``import engine`` imports no torch.
"""

import importlib

__version__ = "0.1.0"

# The public names and the module each lives in. Training's stay in ``engine.training`` (``train``,
# ``TrainConfig``) and ``engine.events``: here ``engine.train``, the torchrun entry module, would shadow them.
_WHERE = {
    "Colouriser": "engine.inference",
    "MAX_STRENGTH": "engine.inference",
    "Photo": "engine.photo",
    "read_photo": "engine.photo",
    "write_photo": "engine.photo",
    "Hint": "engine.hints",
    "read_hints": "engine.hints",
    "write_hints": "engine.hints",
    "TaskState": "engine.task",
    "ColouriseModel": "engine.models",
    "register_model": "engine.models",
    "list_models": "engine.models",
    "create_model": "engine.models",
    "list_library": "engine.library",
    "resolve_model": "engine.library",
    "evaluate_model": "engine.metrics",
    "ColouriseError": "engine.errors",
}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str):
    # (An unknown name must raise AttributeError: ``from engine import colour`` then imports the submodule.)
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
