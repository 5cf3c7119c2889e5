"""``python -m helpers.writer``: see :mod:`helpers.writer.cli`."""

import sys

from helpers.writer.cli import main

sys.exit(main())
