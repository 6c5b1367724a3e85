"""Kata 43: a chat server. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


async def start_chat(host="127.0.0.1", port=0):
    """Start the chat server on host:port and return the asyncio.Server."""
    raise NotImplementedError("start_chat: see katas/43_chat_server/README.md")
