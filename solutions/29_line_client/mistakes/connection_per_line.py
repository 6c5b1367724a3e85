"""Mistake: opens a new connection for every line instead of one connection for the whole exchange.

Rejected by: test_replies_come_back_in_order
"""

import asyncio


async def request_lines(host, port, lines, timeout):
    replies = []
    async with asyncio.timeout(timeout):
        for line in lines:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(line.encode() + b"\n")
                await writer.drain()
                reply = await reader.readline()
                if not reply.endswith(b"\n"):
                    raise ConnectionError("the server closed the connection")
                replies.append(reply.decode().removesuffix("\n"))
            finally:
                writer.close()
                await writer.wait_closed()
    return replies
