"""Kata 16, reference solution."""

import asyncio

# The event loop keeps only weak references to tasks: a shielded task whose caller was
# cancelled is held here until it ends, so it cannot be garbage-collected mid-commit.
_commits = set()


async def place_order(db, order):
    """Reserve, then commit `order` and return the commit's id; once the commit has
    started it must finish, even if the caller is cancelled."""
    await db.reserve(order)  # cancelled here: nothing committed
    commit = asyncio.create_task(db.commit(order))
    _commits.add(commit)
    commit.add_done_callback(_commits.discard)
    # A cancel from now on cancels the shield's outer future only: this call raises
    # CancelledError at once, and the commit task runs on to its end.
    return await asyncio.shield(commit)
