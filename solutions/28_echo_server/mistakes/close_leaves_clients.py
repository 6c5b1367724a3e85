"""Mistake: returns asyncio's server as is, whose close() stops listening but leaves the open connections open.

Rejected by: test_closing_the_server_closes_the_clients
"""

import asyncio
import contextlib


async def start_echo_server(host="127.0.0.1", port=0):
    async def echo(reader, writer):
        try:
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    return await asyncio.start_server(echo, host, port)
