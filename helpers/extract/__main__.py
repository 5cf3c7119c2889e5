"""``python -m helpers.extract``: see :mod:`helpers.extract.cli`."""

import sys

from helpers.extract.cli import main

sys.exit(main())
