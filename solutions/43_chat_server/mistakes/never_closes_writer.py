"""Mistake: stops the writer task when a client leaves, but never closes the writer: the
connection stays open until the garbage collector finds it.

Rejected by: test_nothing_left_open_after_close
"""

import asyncio
import re

OUTBOX = 100  # lines a client may have waiting; one more and it is dropped
QUIT_FLUSH = 5.0  # seconds a quitting client gets to read its "OK QUIT"
NAME = re.compile(r"[A-Za-z0-9_-]{1,20}")


class Client:
    def __init__(self, writer):
        self.writer = writer
        self.nick = None
        self.rooms = set()
        self.outbox = asyncio.Queue(OUTBOX)  # lines for the writer task, None = close
        self.quitting = False
        self.dropped = False


class Chat:
    def __init__(self):
        self.nicks = {}  # nick -> Client
        self.rooms = {}  # room -> set of Clients

    # -- one connection: this coroutine is its reader task ------------------------------
    async def serve(self, reader, writer):
        client = Client(writer)
        sender = asyncio.create_task(self.write_lines(client))
        try:
            while not (client.quitting or client.dropped):
                line = await reader.readline()
                if not line:
                    break  # the client disconnected
                self.handle(client, line.decode("utf-8", "replace").rstrip("\r\n"))
        except (ConnectionError, ValueError):
            pass  # reset by the client, or a line longer than the reader's limit
        finally:
            self.leave(client)
            if client.quitting:
                await asyncio.wait([sender], timeout=QUIT_FLUSH)  # "OK QUIT" goes out
            sender.cancel()
            await asyncio.wait([sender])

    # -- one connection: its writer task, the only code that writes to the socket --------
    async def write_lines(self, client):
        writer = client.writer
        try:
            while (line := await client.outbox.get()) is not None:
                writer.write(line.encode() + b"\n")
                await writer.drain()  # waits while this client's socket is full
            writer.close()
            await writer.wait_closed()
        except ConnectionError:
            pass  # the client is gone; its reader task cleans up

    # -- delivering: never wait for a client, drop it instead ------------------------------
    def send(self, client, line):
        if client.dropped:
            return
        try:
            client.outbox.put_nowait(line)
        except asyncio.QueueFull:
            self.drop(client)

    def drop(self, client):
        client.dropped = True
        # abort(), not close(): close() would wait to flush a buffer nobody reads.
        client.writer.transport.abort()
        self.leave(client)

    def leave(self, client):
        """Out of every room and free the nick, telling the rooms; safe to call twice."""
        if self.nicks.get(client.nick) is client:
            del self.nicks[client.nick]
        rooms, client.rooms = sorted(client.rooms), set()
        for room in rooms:
            members = self.rooms[room]
            members.discard(client)
            if not members:
                del self.rooms[room]
            for other in list(members):
                self.send(other, f"LEAVE {room} {client.nick}")

    # -- the protocol ----------------------------------------------------------------------
    def handle(self, client, line):
        if not line:
            return  # blank lines are ignored
        command, _, rest = line.partition(" ")
        if command == "NICK":
            self.send(client, self.nick(client, rest))
        elif command == "JOIN":
            self.send(client, self.join(client, rest))
        elif command == "MSG":
            self.send(client, self.message(client, rest))
        elif command == "QUIT":
            self.leave(client)
            client.quitting = True
            self.send(client, "OK QUIT")
            self.send(client, None)  # the writer task closes the connection after it
        else:
            self.send(client, "ERR unknown-command")

    def nick(self, client, name):
        if client.nick is not None:
            return "ERR nick-set"
        if not NAME.fullmatch(name):
            return "ERR bad-name"
        if name in self.nicks:
            return "ERR nick-taken"
        client.nick = name
        self.nicks[name] = client
        return f"OK NICK {name}"

    def join(self, client, room):
        if client.nick is None:
            return "ERR no-nick"
        if not NAME.fullmatch(room):
            return "ERR bad-name"
        if room in client.rooms:
            return "ERR already-joined"
        members = self.rooms.setdefault(room, set())
        for other in list(members):
            self.send(other, f"JOIN {room} {client.nick}")
        members.add(client)
        client.rooms.add(room)
        return f"OK JOIN {room}"

    def message(self, client, rest):
        room, _, text = rest.partition(" ")
        if client.nick is None:
            return "ERR no-nick"
        if not NAME.fullmatch(room):
            return "ERR bad-name"
        if not text:
            return "ERR empty-message"
        if room not in client.rooms:
            return "ERR not-joined"
        for other in list(self.rooms[room]):
            if other is not client:
                self.send(other, f"MSG {room} {client.nick} {text}")
        return f"OK MSG {room}"


async def start_chat(host="127.0.0.1", port=0):
    """Start the chat server on host:port and return the asyncio.Server."""
    return await asyncio.start_server(Chat().serve, host, port)
