"""Mistake: writes each line without `await writer.drain()`, so replies to a client that never reads pile up in memory.

Rejected by: test_a_stalled_client_is_held_back
"""

import asyncio
import contextlib


async def start_echo_server(host="127.0.0.1", port=0):
    writers = set()

    async def echo(reader, writer):
        writers.add(writer)
        try:
            while line := await reader.readline():
                writer.write(line)  # queued, never waited for
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
