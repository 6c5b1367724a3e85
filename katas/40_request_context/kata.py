"""Kata 40: request context. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)
import contextvars  # noqa: F401  (you will need it)

#: The id of the request being handled. Make it a `contextvars.ContextVar` (see README).
request_id = None


async def handle(req, log):
    """Handle one request with `request_id` set to req["id"], visible in every subtask and thread."""
    raise NotImplementedError("handle: see katas/40_request_context/README.md")
