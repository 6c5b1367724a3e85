"""Mistake: an @asynccontextmanager releases after its `yield` without a `finally:`, so an error or a cancel in the body skips the release.

Rejected by: test_error_is_reraised_and_lease_released_once, test_cancelled_during_work_releases_once
"""

from contextlib import asynccontextmanager


@asynccontextmanager
async def leased(pool):
    lease = await pool.acquire()
    yield lease
    await pool.release(lease)


async def hold_lease(pool, work):
    async with leased(pool) as lease:
        return await work(lease)
