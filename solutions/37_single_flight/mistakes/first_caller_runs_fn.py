"""Mistake: the first caller runs fn() itself and hands the result to the others
through a Future: when that caller is cancelled, the shared call dies with it.

Rejected by: test_a_cancelled_caller_spares_the_shared_call
"""

import asyncio


class SingleFlight:
    def __init__(self):
        self._futures = {}

    async def do(self, key, fn):
        if key in self._futures:
            return await asyncio.shield(self._futures[key])
        fut = asyncio.get_running_loop().create_future()
        self._futures[key] = fut
        try:
            result = await fn()
        except Exception as exc:
            fut.set_exception(exc)
            raise
        except BaseException:
            fut.cancel()
            raise
        else:
            fut.set_result(result)
            return result
        finally:
            del self._futures[key]
