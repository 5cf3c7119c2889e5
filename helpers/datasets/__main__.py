"""``python -m helpers.datasets``: see :mod:`helpers.datasets.cli`."""

import sys

from helpers.datasets.cli import main

sys.exit(main())
