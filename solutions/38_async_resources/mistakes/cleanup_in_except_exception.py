"""Mistake: cleans up in `except Exception:` and after a normal exit only; CancelledError
is not an Exception, so a cancelled body leaves every resource open.

Rejected by: test_a_cancelled_body_still_awaits_every_exit
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
    except Exception as exc:
        for cm in reversed(entered):
            await cm.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        for cm in reversed(entered):
            await cm.__aexit__(None, None, None)
