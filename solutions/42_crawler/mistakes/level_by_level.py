"""Mistake: crawls one level at a time with gather, so each level waits for its slowest page (and hung ones) before the next level starts.

Rejected by: test_small_site_each_page_once, test_hanging_fetch_times_out_without_stalling, test_seeded_web_near_the_reference
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
    seen = {root}; results = {}; level = [root]
    g = asyncio.Semaphore(concurrency); hosts = defaultdict(lambda: asyncio.Semaphore(per_host))
    async def one(url):
        async with hosts[urlsplit(url).hostname], g:
            return await attempt_all(fetch, url, retries)
    while level:
        outs = await asyncio.gather(*(one(u) for u in level))
        nxt = []
        for url, (status, links) in zip(level, outs):
            results[url] = status
            for l in links:
                if l not in seen and len(seen) < max_pages:
                    seen.add(l); nxt.append(l)
        level = nxt
    return results
