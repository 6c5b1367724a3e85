"""Mistake: strips each reply (`.strip()`), losing the spaces that are part of it.

Rejected by: test_replies_come_back_in_order
"""

import asyncio


async def request_lines(host, port, lines, timeout):
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            replies = []
            for line in lines:
                writer.write(line.encode() + b"\n")
                await writer.drain()
                reply = await reader.readline()
                if not reply.endswith(b"\n"):
                    raise ConnectionError("the server closed the connection")
                replies.append(reply.decode().strip())
            return replies
        finally:
            writer.close()
            await writer.wait_closed()
