"""``python -m engine.cli``: the ``colourise`` command line, where the console script is not installed."""

import sys

from engine.cli.main import main

sys.exit(main())
