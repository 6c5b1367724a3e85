"""Kata 42: a polite crawler (capstone). The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)
from collections import defaultdict, deque  # noqa: F401  (you may find them handy)
from urllib.parse import urlsplit  # noqa: F401  (urlsplit(url).hostname is a url's host)

#: Seconds one fetch attempt may take before it counts as hung (a TimeoutError).
FETCH_TIMEOUT = 10.0


async def crawl(root, fetch, *, max_pages, concurrency, per_host, retries):
    """Crawl from `root` breadth-first; return {url: "ok" or the error's class name}."""
    raise NotImplementedError("crawl: see katas/42_crawler/README.md")
