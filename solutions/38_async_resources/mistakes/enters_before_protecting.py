"""Mistake: enters every resource before the try/finally starts, so when one fails to
enter, the ones already entered are never exited.

Rejected by: test_a_failed_enter_exits_the_entered_ones
"""

from contextlib import asynccontextmanager


@asynccontextmanager
async def open_all(factories):
    managers = [factory() for factory in factories]
    values = [await cm.__aenter__() for cm in managers]
    try:
        yield values
    except BaseException as exc:
        for cm in reversed(managers):
            await cm.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        for cm in reversed(managers):
            await cm.__aexit__(None, None, None)
