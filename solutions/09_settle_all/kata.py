"""Kata 09, reference solution."""

import asyncio


async def fetch_settled(fetch, keys):
    """Fetch every key concurrently; map each key to its value or to the exception its
    fetch raised."""
    unique = list(dict.fromkeys(keys))  # each key once, in order of first appearance
    # return_exceptions=True: an error becomes a result instead of ending the wait.
    # If the caller is cancelled, gather cancels every fetch, and still raises
    # CancelledError (it is never returned as a result).
    outcomes = await asyncio.gather(*(fetch(key) for key in unique), return_exceptions=True)
    return dict(zip(unique, outcomes, strict=True))
