"""Mistake: plain create_task workers and queue.join(): when a worker dies on an error, nobody notices and join() waits forever.

Rejected by: test_fetch_error_stops_every_stage, test_parse_error_stops_every_stage, test_store_error_stops_every_stage
"""

import asyncio


async def pipeline(urls, fetch, parse, store, *, fetchers, parsers):
    if fetchers < 1 or parsers < 1:
        raise ValueError("pipeline needs at least one fetcher and one parser")
    counts = {"fetched": 0, "parsed": 0, "stored": 0}
    todo, pages, records = asyncio.Queue(), asyncio.Queue(), asyncio.Queue()
    for url in urls:
        todo.put_nowait(url)

    async def fetcher():
        while True:
            url = await todo.get()
            page = await fetch(url)
            counts["fetched"] += 1
            pages.put_nowait(page)
            todo.task_done()

    async def parser():
        while True:
            page = await pages.get()
            record = await parse(page)
            counts["parsed"] += 1
            if record is not None:
                records.put_nowait(record)
            pages.task_done()

    async def storer():
        while True:
            record = await records.get()
            await store(record)
            counts["stored"] += 1
            records.task_done()

    workers = [asyncio.create_task(fetcher()) for _ in range(fetchers)]
    workers += [asyncio.create_task(parser()) for _ in range(parsers)]
    workers.append(asyncio.create_task(storer()))
    await todo.join()
    await pages.join()
    await records.join()
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return counts
