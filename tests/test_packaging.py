"""Fast checks of the double-click app's packaging; the real PyInstaller build runs in `make package`.

The spec is executed with stand-ins for PyInstaller's build classes, so these tests
need neither PyInstaller nor a build: they check what the spec would hand to it.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "pyinstaller.spec"
DESKTOP_FILE = REPO / "resources" / "colourise.desktop"


class _Recorder:
    """Stands in for one of PyInstaller's spec classes and keeps its arguments."""

    def __init__(self, kind: str, calls: list, *args, **kwargs):
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.pure, self.scripts, self.binaries = [], [("colourise_app", "", "PYSOURCE")], []
        self.datas = kwargs.get("datas", [])
        calls.append(self)


def run_spec(platform: str = sys.platform) -> SimpleNamespace:
    """Execute pyinstaller.spec as PyInstaller would, for ``platform``; returns its calls and globals."""
    calls: list[_Recorder] = []
    names = ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")
    namespace = {name: (lambda *a, _n=name, **k: _Recorder(_n, calls, *a, **k)) for name in names}
    namespace.update(SPECPATH=str(REPO), __file__=str(SPEC), __name__="__main__")
    real_platform = sys.platform
    sys.platform = platform  # the spec reads it at the top level
    try:
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    finally:
        sys.platform = real_platform
    by_kind: dict[str, list[_Recorder]] = {}
    for call in calls:
        by_kind.setdefault(call.kind, []).append(call)
    return SimpleNamespace(calls=by_kind, globals=namespace)


def load_script(name: str) -> ModuleType:
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_packaging_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def spec_run() -> SimpleNamespace:
    return run_spec()


# --- pyinstaller.spec -------------------------------------------------------------------


def test_spec_builds_one_folder_app_with_window_and_cli(spec_run):
    (analysis,) = spec_run.calls["Analysis"]
    (script,) = analysis.args[0]
    assert Path(script) == REPO / "scripts" / "colourise_app.py"
    exes = {exe.kwargs["name"]: exe for exe in spec_run.calls["EXE"]}
    assert set(exes) == {"Colourise", "colourise-cli"}
    assert exes["Colourise"].kwargs["console"] is False
    assert exes["colourise-cli"].kwargs["console"] is True
    assert all(exe.kwargs["exclude_binaries"] for exe in exes.values())  # one-folder, not one-file
    (collect,) = spec_run.calls["COLLECT"]
    assert collect.kwargs["name"] == "Colourise"
    assert set(collect.args[:2]) == set(exes.values())


def test_spec_never_uses_upx_or_collect_all(spec_run):
    for call in spec_run.calls["EXE"] + spec_run.calls["COLLECT"]:
        assert call.kwargs.get("upx") is False, call.kind
    source = SPEC.read_text(encoding="utf-8")
    assert "collect_all" not in source and "collect-all" not in source
    assert "/work/" not in source and "/home/" not in source  # paths come from SPECPATH only


def test_spec_excludes_other_qt_bindings_and_tkinter(spec_run):
    (analysis,) = spec_run.calls["Analysis"]
    excludes = set(analysis.kwargs["excludes"])
    assert {"PyQt5", "PyQt6", "PySide2", "tkinter"} <= excludes
    assert not excludes & {"PySide6", "shiboken6", "torch", "numpy", "engine", "desktop"}


def test_spec_bundles_every_resource_file_under_resources(spec_run):
    (analysis,) = spec_run.calls["Analysis"]
    bundled = {Path(source): target for source, target in analysis.kwargs["datas"]}
    for folder in ("models", "icons", "samples", "encoders"):
        for path in (REPO / "resources" / folder).rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                assert bundled.get(path) == f"resources/{folder}", path
    assert bundled[DESKTOP_FILE] == "resources"
    assert all(source.is_file() for source in bundled)
    assert not [s for s in bundled if "shared" in s.parts and "data" in s.parts]  # real photos never ship


def test_bundled_data_skips_missing_and_empty_folders_and_keeps_subfolders(spec_run, tmp_path):
    bundled_data = spec_run.globals["bundled_data"]
    assert bundled_data(tmp_path) == []
    (tmp_path / "models").mkdir()
    (tmp_path / "samples" / "old").mkdir(parents=True)
    (tmp_path / "samples" / "old" / "mill.jpg").write_bytes(b"jpeg")
    (tmp_path / "samples" / ".DS_Store").write_bytes(b"")
    assert bundled_data(tmp_path) == [(str(tmp_path / "samples" / "old" / "mill.jpg"), "resources/samples/old")]


