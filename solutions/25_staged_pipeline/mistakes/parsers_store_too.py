"""Mistake: each parser stores its own record, so there is no single store worker: stores overlap and parsers stop parsing meanwhile.

Rejected by: test_stages_overlap, test_each_stage_runs_its_own_number_of_workers
"""

import asyncio


async def pipeline(urls, fetch, parse, store, *, fetchers, parsers):
    if fetchers < 1 or parsers < 1:
        raise ValueError("pipeline needs at least one fetcher and one parser")
    counts = {"fetched": 0, "parsed": 0, "stored": 0}
    todo, pages = asyncio.Queue(), asyncio.Queue()
    for url in urls:
        todo.put_nowait(url)

    async def fetcher():
        while True:
            url = await todo.get()
            pages.put_nowait(await fetch(url))
            counts["fetched"] += 1
            todo.task_done()

    async def parser():
        while True:
            page = await pages.get()
            record = await parse(page)
            counts["parsed"] += 1
            if record is not None:
                await store(record)
                counts["stored"] += 1
            pages.task_done()

    async with asyncio.TaskGroup() as tg:
        workers = [tg.create_task(fetcher()) for _ in range(fetchers)]
        workers += [tg.create_task(parser()) for _ in range(parsers)]
        await todo.join()
        await pages.join()
        for worker in workers:
            worker.cancel()
    return counts
