"""`python -m ftlint`: the same entry point as the `ftlint` console script."""

import sys

from .cli import main

sys.exit(main())
