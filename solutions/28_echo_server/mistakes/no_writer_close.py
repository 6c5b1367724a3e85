"""Mistake: the handler returns when the client has finished without closing its writer, so the connection is left open.

Rejected by: test_echoes_every_line_exactly, test_nothing_left_when_clients_leave
"""

import asyncio


async def start_echo_server(host="127.0.0.1", port=0):
    writers = set()

    async def echo(reader, writer):
        writers.add(writer)
        try:
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writers.discard(writer)  # forgotten, but never closed

    server = await asyncio.start_server(echo, host, port)
    stop_listening = server.close

    def close():
        stop_listening()
        for writer in list(writers):
            writer.close()

    server.close = close
    return server
