"""Keep ``None``, ``True`` and ``False`` alive under PySide6 6.12 on Python 3.11.

The PySide6/shiboken6 6.12 wheels (``cp310-abi3``) treat these singletons as
immortal, as they are from Python 3.12 on: every call of a Qt method that returns
nothing drops one reference to ``None`` it never took (``QLabel.setText``,
``QTimer.singleShot``, ``QListWidgetItem.setData`` ...), and every
``Signal.emit`` drops one to ``True``. On Python 3.11 the counts then run down
during a long session; when one reaches zero the interpreter aborts with
``Fatal Python error: none_dealloc`` (or ``bool_dealloc``), typically while it
finalises at quit. (Measured: 20,000 ``setText`` calls are enough.)

``keep_singletons_alive()`` gives them Python 3.12's behaviour: a reference count
so large that no session can run it down. They are static objects that are never
freed anyway, so nothing else changes. Python >= 3.12, other interpreters and
debug builds (whose object header differs) are left alone.
"""

from __future__ import annotations

import platform
import sys

MARGIN = 1 << 40  # ~10^12 references: more than any session's calls
_done = False


def singletons_need_guard() -> bool:
    return sys.version_info < (3, 12) and platform.python_implementation() == "CPython" and not hasattr(sys, "gettotalrefcount")


def keep_singletons_alive() -> None:
    """Raise the reference counts of None, True and False out of reach (once; before Qt is used)."""
    global _done
    if _done or not singletons_need_guard():
        return
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in a release build of CPython.
        ctypes.c_ssize_t.from_address(id(singleton)).value += MARGIN
    _done = True
