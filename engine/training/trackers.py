"""Optional experiment trackers: training events also go to TensorBoard and/or Weights & Biases.

A tracker is an event listener: ``train`` wraps its ``TaskState`` with ``attach(config, state)``
and every event the run emits (rank 0 only emits) reaches the trackers named in
``config.log``. Nothing here can stop a training: a tracker whose package is missing is
left out (``missing(name)`` says how to install it), and one that raises is switched off.

- ``tensorboard``: event files in the run folder itself, so ``tensorboard --logdir runs/``
  shows every run by its folder name: ``train/loss``, ``train/lr``, ``train/images_per_second``
  per step, ``val/loss`` and ``val/<metric>`` per validation, the preview grid as an image,
  the config as text. A resumed run writes with ``purge_step`` = its checkpoint step + 1 (1 without one),
  so TensorBoard drops what a killed session logged past the checkpoint: no duplicated steps.
- ``wandb``: the same through ``wandb``, offline (files under ``<run>/wandb/``, upload later
  with ``wandb sync``) unless ``WANDB_MODE`` says otherwise; ``WANDB_PROJECT`` names the
  project (default "colourise"), ``WANDB_DIR`` where its files go. The run id is kept in ``<run>/wandb-id.txt`` so a resumed run
  continues the same W&B run. W&B works on a thread of its own, so the network never holds
  training up, and it never prompts (no login: it stays offline).
"""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import threading
from pathlib import Path
from typing import Any, Callable

from engine import events
from engine.task import TaskState
from engine.training.config import TRACKERS
_PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb"}
WANDB_ID_FILE = "wandb-id.txt"
WANDB_CLOSE_SECONDS = 30.0  # at the end, how long training waits for W&B to write (or upload) what it has


def missing(name: str) -> str | None:
    """None when tracker ``name`` can run here, else a one-line reason with the command that installs it."""
    if name not in TRACKERS:
        return f"unknown tracker {name!r} (choose from {', '.join(TRACKERS)})"
    if importlib.util.find_spec(_PACKAGES[name]) is None:
        return f"--log {name} needs the {_PACKAGES[name]} package: pip install 'colourise[{name}]' (training goes on without it)"
    return None


class ListeningState(TaskState):
    """A ``TaskState`` that hands every event to the caller's listener first, then to extra listeners."""

    def __init__(self, inner: TaskState, listeners: list[Callable[[Any], None]]):
        super().__init__()
        self.inner = inner
        self.listeners = list(listeners)

    def emit(self, event: Any) -> None:
        self.inner.emit(event)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a tracker must never end a training: switch it off instead
                self.listeners.remove(listener)
                _close_quietly(listener)

    def request_stop(self) -> None:
        self.inner.request_stop()

    def should_stop(self) -> bool:
        return self.inner.should_stop()


def _close_quietly(listener) -> None:
    try:
        getattr(listener, "close", lambda: None)()
    except Exception:
        pass


def attach(config, state: TaskState) -> TaskState:
    """``state`` plus a listener for each tracker in ``config.log`` whose package is installed."""
    names = [n for n in dict.fromkeys(getattr(config, "log", None) or []) if missing(n) is None]
    if not names:
        return state
    makers = {"tensorboard": TensorBoardTracker, "wandb": WandbTracker}
    return ListeningState(state, [makers[n](config) for n in names])


_FINAL = (events.TrainingFinished, events.TrainingCancelled, events.TrainingFailed)


class TensorBoardTracker:
    """Writes a run's events as TensorBoard event files into the run folder."""

    def __init__(self, config):
        self.config = config
        self.writer = None

    def __call__(self, event: Any) -> None:
        if isinstance(event, events.TrainingStarted):
            from torch.utils.tensorboard import SummaryWriter

            self.close()
            # A resume hides what was logged after its checkpoint, all of it when it died before its first.
            resuming = event.start_step > 0 or bool(getattr(self.config, "resume", None))
            purge = event.start_step + 1 if resuming else None
            self.writer = SummaryWriter(log_dir=str(event.run_dir), purge_step=purge, flush_secs=10)
            if not resuming:
                self.writer.add_text("config", _config_markdown(self.config), 0)
            return
        writer = self.writer
        if writer is None:
            return
        if isinstance(event, events.TrainingStep):
            writer.add_scalar("train/loss", event.loss, event.step)
            writer.add_scalar("train/lr", event.lr, event.step)
            writer.add_scalar("train/images_per_second", event.images_per_second, event.step)
        elif isinstance(event, events.ValidationDone):
            writer.add_scalar("val/loss", event.loss, event.step)
            for name, value in event.metrics.items():
                writer.add_scalar(f"val/{name}", value, event.step)
            writer.flush()
        elif isinstance(event, events.PreviewReady) and event.triplets:
            from engine.training.runfolder import preview_grid

            writer.add_image("previews", preview_grid(event.triplets), event.step, dataformats="HWC")
            writer.flush()
        elif isinstance(event, _FINAL):
            self.close()

    def close(self) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.close()


