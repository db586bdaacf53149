"""`python -m ftlint`: the same entry point as the `ftlint` console script."""

import sys

from ftlint.cli.app import main

sys.exit(main())
