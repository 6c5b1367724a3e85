"""Mistake: on cancel, waits for the shielded commit to finish before re-raising, so the caller is not cancelled promptly.

Rejected by: test_cancel_during_commit_cancels_the_caller_at_once
"""

import asyncio


async def place_order(db, order):
    await db.reserve(order)
    commit = asyncio.create_task(db.commit(order))
    try:
        return await asyncio.shield(commit)
    except asyncio.CancelledError:
        await commit
        raise
