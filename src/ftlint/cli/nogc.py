"""The cyclic garbage collector paused while the CLI imports its code.

Importing the CLI, then the rules and adapters `setup` builds, creates ~100,000
objects (functions, classes, code, module dicts) that live as long as the process and
hold no garbage. With the collector on, each 700 of them start a young-generation
collection that walks every object made since the last one, and older generations
are walked again every tenth time: ~46 collections and ~6 ms of a ~210 ms `ftlint
check` on 20 runs, for nothing freed. Paused here, then what the process holds is
frozen (`gc.freeze`: moved out of the generations the collector walks, as
`ftlint.engine.run.Engine.run` does with the loaded campaign; reference counting
still frees it) and the collector resumed. Only the CLI pauses it: `import ftlint`
as a library changes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside; after, what exists is frozen and the collector is back
    on when it was on before (also on an error: a plugin that fails to import leaves
    it as it was)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # (else the next young collection walks them all at once)
        if was:
            gc.enable()
