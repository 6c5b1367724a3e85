"""Mistake: releases in `except Exception` and after success, but CancelledError is not an Exception, so a cancelled call leaks its lease.

Rejected by: test_cancelled_during_work_releases_once
"""


async def hold_lease(pool, work):
    lease = await pool.acquire()
    try:
        result = await work(lease)
    except Exception:
        await pool.release(lease)
        raise
    await pool.release(lease)
    return result
