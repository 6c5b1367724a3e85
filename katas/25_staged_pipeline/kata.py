"""Kata 25: a staged pipeline. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def pipeline(urls, fetch, parse, store, *, fetchers, parsers):
    """Fetch, parse and store every url through three stages joined by queues; return
    {"fetched": ..., "parsed": ..., "stored": ...}."""
    raise NotImplementedError("pipeline: see katas/25_staged_pipeline/README.md")
