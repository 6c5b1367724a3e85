"""Mistake: reads with readuntil() and lets its IncompleteReadError (an EOFError) escape instead of a ConnectionError.

Rejected by: test_server_hanging_up_raises_connection_error
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
                reply = await reader.readuntil(b"\n")  # raises IncompleteReadError at the end
                replies.append(reply.decode()[:-1])
            return replies
        finally:
            writer.close()
            await writer.wait_closed()
