"""``python -m helpers.records``: see :mod:`helpers.records.cli`."""

import sys

from helpers.records.cli import main

sys.exit(main())
