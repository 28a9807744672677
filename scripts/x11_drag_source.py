"""A GTK drag source, as a file manager is: offers files as text/uri-list in a real X11 (XDND) drag.

    /usr/bin/python3 scripts/x11_drag_source.py PHOTO ...     (needs python3-gi and gir1.2-gtk-3.0)

Shows a small window titled "drag-source" at the top left; a drag started on it
carries the photos' file:// URIs, the way Nautilus and other GTK file managers send
them. Used by scripts/x11_drag_check.sh, which drives the drag with xdotool.
"""

import sys
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, Gtk  # noqa: E402

uris = [Path(p).resolve().as_uri() for p in sys.argv[1:]]

window = Gtk.Window(title="drag-source")
window.set_default_size(220, 160)
box = Gtk.EventBox()
box.add(Gtk.Label(label=f"Drag {len(uris)} photo(s) from here"))
window.add(box)
box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
box.drag_source_add_uri_targets()


def on_drag_data_get(_widget, _context, data, _info, _time):
    data.set_uris(uris)
    print("drag source: sent", len(uris), "uri(s)", flush=True)


box.connect("drag-data-get", on_drag_data_get)
box.connect("drag-end", lambda *_: print("drag source: drag ended", flush=True))
window.connect("destroy", Gtk.main_quit)
window.show_all()
window.move(0, 0)
Gtk.main()
