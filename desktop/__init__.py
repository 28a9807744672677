"""Colourise's desktop window: a Qt face over the engine.

- ``__main__``: the entry point (``colourise-app``, ``python -m desktop``, ``--smoke-test``)
- ``main_window``: menus, the three pages, drops anywhere, settings, a careful close
- ``colourise_page``: the view; ``colourise_queue`` (its queue as plain data, no widgets),
  ``colourise_preview`` (the split view's photo), ``colour_jobs`` (its engine work), ``hint_*`` (hint mode)
- ``train_page`` (+ ``form_fields``), ``models_page``
- ``workers``: engine work on worker lanes (``fn(*args, state=state)``), reported back as Qt signals
- ``widgets/``: the before/after split view, the live loss plot, the photo queue, the preview strip,
  the Colourise page's bar and model picker, actions, the hint overlay and panel
- ``images`` (numpy <-> QImage off the GUI thread), ``library_model``, ``settings``, ``smoke``, ``qt_messages``
- ``_refcounts``: keeps None/True/False alive under PySide6 6.12 on Python 3.11 (imported first, here)

The engine never imports from here; this package imports the engine.
"""

from desktop._refcounts import keep_singletons_alive

# First, before any Qt call: PySide6 6.12 on Python 3.11 runs None's reference count
# down with every call (see desktop/_refcounts.py); without this a long session aborts at quit.
keep_singletons_alive()
