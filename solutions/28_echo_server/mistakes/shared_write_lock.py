"""Mistake: one lock shared by all connections around write+drain, so a client that stops reading blocks everyone.

Rejected by: test_a_stalled_client_does_not_delay_the_others
"""

import asyncio
import contextlib


async def start_echo_server(host="127.0.0.1", port=0):
    writers = set()
    sending = asyncio.Lock()  # "so that two clients never write at the same time"

    async def echo(reader, writer):
        writers.add(writer)
        try:
            while line := await reader.readline():
                async with sending:
                    writer.write(line)
                    await writer.drain()
        except ConnectionError:
            pass
        finally:
            writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(echo, host, port)
    stop_listening = server.close

    def close():
        stop_listening()
        for writer in list(writers):
            writer.close()

    server.close = close
    return server
