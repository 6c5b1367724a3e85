"""Mistake: asks for each page only when the reader wants its first item, so reading and fetching never overlap.

Rejected by: test_slow_reader_finds_next_page_ready, test_slow_fetches_overlap_the_reader, test_prefetch_two_keeps_two_pages_coming
"""


async def iter_items(client, *, prefetch=1):
    if prefetch < 1:
        raise ValueError("prefetch must be at least 1")
    n = 0
    while True:
        items, has_more = await client.page(n)
        for item in items:
            yield item
        if not has_more:
            return
        n += 1
