"""Mistake: releases after work succeeds and again in the `finally:`, so a successful call releases its lease twice.

Rejected by: test_success_returns_the_result_and_releases_once
"""


async def hold_lease(pool, work):
    lease = await pool.acquire()
    try:
        result = await work(lease)
        await pool.release(lease)
        return result
    finally:
        await pool.release(lease)
