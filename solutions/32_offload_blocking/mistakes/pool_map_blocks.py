"""Mistake: runs the reads in a thread pool but waits for them with the blocking
pool.map, which freezes the event loop until every read is done.

Rejected by: test_loop_stays_responsive
"""

import concurrent.futures


async def read_all(paths, read_blocking, limit):
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=limit) as pool:
        return dict(zip(paths, pool.map(read_blocking, paths)))