def test_spec_bundles_the_imagenet_encoder_weights_with_their_licence_and_the_shipped_recipe(spec_run):
    (analysis,) = spec_run.calls["Analysis"]
    bundled = {Path(source): target for source, target in analysis.kwargs["datas"]}
    encoders = REPO / "resources" / "encoders"
    assert bundled[encoders / "efficientnet_lite0_imagenet.safetensors"] == "resources/encoders"
    assert bundled[encoders / "LICENSE-efficientnet-lite0.txt"] == "resources/encoders"
    assert bundled[REPO / "configs" / "default.toml"] == bundled[REPO / "configs" / "default-finetune.toml"] == "configs"
    assert not [s for s in bundled if s.suffix in (".pth", ".pt", ".pkl")]  # nothing that would be unpickled


def test_every_resource_file_stays_under_45_mb():
    big = [p for p in (REPO / "resources").rglob("*") if p.is_file() and p.stat().st_size >= 45 * 1024 * 1024]
    assert big == []


@pytest.mark.parametrize(
    ("platform", "icon"),
    [("win32", "colourise.ico"), ("darwin", "colourise.icns"), ("linux", None)],
)
def test_executable_icon_is_chosen_by_platform(platform, icon):
    run = run_spec(platform)
    window = next(exe for exe in run.calls["EXE"] if exe.kwargs["name"] == "Colourise")
    if icon is None:
        assert window.kwargs["icon"] is None
    else:
        assert Path(window.kwargs["icon"]) == REPO / "resources" / "icons" / icon
    assert bool(run.calls.get("BUNDLE")) == (platform == "darwin")  # Colourise.app on macOS only
    for bundle in run.calls.get("BUNDLE", []):
        version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
        assert (bundle.kwargs["name"], bundle.kwargs["version"]) == ("Colourise.app", version)


def test_missing_icon_file_means_no_icon_rather_than_a_failed_build(spec_run, tmp_path):
    assert spec_run.globals["platform_icon"]("win32", tmp_path) is None


def test_spec_lists_every_cli_subcommand_module_as_hidden_import(spec_run):
    (analysis,) = spec_run.calls["Analysis"]
    hidden = set(analysis.kwargs["hiddenimports"])
    from engine.cli.main import COMMAND_MODULES  # found with importlib at run time

    present = [m for m in COMMAND_MODULES if (REPO / Path(*m.split("."))).with_suffix(".py").is_file()]
    assert present and set(present) <= hidden
    assert {"engine", "engine.models", "desktop"} <= hidden
    assert not [m for m in hidden if "__pycache__" in m or m.endswith(".__init__")]


# --- the launcher and the frozen resource path ---------------------------------------------


@pytest.mark.parametrize(
    ("executable", "cli"),
    [
        ("/opt/Colourise/colourise-cli", True),
        (r"C:\Colourise\colourise-cli.exe", True),
        ("/opt/Colourise/Colourise", False),
        ("/usr/bin/python3.11", False),
    ],
)
def test_launcher_picks_cli_or_window_by_executable_name(executable, cli):
    launcher = load_script("colourise_app")
    assert launcher.wants_cli(executable.replace("\\", "/")) is cli


def test_frozen_app_finds_bundled_resources_and_models_through_meipass(tmp_path, monkeypatch):
    import torch

    from engine import library
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(0)
    save_model(tmp_path / "resources" / "models" / "default.safetensors", create_model("alpha"))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(tmp_path / "user-models"))

    assert library.resources_dir() == tmp_path / "resources"
    assert library.bundled_models_dir() == tmp_path / "resources" / "models"
    assert library.resolve_model("default") == tmp_path / "resources" / "models" / "default.safetensors"
    (entry,) = library.list_library()
    assert (entry.name, entry.bundled, entry.info.arch) == ("default", True, "alpha")
    # A model the user saves in the frozen app goes to the user library, never into the bundle.
    assert library.unique_library_path("mine").parent == tmp_path / "user-models"


# --- resources/colourise.desktop -------------------------------------------------------------

