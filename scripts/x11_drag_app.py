"""The real window for scripts/x11_drag_check.sh: ``python -m desktop`` plus one line per drop on stdout.

Prints what each drop held and how many photos the queue has once they are added,
so the check can tell "accepted but nothing added" (the bug) from a working drop.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from PySide6.QtCore import QTimer

    from desktop import __main__ as app
    from desktop import main_window
    from desktop.drops import describe_formats, local_paths

    original_drop = main_window.MainWindow.dropEvent

    def reporting_drop(window, event):
        mime = event.mimeData()
        print(f"drop: urls={len(mime.urls())} uri-list={mime.hasFormat('text/uri-list')} read={len(local_paths(mime))} "
              f"formats=[{describe_formats(mime)}]", flush=True)
        original_drop(window, event)
        print(f"drop: accepted={event.isAccepted()} status={window.statusBar().currentMessage()!r}", flush=True)
        page = window.colourise_page
        # Folders and files are looked at on a worker: count the queue once that is done.
        QTimer.singleShot(2500, lambda: print(f"drop: queue={len(page.queue.keys())}", flush=True))

    main_window.MainWindow.dropEvent = reporting_drop
    return app.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
