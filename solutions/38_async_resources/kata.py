"""Kata 38, reference solution."""

from contextlib import AsyncExitStack, asynccontextmanager


@asynccontextmanager
async def open_all(factories):
    """Enter the async context manager made by each factory, in order; yield the list of
    what they entered as; on the way out, exit them in reverse order."""
    # AsyncExitStack behaves like nested `async with` blocks whose number is known only
    # at run time: it exits what was entered, in reverse, whether the way out is a
    # normal end, an error (in an __aenter__ or in the body) or a cancellation, and it
    # hands each __aexit__ the exception on its way out.
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(factory()) for factory in factories]
