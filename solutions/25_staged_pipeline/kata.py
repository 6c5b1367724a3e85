"""Kata 25, reference solution."""

import asyncio


async def pipeline(urls, fetch, parse, store, *, fetchers, parsers):
    """Fetch, parse and store every url through three stages joined by queues; return
    how many items each stage finished."""
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

    # A worker that fails makes the TaskGroup cancel every other worker and the body
    # below (waiting on a join), then raise the error in an ExceptionGroup.
    async with asyncio.TaskGroup() as tg:
        workers = [tg.create_task(fetcher()) for _ in range(fetchers)]
        workers += [tg.create_task(parser()) for _ in range(parsers)]
        workers.append(tg.create_task(storer()))
        # Each join returns once every item put on that queue has been handed on, so
        # after the third one everything has been stored.
        await todo.join()
        await pages.join()
        await records.join()
        for worker in workers:
            worker.cancel()
    return counts
