"""The ``colourise`` command line: ``images``, ``models``, ``train``, ``evaluate``."""
