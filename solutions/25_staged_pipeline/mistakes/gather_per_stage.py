"""Mistake: gathers each stage's workers in a task of its own; when one fetcher fails, that gather passes the error on but leaves the other fetchers running.

Rejected by: test_fetch_error_stops_every_stage
"""

import asyncio

DONE = object()


async def pipeline(urls, fetch, parse, store, *, fetchers, parsers):
    if fetchers < 1 or parsers < 1:
        raise ValueError("pipeline needs at least one fetcher and one parser")
    counts = {"fetched": 0, "parsed": 0, "stored": 0}
    pages, records = asyncio.Queue(), asyncio.Queue()
    todo = iter(urls)

    async def fetcher():
        for url in todo:
            page = await fetch(url)
            counts["fetched"] += 1
            await pages.put(page)

    async def parser():
        while (page := await pages.get()) is not DONE:
            record = await parse(page)
            counts["parsed"] += 1
            if record is not None:
                await records.put(record)

    async def storer():
        while (record := await records.get()) is not DONE:
            await store(record)
            counts["stored"] += 1

    async def fetch_stage():
        await asyncio.gather(*(fetcher() for _ in range(fetchers)))
        for _ in range(parsers):
            await pages.put(DONE)

    async def parse_stage():
        await asyncio.gather(*(parser() for _ in range(parsers)))
        await records.put(DONE)

    stages = [asyncio.create_task(s) for s in (fetch_stage(), parse_stage(), storer())]
    try:
        await asyncio.gather(*stages)
    except BaseException:
        for stage in stages:
            stage.cancel()
        await asyncio.gather(*stages, return_exceptions=True)
        raise
    return counts
