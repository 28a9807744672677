"""``colourise train``: train or fine-tune a model from a config file and/or flags, with a progress bar.

    colourise train --config configs/default.toml
    colourise train --data photos/ --arch alpha --size 128 --epochs 5 --name my-model
    colourise train --resume runs/my-model-20250101-120000
    colourise train --config configs/default.toml --nproc 2     # torchrun, DistributedDataParallel

``python -m engine.train`` takes the same flags (it is what torchrun runs).
Exit codes: 0 finished, 1 failed, 2 usage, 130 stopped (the checkpoint is kept; resume it).
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from engine.cli import argtypes
from engine.cli.terminal import LinesHelpFormatter
from engine.training.config import TRACKERS

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 130
LINE_INTERVAL = 30.0  # seconds between progress lines when there is no terminal for a bar
# How long torchrun lets its ranks end after a stop before it kills them. Its own 30 s could end a
# rank 0 still validating (up to 256 photos) before the step's checkpoint, losing the steps since the last.
RANK_STOP_SECONDS = 600
STOP_SAID_ENV = "COLOURISE_STOP_SAID"  # set for the ranks of --nproc: their launcher says that a stop was heard

# flag -> TrainConfig field, for the simple overrides
_FIELD_FLAGS = {
    "arch": "arch",
    "size": "image_size",
    "batch_size": "batch_size",
    "epochs": "epochs",
    "steps": "steps",
    "lr": "lr",
    "init_from": "init_from",
    "name": "name",
    "run_dir": "run_dir",
    "checkpoint_every_steps": "checkpoint_every_steps",
    "device": "device",
    "seed": "seed",
}


# flag attribute -> the flag, for passing flags on and for naming the flag in a message about its value
_FLAG_OF = {"config": "--config", "resume": "--resume", "arch": "--arch", "size": "--size", "batch_size": "--batch-size",
            "epochs": "--epochs", "steps": "--steps", "lr": "--lr", "init_from": "--from", "name": "--name",
            "run_dir": "--run-dir", "checkpoint_every_steps": "--checkpoint-every-steps", "device": "--device", "seed": "--seed"}


ARCH_HELP = "architecture: %s (default: that of --config or --from, else alpha)"


class HelpListingArchitectures(argparse._HelpAction):
    """``--help`` with the architectures the registry knows in ``--arch``'s help: read when help is asked for, as
    the registry loads torch (seconds), which every other command line would wait for at parser build time."""

    def __call__(self, parser, namespace, values, option_string=None):
        from engine.models import list_models

        for action in parser._actions:
            if "--arch" in action.option_strings:
                action.help = ARCH_HELP % ", ".join(list_models())
        super().__call__(parser, namespace, values, option_string)


def _setting(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` with VALUE in TOML syntax (strings may be bare): ``--set cache_images=false``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip(), parsed


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """The training flags, shared by ``colourise train`` and ``python -m engine.train`` (``parser`` is made with
    ``add_help=False``: its ``--help`` lists the architectures)."""
    parser.add_argument("-h", "--help", action=HelpListingArchitectures, help="show this help message and exit")
    parser.add_argument("--config", metavar="FILE", help="a TOML or JSON training config (flags override it)")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run in this folder from its last checkpoint")
    parser.add_argument("--data", action="append", metavar="DIR", help="folder of colour photos to train on (repeatable)")
    parser.add_argument("--val", action="append", metavar="DIR", help="validation folder (repeatable; default: a split of --data)")
    parser.add_argument("--arch", metavar="NAME", help=ARCH_HELP % "e.g. colour_unet")
    parser.add_argument("--size", type=argtypes.positive_int, metavar="N", help="training crop size in pixels")
    parser.add_argument("--batch-size", type=argtypes.positive_int, metavar="N", help="photos per step (per process)")
    parser.add_argument("--epochs", type=argtypes.positive_int, metavar="N", help="passes over the training photos")
    parser.add_argument("--steps", type=argtypes.positive_int, metavar="N", help="train this many steps instead of --epochs")
    parser.add_argument("--lr", type=float, metavar="F", help="learning rate")
    parser.add_argument("--from", dest="init_from", metavar="MODEL", help="fine-tune this library model or model file (with the default's fine-tune settings; "
                        "--set arch_params.NAME=VALUE changes what its weights allow, e.g. encoder_lr_factor)")
    parser.add_argument("--name", metavar="NAME", help="the finished model's name in the library")
    parser.add_argument("--run-dir", metavar="DIR", help="parent folder of run folders (default: runs)")
    parser.add_argument("--checkpoint-every-steps", type=argtypes.positive_int, metavar="N", help="write the resume checkpoint this often")
    parser.add_argument("--device", type=argtypes.device, metavar="auto|cpu|cuda", help="where to train (default: auto)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (data order, augmentation, initial weights)")
    parser.add_argument("--set", dest="settings", action="append", type=_setting, default=[], metavar="KEY=VALUE", help="any other config setting, e.g. --set schedule=\"onecycle\" --set augment.hflip=false --set arch_params.hint_input=true")
    parser.add_argument("--log", action="append", choices=TRACKERS, metavar="tensorboard|wandb",
                        help="also log to TensorBoard (event files in the run folder) or Weights & Biases (offline unless WANDB_MODE says otherwise); repeatable")
    parser.add_argument("--no-progress", action="store_true", help="print a line per validation instead of a progress bar")


def config_from_args(args: argparse.Namespace):
    """The TrainConfig the flags describe (``ValueError`` with a one-line reason when they do not fit)."""
    from engine.training import TrainConfig, resume_config

    models_dir = getattr(args, "models_dir", None)
    fine_tuned_arch = _arch_of(args.init_from, models_dir) if args.init_from and not (args.config or args.resume) else None
    if args.init_from and args.arch and not args.resume:  # a fine-tune's weights fix its architecture: say so, not ignore it
        model_arch = fine_tuned_arch or _arch_of(args.init_from, models_dir)
        if model_arch and model_arch != args.arch:
            raise ValueError(f"--arch {args.arch} does not fit --from {args.init_from}: a fine-tune keeps the architecture "
                             f"of the model it starts from ({model_arch})")
    if args.resume:
        config = resume_config(args.resume)
    elif args.config:
        config = TrainConfig.load(args.config)
    elif fine_tuned_arch:  # as the window does: the default's fine-tune stage for its architecture
        from engine.training.recipe import recipe_for

        config = recipe_for(fine_tuned_arch, fine_tune=True)
    elif args.arch:
        config = TrainConfig.defaults_for(args.arch)
    else:
        config = TrainConfig()
    data = config.to_dict()
    if args.arch and args.arch != data["arch"] and not args.resume:
        data["arch_params"] = TrainConfig.defaults_for(args.arch).arch_params  # the config's would not fit
    for flag, field in _FIELD_FLAGS.items():
        value = getattr(args, flag, None)
        if value is not None:
            data[field] = value
    if args.epochs is not None and args.steps is None:
        data["steps"] = 0
    if args.data:
        data["data"] = list(args.data)
    if args.val:
        data["val"] = list(args.val)
    if getattr(args, "log", None):
        data["log"] = list(dict.fromkeys([*data.get("log", []), *args.log]))
    if models_dir:
        data["library_dir"] = str(models_dir)
    if data.get("init_from") and not (args.config or args.resume):
        # A fine-tune starts from the model's own settings, not the architecture's defaults; --set changes
        # those its architecture lets a fine-tune change (the trainer keeps the rest).
        data["arch_params"] = {}
        data["arch"] = fine_tuned_arch or data["arch"]
    for key, value in args.settings or []:
        section, dot, name = key.partition(".")
        if dot and section in ("augment", "arch_params"):  # --set arch_params.hint_input=true
            data.setdefault(section, {})[name] = value
        else:
            data[key] = value
    if args.resume:
        _check_resume_keeps_the_model(config, data, args)
    return TrainConfig.from_dict(data)


def _check_resume_keeps_the_model(run, data: dict, args: argparse.Namespace) -> None:
    """``ValueError`` naming the flag when a resume asks to change what shapes the run's weights (they could not load)."""
    from engine.training.config import weights_change

    if data.get("arch") != run.arch:
        flag = "--arch" if args.arch else "arch"
        raise ValueError(f"{flag} cannot change when resuming: the run trains {run.arch}")
    if (data.get("init_from") or "") != run.init_from:
        what = f"fine-tunes {run.init_from}" if run.init_from else "is not a fine-tune"
        raise ValueError(f"--from cannot change when resuming: the run {what}")
    change = weights_change(run.arch, run.arch_params, run.arch, data.get("arch_params") or {})
    if change:
        raise ValueError(change)


