"""Mistake: one plain loop over the exits: when one __aexit__ raises, the loop stops and
the resources after it are never exited.

Rejected by: test_a_failing_exit_does_not_skip_the_others
"""

import sys
from contextlib import asynccontextmanager


@asynccontextmanager
async def open_all(factories):
    entered = []
    try:
        values = []
        for factory in factories:
            cm = factory()
            values.append(await cm.__aenter__())
            entered.append(cm)
        yield values
    finally:
        exc_info = sys.exc_info()
        for cm in reversed(entered):
            await cm.__aexit__(*exc_info)
