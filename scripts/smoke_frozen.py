"""Smoke-test the built double-click app: does the frozen binary start, colour and train?

    .venv/bin/python scripts/smoke_frozen.py            # after `make package`
    .venv/bin/python scripts/smoke_frozen.py --app-dir dist/Colourise

1. ``Colourise --smoke-test`` offscreen: the window is built, a generated photo is
   coloured through the real worker path, one line is printed. Fails on a non-zero
   exit or on any stderr line that the allow-list below does not explain.
2. The bundled command line, ``colourise-cli``: ``models`` must report the bundled
   folder inside the app (resources found through the frozen path); ``train`` runs
   two steps of the default architecture, from its bundled ImageNet encoder weights,
   on generated photos (in-process data loading when frozen) into the user library;
   ``images`` colours a photo with that model into a TIFF, which must keep the
   photo's camera EXIF; ``images --hints`` colours a grey photo with the bundled
   default and a hint file, and the pixel under the (blue) hint must come out blue; ``runs --keep`` puts the trained run's model, as it
   stands at its last checkpoint, into the library. Each must exit 0, write what it
   says, and show no traceback (their stderr is the progress channel).

Everything runs in a fresh temporary folder with its own user library, so the
user's models and settings are never touched. Prints a one-line verdict; exit 0/1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 300  # a cold start of a multi-GB app on a busy 2-core machine takes well under a minute
SMOKE_MODEL = "frozen-smoke"
# The default architecture: training it starts from ImageNet encoder weights, which the
# frozen app must carry as package data, so this also checks they were bundled.
SMOKE_ARCH = "colour_unet"

# Known harmless stderr lines of the window's smoke test. Each says why it is harmless;
# anything else fails the run. The window prefixes Qt's own messages with "Qt: ".
_QT = r"^(Qt: )?"
HARMLESS_STDERR = [
    (re.compile(_QT + r"QStandardPaths: (XDG_RUNTIME_DIR not set|runtime directory .* is not owned|wrong permissions on runtime directory)"),
     "no login session on a headless machine (CI): Qt falls back to a private folder it does not need here"),
    (re.compile(_QT + r"This plugin does not support propagateSizeHints\(\)"),
     "the offscreen platform has no window manager to pass size hints to"),
    (re.compile(_QT + r'Detected locale "C" with character encoding'),
     "no UTF-8 locale in the environment: Qt switches to C.UTF-8 by itself (this and the next three lines)"),
    (re.compile(r"^Qt depends on a UTF-8 locale, and has switched to \"C\.UTF-8\" instead\.$"), "see the locale line"),
    (re.compile(r"^If this causes problems, reconfigure your locale\. See the locale\(1\) manual$"), "see the locale line"),
    (re.compile(r"^for more information\.$"), "see the locale line"),
    (re.compile(_QT + r"QFontDatabase: Cannot find font directory"),
     "a headless machine without fonts: Qt falls back to a built-in font, and nothing is drawn on screen"),
    (re.compile(r"^Note that Qt no longer ships fonts\. Deploy some"), "second line of the font message above"),
]


def app_paths(app_dir: Path) -> tuple[Path, Path]:
    """The window executable and the command-line executable inside the one-folder app."""
    suffix = ".exe" if sys.platform == "win32" else ""
    return app_dir / f"Colourise{suffix}", app_dir / f"colourise-cli{suffix}"


def unexpected_lines(stderr: str) -> list[str]:
    """The stderr lines that no allow-list pattern explains (blank lines are ignored)."""
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    return [line for line in lines if not any(pattern.search(line) for pattern, _why in HARMLESS_STDERR)]


@dataclass
class Run:
    label: str
    seconds: float = 0.0
    stdout: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.stdout.splitlines() if line.strip()), "")


def run(label: str, command: list[str], env: dict[str, str], cwd: Path, strict_stderr: bool) -> Run:
    """Run one frozen command; strict: any unexplained stderr line is a problem, else only tracebacks."""
    result = Run(label)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        result.problems.append(f"{label}: no exit after {TIMEOUT_S} s")
        return result
    result.seconds, result.stdout = time.perf_counter() - started, done.stdout
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        result.problems.append(f"{label}: exit code {done.returncode} ({last})")
    if strict_stderr:
        result.problems += [f"{label}: unexpected stderr: {line}" for line in unexpected_lines(done.stderr)]
    elif "Traceback (most recent call last)" in done.stderr:
        result.problems.append(f"{label}: a traceback reached the user")
    return result


def smoke_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["COLOURISE_MODEL_DIR"] = str(scratch / "models")  # the user library lives in the throwaway folder
    env["HOME"] = str(scratch)  # settings and caches too
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "PYTHONPATH", "PYTHONHOME", "COLOURISE_DEBUG"):
        env.pop(name, None)  # the frozen app must not lean on the build's Python
    return env


def write_photos(folder: Path, count: int = 6) -> list[Path]:
    """Small colourful PNGs to train on (generated: nothing is read from the repo or shared data)."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True)
    y, x = np.mgrid[0:48, 0:64]
    base = np.stack([x * 4 % 256, y * 5 % 256, (x + y) * 3 % 256], axis=-1).astype(np.uint8)
    paths = [folder / f"photo{i}.png" for i in range(count)]
    for i, path in enumerate(paths):
        Image.fromarray(np.roll(base, 7 * i, axis=1)).save(path, exif=_camera_exif() if i == 0 else None)
    return paths