def _flag_settings(args: argparse.Namespace) -> dict[str, str]:
    """The settings the command's flags give, each with its flag (``{"image_size": "--size", "lr": "--set"}``)."""
    given = {field: _FLAG_OF[flag] for flag, field in _FIELD_FLAGS.items() if getattr(args, flag, None) is not None}
    given |= {key: f"--{key}" for key in ("data", "val", "log") if getattr(args, key, None)}
    given |= {key.partition(".")[0]: "--set" for key, _ in args.settings or []}
    return given


def _located(message: str, key: str, args: argparse.Namespace) -> str:
    """``message`` about setting ``key`` (``lr``, ``augment.hflip``), led by the config file that gave it, as the
    user named it (a bad value in the file would otherwise read as one given by ``--set``), or naming the flag that
    gave it in place of the key (``--size: expected ...``, not ``image_size: ...``)."""
    flag = _flag_settings(args).get(key.partition(".")[0])
    if flag and flag != "--set" and message.startswith(f"{key}: "):
        return flag + message[len(key):]
    if args.config and not args.resume and not flag:
        return f"{args.config}: {message}"
    return message


def missing_entry_message(config, args: argparse.Namespace) -> str:
    """One line naming the first folder or file of ``data``, ``val`` or ``exclude`` that is not there ("" when all
    are), and what gave it: the flag, or the config file (relative paths in it are read from the current folder)."""
    from engine.training.config import missing_entry

    missing = missing_entry(config)
    if not missing:
        return ""
    key, entry, reason = missing
    flag = _flag_settings(args).get(key)
    if flag and flag != "--set":
        return f"{flag}: {entry}: {reason}"
    message = _located(f"{key}: {entry}: {reason}", key, args)
    if message != f"{key}: {entry}: {reason}" and not Path(entry).expanduser().is_absolute():
        message += f" (relative paths are read from the current folder: {Path.cwd()})"
    return message


