"""Mistake: exits in a `finally:` but always passes (None, None, None), telling every
resource the block succeeded even when it failed (a transaction would commit).

Rejected by: test_a_body_error_reaches_every_exit
"""

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
        for cm in reversed(entered):
            await cm.__aexit__(None, None, None)
