"""Process-wide settings for a process that is the CSMS (``python -m csms_under_test``),
not for one that runs it beside other work (the harness, the tests).

Python's cyclic garbage collector runs a young collection every 700 allocations of
container objects. With a thousand connections, a request's objects outlive many of
those collections (other connections allocate meanwhile), so they are promoted, and
full collections of the whole heap follow: under bench-csms at 1000 charge points that
was about 11% of the CSMS's CPU and pauses of up to 130 ms in the middle of answering.
The CSMS itself makes almost no reference cycles, so collecting less often costs little
memory.
"""

from __future__ import annotations

import gc

# (young, middle, old): a young collection every 50,000 allocations; the others as Python has
# them relative to it.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_for_serving() -> None:
    """Collect garbage less often, and never traverse what is imported by now again (it
    lives as long as the process)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