def _arch_of(model: str, library_dir: str | None) -> str | None:
    """The architecture of the model to fine-tune; None when it cannot be read (the trainer then says why)."""
    from engine.errors import ColouriseError
    from engine.library import resolve_model
    from engine.modelfile import read_info

    try:
        return read_info(resolve_model(model, library_dir or None)).arch
    except (ColouriseError, OSError):
        return None


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="train or fine-tune a colourising model",
        description="Train a colourising model on folders of colour photos. Each run gets a folder "
        "(config, metrics, previews, checkpoint, final model); the finished model is added to your library. "
        "Ctrl-C stops cleanly and keeps the checkpoint: --resume continues it.",
        epilog="examples: colourise train --config configs/default.toml\n"
        "          colourise train --data photos/ --arch alpha --epochs 5\n"
        "          colourise train --resume runs/alpha-20250101-120000",
        formatter_class=LinesHelpFormatter,
        add_help=False,
    )
    add_train_arguments(parser)
    parser.add_argument("--nproc", type=argtypes.positive_int, metavar="N", help="train with N processes under torchrun (DistributedDataParallel)")
    return parser


def _forwarded_argv(args: argparse.Namespace) -> list[str]:
    """The flags of ``args`` again, for ``python -m engine.train`` under torchrun."""
    argv: list[str] = []
    for attr, flag in _FLAG_OF.items():
        value = getattr(args, attr, None)
        if value is not None:
            argv += [flag, str(value)]
    for attr, flag in (("data", "--data"), ("val", "--val")):
        for value in getattr(args, attr, None) or []:
            argv += [flag, str(value)]
    if getattr(args, "log", None):
        # as a setting: torchrun's own parser would take "--log" for an abbreviation of its --log-dir
        try:
            names = config_from_args(args).log
        except (ValueError, TypeError, KeyError):
            names = list(args.log)
        argv += ["--set", "log=[" + ", ".join(f'"{name}"' for name in names) + "]"]
    for key, value in args.settings or []:
        from engine.training.config import _toml_value

        argv += ["--set", f"{key}={_toml_value(value)}"]
    if getattr(args, "models_dir", None):
        argv += ["--models-dir", str(args.models_dir)]
    if args.no_progress:
        argv.append("--no-progress")
    return argv


