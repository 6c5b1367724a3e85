"""Mistake: closes the connection only after a successful exchange, so an error or a timeout leaves it open.

Rejected by: test_server_hanging_up_raises_connection_error, test_silent_server_raises_timeout_error
"""

import asyncio


async def request_lines(host, port, lines, timeout):
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(host, port)
        replies = []
        for line in lines:
            writer.write(line.encode() + b"\n")
            await writer.drain()
            reply = await reader.readline()
            if not reply.endswith(b"\n"):
                raise ConnectionError("the server closed the connection")
            replies.append(reply.decode().removesuffix("\n"))
        writer.close()  # never reached when something above raises
        await writer.wait_closed()
        return replies
