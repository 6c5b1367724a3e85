"""Mistake: decodes each line and strips it before echoing, so spaces, '\r' and non-UTF-8 bytes do not come back as sent.

Rejected by: test_echoes_every_line_exactly
"""

import asyncio
import contextlib


async def start_echo_server(host="127.0.0.1", port=0):
    writers = set()

    async def echo(reader, writer):
        writers.add(writer)
        try:
            while line := await reader.readline():
                text = line.decode().strip()
                writer.write((text + "\n").encode())
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
