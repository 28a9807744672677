"""Training colourising models: ``train(TrainConfig(...), state)`` and friends.

    from engine.task import TaskState
    from engine.training import TrainConfig, train, resume_config

    state = TaskState(on_event=print)                      # every engine.events event; state.request_stop() stops
    config = TrainConfig.defaults_for("alpha", data=["photos/"], epochs=5)
    result = train(config, state)                          # TrainingFinished | TrainingCancelled | TrainingFailed
    result = train(resume_config(result.run_dir), state)   # continue a stopped run

The names are loaded when first asked for: ``engine.training.config`` needs no torch, and the
command line reads it (its --log choices) to build ``colourise --help``, which stays quick.
"""

import importlib

_WHERE = {
    "AugmentConfig": "engine.training.config",
    "TrainConfig": "engine.training.config",
    "list_losses": "engine.training.losses",
    "register_loss": "engine.training.losses",
    "unregister_loss": "engine.training.losses",
    "resume_config": "engine.training.trainer",
    "train": "engine.training.trainer",
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
