"""`python -m ftlint` is the `ftlint` command."""

import sys

from .runcache import main

sys.exit(main())
