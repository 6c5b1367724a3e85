"""Mistake: shields the commit but catches the caller's CancelledError and returns None, so the caller never learns it was cancelled.

Rejected by: test_cancel_during_commit_cancels_the_caller_at_once
"""

import asyncio


async def place_order(db, order):
    await db.reserve(order)
    try:
        return await asyncio.shield(db.commit(order))
    except asyncio.CancelledError:
        return None
