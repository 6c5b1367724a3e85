"""Mistake: takes whatever readline() returns as a reply, so a server hanging up yields '' instead of an error.

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
                reply = await reader.readline()  # b"" at the end of the stream: not checked
                replies.append(reply.decode().removesuffix("\n"))
            return replies
        finally:
            writer.close()
            await writer.wait_closed()
