"""Mistake: a bounded outbox per client, but delivered with `await outbox.put(line)`:
once a stalled client's outbox is full, the sender waits for it, and so does the whole
room.

Rejected by: test_stalled_client_delays_no_one, test_stalled_client_is_dropped
"""

import asyncio
import re

NAME = re.compile(r"[A-Za-z0-9_-]{1,20}")


class Client:
    def __init__(self, writer):
        self.writer = writer
        self.nick = None
        self.rooms = set()
        self.outbox = asyncio.Queue(100)


async def start_chat(host="127.0.0.1", port=0):
    nicks = {}
    rooms = {}

    async def pump(client):
        try:
            while True:
                line = await client.outbox.get()
                client.writer.write(line.encode() + b"\n")
                await client.writer.drain()
                client.outbox.task_done()
        except ConnectionError:
            pass

    async def tell_room(room, line, skip):
        for other in list(rooms.get(room, ())):
            if other is not skip:
                await other.outbox.put(line)

    async def command(client, line):
        name, _, rest = line.partition(" ")
        if name == "NICK":
            if client.nick is not None:
                return "ERR nick-set"
            if not NAME.fullmatch(rest):
                return "ERR bad-name"
            if rest in nicks:
                return "ERR nick-taken"
            client.nick = rest
            nicks[rest] = client
            return f"OK NICK {rest}"
        if name == "JOIN":
            if client.nick is None:
                return "ERR no-nick"
            if not NAME.fullmatch(rest):
                return "ERR bad-name"
            if rest in client.rooms:
                return "ERR already-joined"
            await tell_room(rest, f"JOIN {rest} {client.nick}", client)
            rooms.setdefault(rest, set()).add(client)
            client.rooms.add(rest)
            return f"OK JOIN {rest}"
        if name == "MSG":
            room, _, text = rest.partition(" ")
            if client.nick is None:
                return "ERR no-nick"
            if not NAME.fullmatch(room):
                return "ERR bad-name"
            if not text:
                return "ERR empty-message"
            if room not in client.rooms:
                return "ERR not-joined"
            await tell_room(room, f"MSG {room} {client.nick} {text}", client)
            return f"OK MSG {room}"
        return "ERR unknown-command"

    async def handle(reader, writer):
        client = Client(writer)
        writer_task = asyncio.create_task(pump(client))
        quitting = False
        try:
            while line := await reader.readline():
                line = line.decode("utf-8", "replace").rstrip("\r\n")
                if line == "QUIT":
                    await client.outbox.put("OK QUIT")
                    quitting = True
                    break
                if line:
                    await client.outbox.put(await command(client, line))
        except ConnectionError:
            pass
        finally:
            nicks.pop(client.nick, None)
            for room in client.rooms:
                rooms[room].discard(client)
                await tell_room(room, f"LEAVE {room} {client.nick}", client)
            if quitting:
                await client.outbox.join()
            writer_task.cancel()
            writer.close()

    return await asyncio.start_server(handle, host, port)
