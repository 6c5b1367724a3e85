"""Kata 29, reference solution."""

import asyncio
import contextlib


async def request_lines(host, port, lines, timeout):
    """Send each line to host:port, read one reply line for each; return the replies."""
    async with asyncio.timeout(timeout):  # one deadline for the whole exchange
        reader, writer = await asyncio.open_connection(host, port)
        try:
            replies = []
            for line in lines:
                writer.write(line.encode() + b"\n")
                await writer.drain()
                reply = await reader.readline()
                if not reply.endswith(b"\n"):  # b"" or a cut-off line: the server hung up
                    raise ConnectionError(
                        f"the server closed the connection after {len(replies)} of "
                        f"{len(lines)} replies"
                    )
                replies.append(reply.decode().removesuffix("\n"))
            return replies
        finally:
            writer.close()  # success, error or timeout: the connection is closed
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
