#!/usr/bin/env bash
# Build the one-folder double-click app into dist/Colourise/ from pyinstaller.spec.
#
#     scripts/build_app.sh              # `make package` installs PyInstaller first, then runs this
#     PYTHON=/path/to/python scripts/build_app.sh
#
# The build is CPU-heavy for a few minutes, so it runs at low priority. The full
# PyInstaller log goes to build/pyinstaller.log; only warnings reach the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
LOG=build/pyinstaller.log
mkdir -p build

started=$(date +%s)
if ! nice -n 10 "$PYTHON" -m PyInstaller --noconfirm --log-level INFO pyinstaller.spec >"$LOG" 2>&1; then
    tail -n 40 "$LOG"
    echo "build_app: FAILED after $(( $(date +%s) - started )) s (full log: $LOG)" >&2
    exit 1
fi
grep -E "^[0-9]+ (WARNING|ERROR):" "$LOG" || true
seconds=$(( $(date +%s) - started ))
size=$(du -sh dist/Colourise | cut -f1)
echo "build_app: dist/Colourise built in ${seconds} s, ${size} on disk (full log: $LOG)"
