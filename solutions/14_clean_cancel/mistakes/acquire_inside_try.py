"""Mistake: acquires inside the `try:`, so a cancel during the acquire reaches the `finally:` with no lease and releases None.

Rejected by: test_cancelled_while_acquiring_releases_nothing
"""


async def hold_lease(pool, work):
    lease = None
    try:
        lease = await pool.acquire()
        return await work(lease)
    finally:
        await pool.release(lease)