def run_torchrun(args: argparse.Namespace) -> int:
    """Launch ``torchrun --nproc-per-node N -m engine.train ...`` and wait for it.

    (torchrun as ``engine.cli.torchrun`` runs it: a stop ends without torchrun's traceback and warnings.)
    The flags are checked first, as one process checks them: once, not once a rank after torchrun's start-up.
    """
    reason = checked_config(args)[1]
    if reason:
        print(f"colourise train: error: {reason}", file=sys.stderr)
        return EXIT_USAGE
    command = [sys.executable, "-m", "engine.cli.torchrun", "--standalone", "--nproc-per-node", str(args.nproc),
               "--shutdown-timeout", str(RANK_STOP_SECONDS), "-m", "engine.train", *_forwarded_argv(args)]
    print("running: " + " ".join(command), file=sys.stderr)
    return run_forwarding_stops(command)


def run_forwarding_stops(command: list[str]) -> int:
    """Run ``command`` (torchrun) to its end, passing a Ctrl-C, SIGTERM or SIGHUP (the terminal closed) on to it as SIGTERM.

    torchrun passes it to its ranks, which stop after their step and keep a checkpoint, as one process
    does. The child has a session of its own, so a Ctrl-C at the terminal reaches it once, through
    here, and never twice (a second signal aborts a rank before its checkpoint). Returns the child's
    exit code, or EXIT_STOPPED when it ended after a stop.
    """
    stops: list[int] = []
    children: list[subprocess.Popen] = []

    def forward(signum, frame):
        if not stops:
            for child in children:
                child.send_signal(signal.SIGTERM)
            try:
                print("\nstopping after this step ...", file=sys.stderr, flush=True)
            except OSError:  # a closed terminal (SIGHUP) takes no more output; the stop is passed on all the same
                pass
        stops.append(signum)  # (later ones are not sent on: a second stop would abort the ranks before they save)

    previous = {}
    # (SIGHUP where the platform has one: the child's own session never hears its terminal close.)
    for sig in _stop_signals():  # (before the child starts: a stop at once is passed on too)
        try:
            previous[sig] = signal.signal(sig, forward)
        except ValueError:  # not the main thread
            pass
    # (the ranks leave saying "stopping after this step" to it: once, not once a rank and once here)
    child = subprocess.Popen(command, start_new_session=True, env={**os.environ, STOP_SAID_ENV: "1"})
    children.append(child)
    if stops:
        child.send_signal(signal.SIGTERM)
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:  # an exception here: leave no training behind
            child.kill()
            child.wait()
    return EXIT_STOPPED if stops and code != EXIT_OK else code


