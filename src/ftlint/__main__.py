"""`python -m ftlint` is the `ftlint` command."""

import sys

from .cli import main

sys.exit(main())
