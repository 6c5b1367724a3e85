"""Mistake: checks `link not in results` instead of keeping a set of scheduled urls, so a page still being fetched is scheduled again when another page links to it.

Rejected by: test_small_site_each_page_once, test_seeded_web_near_the_reference
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
            for _ in range(retries + 1):
                try:
                    links = await attempt(url)
                except Exception as exc:  # TimeoutError included; CancelledError is not
                    results[url] = type(exc).__name__
                else:
                    results[url] = "ok"
                    break
        if results[url] == "ok":
            for link in links:  # in the order the page lists them: breadth-first
                if link not in results and len(results) < max_pages:
                    group.create_task(visit(link))

    async with asyncio.TaskGroup() as group:
        group.create_task(visit(root))
    return results
