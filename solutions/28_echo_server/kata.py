"""Kata 28, reference solution."""

import asyncio
import contextlib


async def start_echo_server(host="127.0.0.1", port=0):
    """Start a line echo server on host:port and return it (an asyncio.Server), already listening."""
    writers = set()  # the connections open right now

    async def echo(reader, writer):
        writers.add(writer)
        try:
            while line := await reader.readline():  # b"" once the client has finished
                writer.write(line)
                await writer.drain()  # waits while this client is not reading its replies
        except ConnectionError:
            pass  # the client vanished (reset): nobody left to echo to
        finally:
            writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(echo, host, port)  # listening when it returns

    stop_listening = server.close

    def close():
        stop_listening()  # asyncio's close(): no new connections...
        for writer in list(writers):
            writer.close()  # ...and, ours, the open ones end too

    server.close = close  # what server.close() (and `async with server`) now does
    return server
