"""Mistake: catches CancelledError to release the lease, then returns None instead of re-raising, so the cancelled task looks like it finished.

Rejected by: test_cancelled_during_work_releases_once
"""

import asyncio


async def hold_lease(pool, work):
    lease = await pool.acquire()
    try:
        result = await work(lease)
    except asyncio.CancelledError:
        await pool.release(lease)
        return None
    except Exception:
        await pool.release(lease)
        raise
    await pool.release(lease)
    return result
