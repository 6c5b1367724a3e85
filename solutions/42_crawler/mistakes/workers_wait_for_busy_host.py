"""Mistake: a pool of `concurrency` workers each take the next url and then wait for its host, so workers stuck behind a busy host leave other hosts' pages waiting.

Rejected by: test_a_busy_host_does_not_hold_up_the_others
"""

import asyncio
from collections import defaultdict, deque
from urllib.parse import urlsplit
FETCH_TIMEOUT = 10.0

async def attempt_all(fetch, url, retries):
    for _ in range(retries + 1):
        try:
            async with asyncio.timeout(FETCH_TIMEOUT):
                links = await fetch(url)
        except Exception as exc:
            status = type(exc).__name__
        else:
            return "ok", links
    return status, []

async def crawl(root, fetch, *, max_pages, concurrency, per_host, retries):
    q = asyncio.Queue(); q.put_nowait(root); seen = {root}; results = {}
    hosts = defaultdict(lambda: asyncio.Semaphore(per_host))
    async def worker():
        while True:
            url = await q.get()
            try:
                async with hosts[urlsplit(url).hostname]:
                    status, links = await attempt_all(fetch, url, retries)
                results[url] = status
                for l in links:
                    if l not in seen and len(seen) < max_pages:
                        seen.add(l); q.put_nowait(l)
            finally:
                q.task_done()
    ws = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        await q.join()
    finally:
        for w in ws: w.cancel()
        await asyncio.gather(*ws, return_exceptions=True)
    return results

