"""Mistake: exits the resources in the order they were entered instead of the reverse,
so a resource is closed while those opened after it (and maybe using it) are still open.

Rejected by: test_exits_in_reverse_order, test_a_body_error_reaches_every_exit
"""

from contextlib import asynccontextmanager


@asynccontextmanager
async def open_all(factories):
    entered = []
    try:
        for factory in factories:
            cm = factory()
            entered.append((cm, await cm.__aenter__()))
        yield [value for _, value in entered]
    except BaseException as exc:
        for cm, _ in entered:
            await cm.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        for cm, _ in entered:
            await cm.__aexit__(None, None, None)
