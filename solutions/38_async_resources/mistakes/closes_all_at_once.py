"""Mistake: exits the resources concurrently with gather: fast, but nothing guarantees
that a resource is closed only after the ones opened after it.

Rejected by: test_exits_in_reverse_order
"""

import asyncio
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
        await asyncio.gather(*(cm.__aexit__(*exc_info) for cm in reversed(entered)))
