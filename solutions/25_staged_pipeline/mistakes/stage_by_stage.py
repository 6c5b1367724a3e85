"""Mistake: runs the stages one after another (all fetches, then all parses, then all stores), so they never overlap.

Rejected by: test_stages_overlap, test_each_stage_runs_its_own_number_of_workers
"""

import asyncio


async def pipeline(urls, fetch, parse, store, *, fetchers, parsers):
    if fetchers < 1 or parsers < 1:
        raise ValueError("pipeline needs at least one fetcher and one parser")

    async def limited(sem, fn, item):
        async with sem:
            return await fn(item)

    fetch_slots, parse_slots = asyncio.Semaphore(fetchers), asyncio.Semaphore(parsers)
    pages = await asyncio.gather(*(limited(fetch_slots, fetch, url) for url in urls))
    records = await asyncio.gather(*(limited(parse_slots, parse, page) for page in pages))
    stored = 0
    for record in records:
        if record is not None:
            await store(record)
            stored += 1
    return {"fetched": len(pages), "parsed": len(records), "stored": stored}
