"""Mistake: shields the reservation and the commit together, so a cancel during the reservation still goes on to commit.

Rejected by: test_cancel_before_commit_commits_nothing
"""

import asyncio


async def _reserve_and_commit(db, order):
    await db.reserve(order)
    return await db.commit(order)


async def place_order(db, order):
    return await asyncio.shield(_reserve_and_commit(db, order))
