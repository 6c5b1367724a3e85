"""Mistake: awaits the commit directly, so cancelling the caller in the middle cancels the commit too.

Rejected by: test_cancel_during_commit_still_commits
"""


async def place_order(db, order):
    await db.reserve(order)
    return await db.commit(order)
