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

The engine never imports from here; this package imports the engine.
"""
