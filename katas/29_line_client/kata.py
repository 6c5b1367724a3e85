"""Kata 29: line client. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def request_lines(host, port, lines, timeout):
    """Send each line to host:port, read one reply line for each; return the replies."""
    raise NotImplementedError("request_lines: see katas/29_line_client/README.md")
