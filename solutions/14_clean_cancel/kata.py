"""Kata 14, reference solution."""


async def hold_lease(pool, work):
    """Acquire a lease from `pool`, return `await work(lease)`, and release the lease
    exactly once whatever happens: success, error or cancellation."""
    lease = await pool.acquire()  # cancelled here: no lease, nothing to release
    try:
        return await work(lease)
    finally:  # runs on return, on work's error and on CancelledError; they go on after
        await pool.release(lease)
