"""Training colourising models: ``train(TrainConfig(...), state)`` and friends.

    from engine.training import TrainConfig, train, resume_config
    config = TrainConfig.defaults_for("alpha", data=["photos/"], epochs=5)
    result = train(config, TaskState(on_event=print))      # TrainingFinished | TrainingCancelled | TrainingFailed
    result = train(resume_config(result.run_dir), state)   # continue a stopped run
"""

from engine.training.config import AugmentConfig, TrainConfig  # noqa: F401
from engine.training.losses import list_losses, register_loss, unregister_loss  # noqa: F401
from engine.training.trainer import resume_config, train  # noqa: F401

__all__ = ["AugmentConfig", "TrainConfig", "list_losses", "register_loss", "unregister_loss", "resume_config", "train"]
