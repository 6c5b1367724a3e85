"""Mistake: gives each reply its own `timeout` (wait_for per readline), so a slow server can take far longer than `timeout` in all.

Rejected by: test_timeout_covers_the_whole_exchange
"""

import asyncio


async def request_lines(host, port, lines, timeout):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        replies = []
        for line in lines:
            writer.write(line.encode() + b"\n")
            await writer.drain()
            reply = await asyncio.wait_for(reader.readline(), timeout)
            if not reply.endswith(b"\n"):
                raise ConnectionError("the server closed the connection")
            replies.append(reply.decode().removesuffix("\n"))
        return replies
    finally:
        writer.close()
        await writer.wait_closed()
