"""Mistake: makes only `retries` attempts per url (`range(max(retries, 1))`: still one with retries=0) instead of `retries + 1`, one attempt fewer than allowed.

Rejected by: test_retries_flaky_pages, test_hanging_fetch_times_out_without_stalling
"""

import asyncio
from collections import defaultdict
from urllib.parse import urlsplit

#: Seconds one fetch attempt may take before it counts as hung (a TimeoutError).
FETCH_TIMEOUT = 10.0


async def crawl(root, fetch, *, max_pages, concurrency, per_host, retries):
    """Crawl from `root` breadth-first; return {url: "ok" or the error's class name}."""
    results = {}
    seen = {root}  # every url ever accepted for crawling: none is crawled twice
    slots = asyncio.Semaphore(concurrency)  # fetches in flight, all hosts together
    hosts = defaultdict(lambda: asyncio.Semaphore(per_host))  # fetches in flight per host

    async def attempt(url):
        async with asyncio.timeout(FETCH_TIMEOUT):  # a hung fetch is cancelled here
            return await fetch(url)

    async def visit(url):
        # Wait for the host's turn *before* taking a global slot: a page whose host is
        # busy must not sit on a slot that a page of another host could use.
        async with hosts[urlsplit(url).hostname], slots:
            for _ in range(max(retries, 1)):
                try:
                    links = await attempt(url)
                except Exception as exc:  # TimeoutError included; CancelledError is not
                    results[url] = type(exc).__name__
                else:
                    results[url] = "ok"
                    break
        if results[url] == "ok":
            for link in links:  # in the order the page lists them: breadth-first
                if link not in seen and len(seen) < max_pages:
                    seen.add(link)
                    group.create_task(visit(link))

    async with asyncio.TaskGroup() as group:
        group.create_task(visit(root))
    return results