class ProgressPrinter:
    """Turns training events into terminal output: a tqdm bar with loss, images/s and ETA."""

    def __init__(self, bar: bool = True, stream=None):
        self.use_bar = bar
        self.stream = stream or sys.stderr
        self.bar = None
        self.last_line = 0.0

    def _say(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def __call__(self, event) -> None:
        try:
            self._show(event)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                # The pipe the output went to closed (`colourise train ... | head`): the run goes on, its
                # output to nowhere; it ended as failed ("could not read or write the run folder: Broken pipe").
                _write_nowhere((1,))
                return
            if exc.errno != errno.EIO:
                raise
            # The terminal was closed (a rank of --nproc never hears the hangup, its launcher does and
            # stops it): the run goes on to its checkpoint, its output to nowhere.
            _write_nowhere()

    def _show(self, event) -> None:
        from engine import events

        if isinstance(event, events.TrainingStarted):
            print(f"run folder: {event.run_dir}", flush=True)
            validating = f"{event.val_photos}" if event.val_held_out else (
                f"{_photos(event.val_photos, 'training photo')} (nothing held out: scores are on photos it trains on)")
            self._say(f"training on {_photos(event.train_photos)}, validating on {validating}, device {event.device}")
            if event.kept_from_model:
                self._say(f"kept from the model (its weights fix them): {', '.join(event.kept_from_model)}")
            if event.skipped_grey:
                self._say(f"skipped {len(event.skipped_grey)} greyscale photo{'s' if len(event.skipped_grey) > 1 else ''}: {', '.join(event.skipped_grey[:10])}{' ...' if len(event.skipped_grey) > 10 else ''}")
            for line in event.skipped_broken[:20]:
                self._say(f"skipped unreadable {line}")
            for line in event.skipped_copies[:20]:
                self._say(f"skipped {line}")
            if event.val_in_training and event.val_held_out:  # (all of them: the line above says nothing is held out)
                count = len(event.val_in_training)
                self._say(f"{_photos(count, 'validation photo')} {'are training photos' if count > 1 else 'is a training photo'}: "
                          "not validated on")
            if event.skipped_colourised:
                count, names = len(event.skipped_colourised), event.skipped_colourised
                self._say(f"skipped {count} photo{'s' if count > 1 else ''} coloured by Colourise: {', '.join(names[:10])}{' ...' if count > 10 else ''}")
            if event.enlarged:
                count, names = len(event.enlarged), event.enlarged
                self._say(
                    f"note: {count} training photo{'s are' if count > 1 else ' is'} smaller than the {event.crop_size} px crops and enlarged,"
                    f" which blurs {'their' if count > 1 else 'its'} colours: {', '.join(names[:10])}{' ...' if count > 10 else ''}"
                )
            if event.start_step:
                self._say(f"resuming at step {event.start_step} of {event.total_steps}")
            if event.world_change:
                self._say(event.world_change)
            if event.photos_change:
                self._say(event.photos_change)
            if self.use_bar:
                from tqdm import tqdm

                self.bar = tqdm(total=event.total_steps, initial=event.start_step, unit="step", file=self.stream, dynamic_ncols=True)
        elif isinstance(event, events.TrainingStep):
            text = f"loss {event.loss:.4f}, {event.images_per_second:.1f} img/s, lr {event.lr:.2g}"
            if self.bar is not None:
                self.bar.set_postfix_str(text, refresh=False)
                self.bar.update(event.step - self.bar.n)
            elif time.monotonic() - self.last_line >= LINE_INTERVAL or event.step == event.total_steps:
                self.last_line = time.monotonic()
                eta = f"{event.eta_seconds / 60:.1f} min" if event.eta_seconds == event.eta_seconds else "?"
                self._say(f"step {event.step}/{event.total_steps} (epoch {event.epoch:.2f}): {text}, ETA {eta}")
        elif isinstance(event, events.ValidationDone):
            m = event.metrics
            self._say(
                f"step {event.step} (epoch {event.epoch:.2f}): val loss {event.loss:.4f}, PSNR {m.get('psnr', float('nan')):.2f} dB, "
                f"AuC {m.get('auc', float('nan')):.3f}, colourfulness {m.get('colourfulness', float('nan')):.1f} "
                f"(originals {m.get('colourfulness_original', float('nan')):.1f})"
            )
        elif isinstance(event, events.CheckpointSaved):
            self._say(f"checkpoint saved at step {event.step}")
        elif isinstance(event, events.TrainingFinished) and event.finished_already:
            print(f"{event.run_dir}: finished already at step {event.steps:,}; its model is {event.model_path}", flush=True)
        elif isinstance(event, events.TrainingFinished):
            self._close()
            print(f"finished after {event.steps:,} step{'s' if event.steps != 1 else ''}; model saved to {event.model_path}", flush=True)
        elif isinstance(event, events.TrainingCancelled):
            self._close()
            nproc = f" --nproc {event.processes}" if event.processes > 1 else ""  # (one process would halve the global batch)
            where = f"; resume with: colourise train --resume {event.run_dir}{nproc}" if event.checkpoint else ""
            print(f"stopped at step {event.step}{where}", flush=True)
        elif isinstance(event, events.TrainingFailed):
            self._close()
            print(f"colourise train: error: training failed: {event.message}", file=sys.stderr, flush=True)

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def checked_config(args: argparse.Namespace):
    """The checked TrainConfig the flags describe and "", or None and the one-line reason they do not fit (a
    bad value, a missing folder): the command's fault, said before any work."""
    from engine.training.config import SettingError

    try:
        config = config_from_args(args)
        config.validate()
    except SettingError as exc:
        return None, _located(str(exc), exc.key, args)
    except (ValueError, TypeError, KeyError) as exc:  # (str() of a KeyError is its message in quotes)
        return None, exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    missing = "" if args.resume else missing_entry_message(config, args)  # (a resume's trainer says where to resume it from)
    return (None, missing) if missing else (config, "")


def run_training(args: argparse.Namespace, progress: bool = True) -> int:
    """Build the config, run ``train`` with a progress bar and Ctrl-C handling; returns the exit code."""
    config, reason = checked_config(args)
    if reason:
        if _is_first_rank():  # (torchrun by hand: every rank checks the same flags; said once)
            print(f"colourise train: error: {reason}", file=sys.stderr)
        return EXIT_USAGE
    from engine import events
    from engine.task import TaskState
    from engine.training import train
    from engine.training.trackers import missing

    for name in config.log if _is_first_rank() else []:  # (the same on every rank: said once)
        reason = missing(name)
        if reason:
            print(f"colourise train: note: {reason}", file=sys.stderr)
    printer = ProgressPrinter(bar=progress and not args.no_progress)
    state = TaskState(on_event=printer)
    previous = {}

    def stop(signum, frame):  # first Ctrl-C: stop after this step and keep a checkpoint; second: abort
        if signum == getattr(signal, "SIGHUP", None):
            _write_nowhere()  # the terminal closed: stop as on Ctrl-C, never abort
        elif state.should_stop():
            raise KeyboardInterrupt
        if not state.should_stop() and _says_stops():
            try:
                print("\nstopping after this step (Ctrl-C again to abort) ...", file=sys.stderr, flush=True)
            except OSError:  # a rank of --nproc whose terminal closed hears only the SIGTERM its launcher passes on
                _write_nowhere()
        state.request_stop()

    for sig in _stop_signals():
        try:
            previous[sig] = signal.signal(sig, stop)
        except ValueError:  # not the main thread
            pass
    try:
        result = train(config, state)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if isinstance(result, events.TrainingFinished):
        return EXIT_OK
    if isinstance(result, events.TrainingCancelled):
        return EXIT_STOPPED
    return EXIT_FAILED


def _is_first_rank() -> bool:
    """Whether this process is one by itself or rank 0 of torchrun's: the one that says what every rank would."""
    return int(os.environ.get("RANK", "0")) == 0


def _says_stops() -> bool:
    """Whether this process says "stopping after this step": one process, or rank 0 of a torchrun run by hand."""
    return _is_first_rank() and not os.environ.get(STOP_SAID_ENV)


def _stop_signals() -> list[int]:
    """Ctrl-C, SIGTERM and, where the platform has one, SIGHUP (the terminal was closed)."""
    return [sig for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if sig is not None]


def _write_nowhere(fds: tuple[int, ...] = (1, 2)) -> None:
    """Send this process's further output (on ``fds``: stdout and stderr) to the null device.

    After its terminal closes, a write to it fails (EIO): the progress line of the next step would
    end the run as failed, before it keeps the checkpoint the stop asks for.
    """
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in fds:
            os.dup2(null, fd)
    finally:
        os.close(null)


def run(args: argparse.Namespace) -> int:
    if not (args.config or args.resume or args.data):
        print("colourise train: error: give --config FILE, --data DIR or --resume RUN_DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.nproc and args.nproc > 1:
        return run_torchrun(args)
    return run_training(args, progress=sys.stderr.isatty())


def _photos(count: int, noun: str = "photo") -> str:
    """``1 photo``, ``8 photos``."""
    return f"{count:,} {noun}{'s' if count != 1 else ''}"