# Keys of the freedesktop.org Desktop Entry Specification 1.4 that this file may use.
KNOWN_KEYS = {
    "Type", "Version", "Name", "GenericName", "NoDisplay", "Comment", "Icon", "Hidden", "OnlyShowIn",
    "NotShowIn", "DBusActivatable", "TryExec", "Exec", "Path", "Terminal", "Actions", "MimeType",
    "Categories", "Implements", "Keywords", "StartupNotify", "StartupWMClass", "PrefersNonDefaultGPU",
    "SingleMainWindow",
}
MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics",
                   "Network", "Office", "Science", "Settings", "System", "Utility"}


def parse_desktop_entry(text: str) -> dict[str, str]:
    """The [Desktop Entry] group as a dict; asserts the file's basic shape on the way."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "[Desktop Entry]", "the first group must be [Desktop Entry]"
    entry: dict[str, str] = {}
    for line in lines[1:]:
        if line.startswith("["):
            break  # an [Desktop Action ...] group
        key, sep, value = line.partition("=")
        assert sep and key == key.strip() and re.fullmatch(r"[A-Za-z0-9-]+(\[[^\]]+\])?", key), line
        assert key not in entry, f"duplicate key {key}"
        entry[key] = value.strip()
    return entry


def test_desktop_entry_is_valid():
    entry = parse_desktop_entry(DESKTOP_FILE.read_text(encoding="utf-8"))
    assert {key.split("[")[0] for key in entry} <= KNOWN_KEYS
    assert entry["Type"] == "Application"
    assert entry.get("Version", "1.0") in {"1.0", "1.1", "1.2", "1.3", "1.4"}  # what validators know today
    assert entry["Name"] and entry["Exec"]
    for key in ("Terminal", "StartupNotify"):
        assert entry.get(key, "false") in {"true", "false"}
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry[key].endswith(";"), f"{key} is a list and must end with ';'"
    assert set(entry["Categories"].rstrip(";").split(";")) & MAIN_CATEGORIES
    assert all(re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", m) for m in entry["MimeType"].rstrip(";").split(";"))
    field_codes = re.findall(r"%.", entry["Exec"])
    assert set(field_codes) <= {"%f", "%F", "%u", "%U", "%i", "%c", "%k"}


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-validate is not installed")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP_FILE)], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_desktop_entry_runs_the_frozen_window_with_the_app_icon(spec_run):
    entry = parse_desktop_entry(DESKTOP_FILE.read_text(encoding="utf-8"))
    window = next(exe for exe in spec_run.calls["EXE"] if exe.kwargs["console"] is False)
    assert entry["Exec"].split()[0] == entry["TryExec"] == window.kwargs["name"]
    icons = REPO / "resources" / "icons"
    assert "/" not in entry["Icon"]  # a theme name, installed next to the entry (see README)
    assert (icons / f"{entry['Icon']}.svg").is_file() and (icons / f"{entry['Icon']}-256.png").is_file()


# --- scripts/smoke_frozen.py ---------------------------------------------------------------------


def test_every_harmless_stderr_pattern_says_why():
    smoke = load_script("smoke_frozen")
    assert smoke.HARMLESS_STDERR
    assert all(isinstance(pattern, re.Pattern) and why.strip() for pattern, why in smoke.HARMLESS_STDERR)


def test_smoke_fails_clearly_when_the_app_is_not_built(tmp_path, capsys):
    smoke = load_script("smoke_frozen")
    assert smoke.main(["--app-dir", str(tmp_path / "missing")]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("smoke-frozen: FAIL: not built:") and "\n" not in out


FAKE_CLI = """\
# `images --format tif`: the photo as a TIFF, its EXIF kept (Pillow, uncompressed)
TO_TIFF="import sys; from PIL import Image; im = Image.open(sys.argv[1]); im.save(sys.argv[2], exif=im.info.get('exif'))"
case "$1" in
  models) echo "Bundled: $(cd "$(dirname "$0")" && pwd -P)/_internal/resources/models" ;;
  train) echo "step 1/2: loss 1.9" >&2; mkdir -p "$COLOURISE_MODEL_DIR" "${15}/frozen-smoke-20261201-120000"
         : > "$COLOURISE_MODEL_DIR/frozen-smoke.safetensors" ;;
  runs) [ -d "$3" ] && : > "$COLOURISE_MODEL_DIR/$5.safetensors" && echo "kept $5 in the model library" ;;
  images) if [ "$3" = "--hints" ]; then mkdir -p "$6" && cp "$(dirname "$0")/followed-hint.png" "$6/$(basename "$2")" && echo "1 coloured"
          else mkdir -p "$6" && "@PYTHON@" -c "$TO_TIFF" "$2" "$6/$(basename "$2" .png).tif" && echo "1 coloured"; fi ;;
