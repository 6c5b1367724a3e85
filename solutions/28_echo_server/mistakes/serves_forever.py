"""Mistake: awaits server.serve_forever() inside start_echo_server, so it never returns the server.

Rejected by: test_returns_a_listening_server, test_twenty_clients_at_once
"""

import asyncio


async def start_echo_server(host="127.0.0.1", port=0):
    async def echo(reader, writer):
        try:
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(echo, host, port)
    async with server:
        await server.serve_forever()
    return server
