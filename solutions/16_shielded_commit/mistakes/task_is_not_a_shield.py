"""Mistake: runs the commit in a task of its own, believing that protects it, but awaiting a task passes the caller's cancellation on to it.

Rejected by: test_cancel_during_commit_still_commits
"""

import asyncio


async def place_order(db, order):
    await db.reserve(order)
    commit = asyncio.create_task(db.commit(order))
    return await commit
