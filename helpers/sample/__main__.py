"""``python -m helpers.sample``: see :mod:`helpers.sample.cli`."""

import sys

from helpers.sample.cli import main

sys.exit(main())