esac
"""


def _fake_app(folder: Path, window_stderr: str = "", window_exit: int = 0, cli: str = FAKE_CLI) -> Path:
    """A one-folder 'app' of two shell scripts standing in for the frozen executables."""
    folder.mkdir()
    scripts = {
        "Colourise": f'echo "smoke test ok: coloured 256x192 photo"\nprintf \'{window_stderr}\' >&2\nexit {window_exit}\n',
        "colourise-cli": cli.replace("@PYTHON@", sys.executable),
    }
    for name, body in scripts.items():
        path = folder / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    from PIL import Image

    Image.new("RGB", (96, 64), (40, 90, 200)).save(folder / "followed-hint.png")  # what `images --hints` "colours"
    return folder


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in executables are shell scripts")


@posix_only
def test_smoke_passes_a_clean_run_and_tolerates_allow_listed_stderr(tmp_path, capsys):
    smoke = load_script("smoke_frozen")
    harmless = 'Qt: QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to "/tmp/x"\\n\\n'
    app = _fake_app(tmp_path / "Colourise", harmless)
    assert smoke.main(["--app-dir", str(app)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("smoke-frozen: PASS: smoke test ok") and "cli images" in out and "\n" not in out


@posix_only
@pytest.mark.parametrize(
    ("window_stderr", "window_exit", "cli", "reason"),
    [
        ("Traceback (most recent call last):\\n", 0, FAKE_CLI, "window: unexpected stderr: Traceback"),
        ("", 3, FAKE_CLI, "window: exit code 3"),
        ("", 0, FAKE_CLI.replace("pwd -P", "echo /elsewhere"), "cli models: the bundled folder is not inside"),
        ("", 0, FAKE_CLI.replace(': > "$COLOURISE_MODEL_DIR', ': > "$HOME'), "cli train: no model at"),
        ("", 0, FAKE_CLI.replace('"@PYTHON@" -c "$TO_TIFF" "$2" "$6/$(basename "$2" .png).tif" &&', ""), "cli images: no coloured photo0.tif"),
        ("", 0, FAKE_CLI.replace("exif=im.info.get('exif')", ""), "cli images: photo0.tif lost its camera's EXIF"),
        ("", 0, FAKE_CLI.replace("images)", 'images) echo "Traceback (most recent call last):" >&2;'), "cli images: a traceback"),
        ("", 0, FAKE_CLI.replace('"$(dirname "$0")/followed-hint.png"', '"$2"'), "cli images --hints: the hinted pixel is"),
        ("", 0, FAKE_CLI.replace(': > "$COLOURISE_MODEL_DIR/$5', ': > "$HOME/$5'), "cli runs --keep: no smoke-kept model"),
    ],
)
def test_smoke_fails_on_each_kind_of_broken_app(tmp_path, capsys, window_stderr, window_exit, cli, reason):
    smoke = load_script("smoke_frozen")
    app = _fake_app(tmp_path / "Colourise", window_stderr, window_exit, cli)
    assert smoke.main(["--app-dir", str(app)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("smoke-frozen: FAIL") and reason in out and "\n" not in out


def test_allow_list_explains_the_lines_qt_prints_without_a_utf8_locale():
    smoke = load_script("smoke_frozen")
    stderr = (
        'Qt: Detected locale "C" with character encoding "ANSI_X3.4-1968", which is not UTF-8.\n'
        'Qt depends on a UTF-8 locale, and has switched to "C.UTF-8" instead.\n'
        "If this causes problems, reconfigure your locale. See the locale(1) manual\n"
        "for more information.\n"
    )
    assert smoke.unexpected_lines(stderr) == []
    assert smoke.unexpected_lines(stderr + "Qt: QPainter::begin: Paint device returned engine == 0\n") == [
        "Qt: QPainter::begin: Paint device returned engine == 0"
    ]


# --- make and CI ---------------------------------------------------------------------------------


def test_ci_builds_and_smoke_tests_the_frozen_app_after_the_tests():
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert ci.index("make package smoke-frozen") > ci.index("make test")
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^package:", makefile, re.M) and re.search(r"^smoke-frozen:", makefile, re.M)
