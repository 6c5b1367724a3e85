"""Mistake: uses None to mean "no winner yet", so a fn that succeeds with None does not
win the race.

Rejected by: test_a_none_result_is_a_success
"""

import asyncio


async def race(fns):
    if not fns:
        raise ValueError("race() needs at least one function")
    pending = {asyncio.create_task(fn()) for fn in fns}
    winner = None
    errors = []
    try:
        while winner is None and pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    errors.append(task.exception())
                elif winner is None:
                    winner = task.result()
        if winner is None and errors:
            raise ExceptionGroup("every attempt failed", errors)
        return winner
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
