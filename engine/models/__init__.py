"""Colourising architectures: one module each, all registered on import of this package."""

from engine.models.registry import (  # noqa: F401
    Architecture,
    create_model,
    get_architecture,
    is_known,
    list_models,
    load_plugins,
    register_model,
    takes_hints,
)
from engine.models.base import OPTIONAL_HOOKS, ColouriseModel, capabilities_of  # noqa: F401

# Importing an architecture module registers it. Keep this list in sync with the files.
from engine.models import alpha, beta, model3, conv_ae, colorization_net, colour_unet  # noqa: E402,F401
