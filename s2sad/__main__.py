"""``python -m s2sad``: the same command as the ``s2sad`` console script."""

import sys

from .cli import main

sys.exit(main())
