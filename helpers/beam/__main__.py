"""``python -m helpers.beam``: see :mod:`helpers.beam.cli`."""

import sys

from helpers.beam.cli import main

sys.exit(main())
