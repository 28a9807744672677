#!/usr/bin/env bash
# A real cross-process X11 drag onto the window: a GTK drag source (as a file manager is)
# offers two sample photos as text/uri-list; xdotool presses, moves and releases the mouse.
# Passes when the window's queue holds the two photos afterwards. Leaves a screenshot.
#
#   scripts/x11_drag_check.sh [DISPLAY_NUMBER] [SCREENSHOT.png]
#
# Needs: Xvfb, openbox, xdotool, imagemagick (import), python3-gi + gir1.2-gtk-3.0
# (apt-get install -y xvfb openbox xdotool imagemagick python3-gi gir1.2-gtk-3.0).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NUM="${1:-16}"
SHOT="${2:-$ROOT/x11-drag-check.png}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
WORK="$(mktemp -d)"
PIDS=()
# Wait for them before removing their folder: the window writes its settings as it closes ("Directory not empty").
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export DISPLAY=":$NUM"

Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & PIDS+=($!)
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done 2>/dev/null || sleep 2
openbox >/dev/null 2>&1 & PIDS+=($!)
sleep 1

mkdir -p "$WORK/photos"
cp "$ROOT/resources/samples/astronaut-grey.jpg" "$WORK/photos/first photo.jpg"
cp "$ROOT/resources/samples/coffee-grey.jpg" "$WORK/photos/zweites-Foto.jpg"

COLOURISE_SETTINGS_DIR="$WORK/settings" COLOURISE_MODEL_DIR="$WORK/models" QT_QPA_PLATFORM=xcb PYTHONPATH="$ROOT" \
  "$PY" "$ROOT/scripts/x11_drag_app.py" >"$WORK/app.log" 2>&1 & PIDS+=($!)
/usr/bin/python3 "$ROOT/scripts/x11_drag_source.py" "$WORK/photos/first photo.jpg" "$WORK/photos/zweites-Foto.jpg" \
  >"$WORK/source.log" 2>&1 & PIDS+=($!)

APP=""; SRC=""
for _ in $(seq 120); do
  APP="$(xdotool search --onlyvisible --name '^Colourise$' 2>/dev/null | head -1 || true)"
  SRC="$(xdotool search --onlyvisible --name '^drag-source$' 2>/dev/null | head -1 || true)"
  [ -n "$APP" ] && [ -n "$SRC" ] && break
  sleep 0.5
done
[ -n "$APP" ] && [ -n "$SRC" ] || { echo "FAIL: windows did not appear"; cat "$WORK/app.log"; exit 1; }
xdotool windowmove "$APP" 300 40 windowsize "$APP" 960 700
xdotool windowmove "$SRC" 10 40
sleep 2  # let the window settle (pages are built just after it shows)

eval "$(xdotool getwindowgeometry --shell "$SRC")"; SX=$((X + WIDTH / 2)); SY=$((Y + HEIGHT / 2))
eval "$(xdotool getwindowgeometry --shell "$APP")"; AX=$((X + WIDTH / 2)); AY=$((Y + HEIGHT / 2))
xdotool mousemove "$SX" "$SY"; sleep 0.3
xdotool mousedown 1; sleep 0.2
for i in $(seq 1 20); do  # small steps: the source starts the drag, then XDND follows the pointer
  xdotool mousemove $((SX + (AX - SX) * i / 20)) $((SY + (AY - SY) * i / 20)); sleep 0.05
done
sleep 0.5; xdotool mousemove "$AX" $((AY + 5)); sleep 0.5
xdotool mouseup 1
for _ in $(seq 60); do grep -q "^drop: queue" "$WORK/app.log" && break; sleep 0.25; done
sleep 2  # colouring starts: let the screenshot show it
import -window root "$SHOT"
echo "--- drag source"; sort "$WORK/source.log" | uniq -c
echo "--- window"; grep "^drop:" "$WORK/app.log" || true
if grep -q "^drop: accepted=True" "$WORK/app.log" && grep -q "^drop: queue=2$" "$WORK/app.log"; then
  echo "PASS: a real X11 drag added both photos (screenshot: $SHOT)"
else
  echo "FAIL: the drop did not add the photos"; tail -20 "$WORK/app.log"; exit 1
fi