def _config_markdown(config) -> str:
    """The recipe as TOML in a code block (TensorBoard's text plugin renders Markdown)."""
    text = config.to_toml() if hasattr(config, "to_toml") else str(config)
    return "\n".join("    " + line for line in text.splitlines())


def wandb_mode() -> str:
    """The W&B mode to use: ``WANDB_MODE`` when the user set it, else offline.

    Online without a W&B key would make ``wandb`` ask for one: that stays offline instead.
    """
    mode = os.environ.get("WANDB_MODE", "").strip().lower()
    if mode not in ("online", "offline", "disabled", "shared"):
        return "offline"
    if mode in ("online", "shared") and not _wandb_key_configured():
        return "offline"
    return mode


def _wandb_key_configured() -> bool:
    if os.environ.get("WANDB_API_KEY"):
        return True
    netrc = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    try:
        return "api.wandb.ai" in netrc.read_text(encoding="utf-8") or "wandb" in netrc.read_text(encoding="utf-8")
    except OSError:
        return False


class WandbTracker:
    """Logs a run to Weights & Biases from a thread of its own (events are queued, never waited on)."""

    def __init__(self, config):
        self.config = config
        self.queue: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None

    def __call__(self, event: Any) -> None:
        if isinstance(event, events.TrainingStarted) and self.thread is None:
            self.thread = threading.Thread(target=self._work, name="wandb-tracker", daemon=True)
            self.thread.start()
        if self.thread is None:
            return
        if isinstance(event, (events.TrainingStarted, events.TrainingStep, events.ValidationDone, events.PreviewReady)):
            self.queue.put(event)
        elif isinstance(event, _FINAL):
            self.close()

    def close(self) -> None:
        thread, self.thread = self.thread, None
        if thread is not None:
            self.queue.put(None)
            thread.join(WANDB_CLOSE_SECONDS)

    # -- on the tracker's thread -----------------------------------------------------------
    def _work(self) -> None:
        run = None
        try:
            while True:
                event = self.queue.get()
                if event is None:
                    break
                if isinstance(event, events.TrainingStarted):
                    run = self._start(event)
                elif run is not None:
                    data = self._data(event)
                    if data:
                        run.log(data, step=event.step)
        except Exception:
            pass  # W&B could not start or write: training goes on without it
        finally:
            if run is not None:
                try:
                    run.finish()
                except Exception:
                    pass

    def _start(self, event: events.TrainingStarted):
        import wandb

        run_dir = Path(event.run_dir)
        id_file = run_dir / WANDB_ID_FILE
        try:
            run_id = id_file.read_text(encoding="utf-8").strip()
        except OSError:
            run_id = ""
        if not run_id:
            run_id = re.sub(r"[^A-Za-z0-9_-]+", "-", run_dir.name)[:64] + "-" + os.urandom(3).hex()
            id_file.write_text(run_id + "\n", encoding="utf-8")
        recipe = {k: v for k, v in self.config.to_dict().items() if k not in ("resume",)}
        return wandb.init(
            project=os.environ.get("WANDB_PROJECT") or "colourise",
            dir=os.environ.get("WANDB_DIR") or str(run_dir),
            id=run_id,
            name=run_dir.name,
            config=recipe,
            resume="allow",
            mode=wandb_mode(),
            settings=wandb.Settings(silent=True, console="off", init_timeout=60, disable_git=True, save_code=False),
        )

    @staticmethod
    def _data(event: Any) -> dict[str, Any]:
        if isinstance(event, events.TrainingStep):
            return {"train/loss": event.loss, "train/lr": event.lr, "train/images_per_second": event.images_per_second}
        if isinstance(event, events.ValidationDone):
            return {"val/loss": event.loss, **{f"val/{k}": v for k, v in event.metrics.items()}}
        if isinstance(event, events.PreviewReady) and event.triplets:
            import wandb

            from engine.training.runfolder import preview_grid

            return {"previews": wandb.Image(preview_grid(event.triplets), caption="grey | prediction | original")}
        return {}