CAMERA_DATE = "1923:07:14 10:00:00"


def _camera_exif() -> bytes:
    """EXIF with an EXIF directory, as a camera writes it (the first photo carries it into a TIFF)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Smoke camera"
    exif[0x8769] = {0x9003: CAMERA_DATE}  # DateTimeOriginal
    return exif.tobytes()


def check_app(app_dir: Path, scratch: Path) -> list[Run]:
    window_exe, cli_exe = app_paths(app_dir)
    env = smoke_env(scratch)
    runs = [run("window", [str(window_exe), "--smoke-test"], env, scratch, strict_stderr=True)]

    models = run("cli models", [str(cli_exe), "models"], env, scratch, strict_stderr=False)
    if not models.problems and str(app_dir.resolve()) not in models.stdout:
        models.problems.append(f"cli models: the bundled folder is not inside {app_dir.resolve()}")
    runs.append(models)

    photos = write_photos(scratch / "photos")
    train = run(
        "cli train",
        [str(cli_exe), "train", "--data", str(photos[0].parent), "--arch", SMOKE_ARCH, "--size", "32", "--batch-size", "2",
         "--steps", "2", "--name", SMOKE_MODEL, "--run-dir", str(scratch / "runs"), "--device", "cpu", "--no-progress"],
        env, scratch, strict_stderr=False,
    )
    model_file = scratch / "models" / f"{SMOKE_MODEL}.safetensors"
    if not train.problems and not model_file.is_file():
        train.problems.append(f"cli train: no model at {model_file}")
    runs.append(train)
    if train.problems:
        return runs

    images = run(
        "cli images",
        # As a TIFF with a camera's EXIF: tifffile and Pillow's tag writer travel in the frozen app.
        [str(cli_exe), "images", str(photos[0]), "--model", SMOKE_MODEL, "--output", str(scratch / "coloured"), "--format", "tif"],
        env, scratch, strict_stderr=False,
    )
    coloured = scratch / "coloured" / photos[0].with_suffix(".tif").name
    if not images.problems and not coloured.is_file():
        images.problems.append(f"cli images: no coloured {coloured.name}")
    elif not images.problems:
        from PIL import Image

        with Image.open(coloured) as im:
            date = im.getexif().get_ifd(0x8769).get(0x9003)
        if date != CAMERA_DATE:
            images.problems.append(f"cli images: {coloured.name} lost its camera's EXIF (DateTimeOriginal {date!r})")
    runs.append(images)
    runs.append(check_hints(cli_exe, env, scratch))
    runs.append(check_keep(cli_exe, env, scratch))
    return runs


def check_keep(cli_exe: Path, env: dict[str, str], scratch: Path) -> Run:
    """``colourise-cli runs --keep``: the model of the run just trained, as it stands, into the library."""
    run_dirs = sorted((scratch / "runs").glob(f"{SMOKE_MODEL}-*"))
    if not run_dirs:
        return Run("cli runs --keep", problems=[f"cli runs --keep: no run folder {SMOKE_MODEL}-* in {scratch / 'runs'}"])
    kept = run("cli runs --keep", [str(cli_exe), "runs", "--keep", str(run_dirs[-1]), "--name", "smoke-kept"], env, scratch,
               strict_stderr=False)
    if not kept.problems and not (scratch / "models" / "smoke-kept.safetensors").is_file():
        kept.problems.append("cli runs --keep: no smoke-kept model in the library")
    return kept


def check_hints(cli_exe: Path, env: dict[str, str], scratch: Path) -> Run:
    """``colourise-cli images --hints``: the bundled default follows a blue hint on a grey photo."""
    import numpy as np
    from PIL import Image

    folder = scratch / "hinted"
    folder.mkdir()
    grey = np.tile(np.linspace(60, 200, 96, dtype=np.uint8), (64, 1))
    Image.fromarray(grey).save(folder / "grey.png")
    (folder / "grey.json").write_text('{"points": [{"x": 20, "y": 30, "colour": "#3060d0"}]}')
    hinted = run(
        "cli images --hints",
        [str(cli_exe), "images", str(folder / "grey.png"), "--hints", str(folder / "grey.json"), "--output", str(scratch / "hinted-out")],
        env, scratch, strict_stderr=False,
    )
    out = scratch / "hinted-out" / "grey.png"
    if not hinted.problems:
        if not out.is_file():
            hinted.problems.append("cli images --hints: no coloured grey.png")
        else:
            r, g, b = (int(v) for v in np.asarray(Image.open(out).convert("RGB"))[30, 20])
            if not b > r + 20:
                hinted.problems.append(f"cli images --hints: the hinted pixel is {(r, g, b)}, not blue")
    return hinted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT / "dist" / "Colourise", help="the built one-folder app")
    args = parser.parse_args(argv)

    missing = [str(path) for path in app_paths(args.app_dir) if not path.is_file()]
    if missing:
        print(f"smoke-frozen: FAIL: not built: {', '.join(missing)} (run `make package` first)")
        return 1

    with tempfile.TemporaryDirectory(prefix="colourise-smoke-") as scratch:
        runs = check_app(args.app_dir, Path(scratch))
    problems = [problem for r in runs for problem in r.problems]
    if problems:
        print(f"smoke-frozen: FAIL ({len(problems)} problem(s)): " + " | ".join(problems))
        return 1
    summary = "; ".join(f"{r.label} {r.seconds:.1f} s" for r in runs)
    print(f"smoke-frozen: PASS: {runs[0].first_line} ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
