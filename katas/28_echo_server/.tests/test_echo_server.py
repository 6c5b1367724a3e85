import asyncio
import contextlib
import gc
import socket

import pytest

from graders import KataFailure, expect, io_checks

pytestmark = pytest.mark.realtime

START = 2.0  # real seconds start_echo_server() may take
REPLY = 3.0  # real seconds to wait for one echoed line before calling it lost
CLOSE = 2.0  # real seconds to wait for a connection or the server to close

LINE = b"x" * 16383 + b"\n"  # what a stalled client sends: 16 KiB lines
PUSH_LIMIT = 16 * 2**20  # a stalled client stops pushing after 16 MiB...
PATIENCE = 0.5  # ...or once its own sends have been stuck for this long (a server that
# reads answers a drain within milliseconds)
HELD_LIMIT = 2**20  # more than 1 MiB of replies held for one client: no backpressure

NOT_SERVING = (
    "`start_echo_server` must start the server and return it, listening: `server = await "
    "asyncio.start_server(handler, host, port)`, then `return server`. Do not await "
    "`server.serve_forever()` inside it: that returns only once the server is closed."
)
ECHO = (
    "in the handler, loop: `line = await reader.readline()`; stop when it returns b'' (the "
    "client has finished); else `writer.write(line)` and `await writer.drain()`. Echo the "
    "bytes as they are: no decoding, no stripping."
)
CLOSE_CLIENTS = (
    "asyncio's `server.close()` only stops accepting new connections. Keep the writers of "
    "the open connections in a set, and make `server.close()` close them too: wrap it "
    "(`plain = server.close`, then `server.close = your_close`, which calls `plain()` and "
    "`writer.close()` for each). On Python 3.13+ your_close may call "
    "`server.close_clients()` instead of keeping the set."
)
CLOSE_WRITER = (
    "when `reader.readline()` returns b'' (or the connection breaks), the client is gone: "
    "close your side in a `finally` block, `writer.close()` then `await writer.wait_closed()`."
)


class Client:
    """One of the test's own connections to the learner's server."""

    def __init__(self, name, reader, writer):
        self.name = name
        self.reader = reader
        self.writer = writer
        self.replies = 0
        self.stuck = False  # waited in vain for a reply

    async def send(self, data):
        try:
            self.writer.write(data)
            await io_checks.within(
                self.writer.drain(),
                REPLY,
                message=f"{self.name} could not send {len(data)} bytes within {REPLY:g} s: "
                "your server is not reading from its connection.",
                hint=ECHO,
            )
        except ConnectionError as exc:
            self._broken(exc, f"sending {_show(data)}")

    async def reply(self, expected, *, what="its line"):
        """Read one line and require it to be ``expected``."""
        try:
            got = await io_checks.within(
                self.reader.readline(),
                REPLY,
                message=f"{self.name} sent {_show(expected)} and got no reply within {REPLY:g} s.",
                hint=ECHO,
            )
        except KataFailure:
            self.stuck = True
            raise
        except ConnectionError as exc:
            self._broken(exc, f"waiting for the echo of {_show(expected)}")
        if got != expected:
            if not got:
                fail = f"the server closed the connection instead of echoing {what}"
            else:
                fail = f"it got back {_show(got)}"
            expect.fail(f"{self.name} sent {_show(expected)}; {fail}.", ECHO)
        self.replies += 1

    def _broken(self, exc, doing):
        expect.fail(
            f"{self.name}'s connection broke while {doing}: {type(exc).__name__}: {exc}. "
            "Your server closed it abruptly (did its handler crash?).",
            ECHO,
        )

    async def close(self):
        self.writer.close()
        with contextlib.suppress(ConnectionError, TimeoutError):
            async with asyncio.timeout(CLOSE):
                await self.writer.wait_closed()

    def abort(self):
        self.writer.transport.abort()

    @property
    def local(self):
        return self.writer.get_extra_info("sockname")[:2]


def _what(failure):
    """A failure's message without its hint (to tell it again with another hint)."""
    return str(failure).split("\nhint: ")[0]


async def chat_all(clients, chat):
    """Run ``chat(client)`` for every client at once; on the first failure the others are
    cancelled and the failure propagates."""
    tasks = [asyncio.create_task(chat(c)) for c in clients]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _show(data):
    text = repr(data)
    return text if len(text) <= 60 else text[:45] + f"... ({len(data)} bytes)"


class Lab:
    """The learner's server and the test's clients; on exit every client is aborted and
    the server closed (bounded), whatever happened, and ResourceWarnings are collected."""

    def __init__(self, kata):
        self.kata = kata
        self.server = None
        self.clients = []

    async def __aenter__(self):
        self.baseline = io_checks.open_sockets()
        self._warnings = io_checks.resource_warnings()
        self.leaked = self._warnings.__enter__()
        return self

    async def __aexit__(self, *exc_info):
        try:
            for client in self.clients:
                client.abort()
            if self.server is not None:
                with contextlib.suppress(Exception):
                    self.server.close()
                    async with asyncio.timeout(CLOSE):
                        await self.server.wait_closed()
            await asyncio.sleep(0.05)  # let the aborted connections wind down
        finally:
            self._warnings.__exit__(*exc_info)

    async def start(self, *args):
        server = await io_checks.within(
            self.kata.start_echo_server(*args),
            START,
            message=f"start_echo_server() did not return within {START:g} s.",
            hint=NOT_SERVING,
        )
        sockets = getattr(server, "sockets", None)
        expect.true(
            bool(sockets),
            f"start_echo_server() returned {server!r}, which has no listening socket; "
            "expected the asyncio.Server made by asyncio.start_server.",
            hint=NOT_SERVING,
        )
        self.server = server
        return sockets[0].getsockname()[:2]

    async def connect(self, name, address, *, bufsize=None):
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if bufsize:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, bufsize)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, bufsize)
            sock.setblocking(False)
            await io_checks.within(
                loop.sock_connect(sock, address),
                REPLY,
                message=f"{name} could not connect to your server within {REPLY:g} s.",
                hint=NOT_SERVING,
            )
            reader, writer = await asyncio.open_connection(sock=sock)
        except ConnectionRefusedError:
            sock.close()
            expect.fail(
                f"{name} could not connect to {address[0]}:{address[1]}: connection refused. "
                "Is the server listening when start_echo_server returns it?",
                NOT_SERVING,
            )
        except BaseException:
            sock.close()
            raise
        client = Client(name, reader, writer)
        self.clients.append(client)
        return client

    async def stall(self, address):
        """A client that sends 16 KiB lines and never reads a reply: it pushes until its
        own sends are stuck for PATIENCE seconds (the server stopped reading from it),
        or PUSH_LIMIT bytes went through. Returns (client, bytes sent, stuck)."""
        client = await self.connect("the stalled client", address, bufsize=64 * 1024)
        sent = 0
        while sent < PUSH_LIMIT:
            client.writer.write(LINE)
            try:
                await asyncio.wait_for(client.writer.drain(), PATIENCE)
            except TimeoutError:
                return client, sent, True
            sent += len(LINE)
        return client, sent, False


def held_for(client):
    """Bytes of replies the server holds in memory for ``client`` (its transports' write
    buffers; None if the server has no connection to it any more)."""
    local = client.local
    held = None
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.WriteTransport) and obj is not client.writer.transport:
            try:
                if tuple(obj.get_extra_info("peername") or ())[:2] != local:
                    continue
                held = (held or 0) + obj.get_write_buffer_size()
            except Exception:
                continue
    return held


def mib(n):
    return f"{n / 2**20:.1f} MiB"


@pytest.mark.points(1)
async def test_returns_a_listening_server(kata):
    async with Lab(kata) as lab:
        host, port = await lab.start()
        expect.true(
            host == "127.0.0.1" and port != 0,
            f"start_echo_server() with its defaults listens on {host}:{port}; expected "
            "127.0.0.1 and a port chosen by the system (port 0 asks for a free one).",
            hint="pass `host` and `port` on to asyncio.start_server.",
        )
        client = await lab.connect("a client", (host, port))
        await client.send(b"hello\n")
        await client.reply(b"hello\n")
        await client.close()
    io_checks.expect_no_resource_warnings(lab.leaked, during="one client said hello")


@pytest.mark.points(2)
async def test_echoes_every_line_exactly(kata):
    lines = [
        b"hello\n",
        b"  spaces around  \n",
        b"\n",
        b"tab\tinside\n",
        b"windows line\r\n",
        "café ☕ and ünïcode\n".encode(),
        b"\xff\xfe not utf-8 at all\n",
        b"y" * 10_000 + b"\n",
    ]
    async with Lab(kata) as lab:
        address = await lab.start("127.0.0.1", 0)
        client = await lab.connect("the client", address)
        await client.send(b"".join(lines))  # all in one go: the server must split them
        for line in lines:
            await client.reply(line)
        await client.send(b"last words, no newline")
        client.writer.write_eof()
        rest = await io_checks.within(
            client.reader.read(),
            REPLY,
            message=f"the client sent a last line without a newline, then finished sending "
            f"(EOF); {REPLY:g} s later your server had not closed the connection.",
            hint="readline() returns the unfinished last line at EOF, then b'' once "
            "everything is read: echo the one, and close the connection on the other. "
            + CLOSE_WRITER,
        )
        expect.true(
            rest == b"last words, no newline",
            f"the client's last line, sent without a newline before EOF, came back as "
            f"{_show(rest)}; expected it echoed as it is (b'last words, no newline'), then the "
            "connection closed.",
            hint="readline() returns the unfinished last line at EOF: echo it like any other.",
        )
        await client.close()
    io_checks.expect_no_resource_warnings(
        lab.leaked, during="a client sent lines and left", hint=CLOSE_WRITER
    )


@pytest.mark.points(3)
async def test_twenty_clients_at_once(kata):
    async with Lab(kata) as lab:
        address = await lab.start()
        clients = [await lab.connect(f"client {i}", address) for i in range(20)]
        # All 20 are connected now, and stay connected until every one is done.

        async def chat(client):
            for i in range(100):
                line = f"{client.name} says {i:03}{'.' * (i % 7)}\n".encode()
                await client.send(line)
                await client.reply(line)

        try:
            await chat_all(clients, chat)
        except KataFailure as failure:
            if not any(c.stuck for c in clients):
                raise
            counts = ", ".join(str(c.replies) for c in clients)
            waiting = sum(1 for c in clients if c.replies == 0)
            story = ""
            if waiting and any(c.replies for c in clients):
                story = (
                    f"\n{waiting} clients never got a single reply while others were served: "
                    "your server seems to serve one client at a time."
                )
            expect.fail(
                f"{_what(failure)}\nReplies each of the 20 connected clients had received: "
                f"{counts}." + story,
                "asyncio.start_server runs your handler once per connection, as a task of its "
                "own: each handler serves only its client, and they all run at once. Do not "
                "make one connection wait for another (no lock held across a whole "
                "connection).",
            )
        for client in clients:
            await client.close()
    io_checks.expect_no_resource_warnings(lab.leaked, during="20 clients chatted and left")


@pytest.mark.points(2)
async def test_a_stalled_client_does_not_delay_the_others(kata):
    async with Lab(kata) as lab:
        address = await lab.start()
        await lab.stall(address)
        # The stalled client reads nothing; its replies pile up. The others must not care.
        others = [await lab.connect(f"client {i}", address) for i in range(1, 6)]

        async def chat(client):
            for i in range(20):
                line = f"{client.name} line {i}\n".encode()
                await client.send(line)
                await client.reply(line)

        try:
            await chat_all(others, chat)
        except KataFailure as failure:
            if not any(c.stuck for c in others):
                raise
            expect.fail(
                f"while one client was not reading its replies: {_what(failure)}",
                "the stalled client's handler waits in `await writer.drain()`, and only it "
                "should: each connection needs its own handler task, and nothing shared (a "
                "lock, a single sender task, a queue) may make one client wait for another.",
            )
        for client in others:
            await client.close()
    io_checks.expect_no_resource_warnings(
        lab.leaked, during="a client stalled while others chatted"
    )


@pytest.mark.points(2)
async def test_a_stalled_client_is_held_back(kata):
    async with Lab(kata) as lab:
        address = await lab.start()
        client, sent, stuck = await lab.stall(address)
        if not stuck:
            await asyncio.sleep(0.2)  # let the server read what is on its way
        held = held_for(client)
        expect.true(
            held is None or held <= HELD_LIMIT,
            f"a client sent {mib(sent)} of lines and read none of the replies. Your server kept "
            f"on reading from it and now holds {mib(held or 0)} of replies in memory, waiting "
            "to be sent: a client that never reads would make it grow until memory runs out.",
            hint="after `writer.write(line)`, `await writer.drain()`: while the client's buffer "
            "is full it waits, so your server stops reading from a client that does not read "
            "its replies (backpressure), and memory stays bounded.",
        )
    io_checks.expect_no_resource_warnings(lab.leaked, during="a client stalled")


@pytest.mark.points(2)
async def test_closing_the_server_closes_the_clients(kata):
    async with Lab(kata) as lab:
        address = await lab.start()
        clients = [await lab.connect(f"client {i}", address) for i in range(1, 4)]
        for client in clients:
            await client.send(b"still there?\n")
            await client.reply(b"still there?\n")
        lab.server.close()
        await io_checks.within(
            lab.server.wait_closed(),
            CLOSE,
            message=f"after server.close(), server.wait_closed() had not returned {CLOSE:g} s "
            "later. Since Python 3.12 it waits until every connection of the server is "
            "closed, and 3 clients were still connected.",
            hint=CLOSE_CLIENTS,
        )
        for client in clients:
            try:
                rest = await io_checks.within(
                    client.reader.read(),
                    CLOSE,
                    message=f"after server.close() and wait_closed(), {client.name} was still "
                    f"connected {CLOSE:g} s later: closing the server must close the "
                    "connections of its clients too.",
                    hint=CLOSE_CLIENTS,
                )
            except ConnectionError:
                rest = b""
            expect.true(
                rest == b"",
                f"after server.close(), {client.name} received {_show(rest)}; expected the "
                "connection to close without more data.",
            )
        try:
            late = await lab.connect("a late client", address)
        except AssertionError:
            late = None  # refused: as it should be
        expect.true(
            late is None,
            "after server.close(), a new client could still connect: the server must stop "
            "listening.",
            hint="your close() must call asyncio's own close() (the one you wrapped) first.",
        )
        for client in clients:
            await client.close()
        await io_checks.expect_nothing_open(
            lab.baseline, after="server.close() and wait_closed()", hint=CLOSE_CLIENTS
        )
    io_checks.expect_no_resource_warnings(lab.leaked, during="the server was closed")


@pytest.mark.points(1)
async def test_nothing_left_when_clients_leave(kata):
    async with Lab(kata) as lab:
        address = await lab.start()
        serving = io_checks.open_sockets()  # the server's own listening socket included
        clients = [await lab.connect(f"client {i}", address) for i in range(1, 6)]
        for client in clients:
            await client.send(b"bye\n")
            await client.reply(b"bye\n")
        await clients[0].close()  # hangs up
        await clients[1].close()
        for client in clients[2:4]:  # finishes sending, reads to the end, hangs up
            client.writer.write_eof()
            await io_checks.within(
                client.reader.read(),
                CLOSE,
                message=f"{client.name} finished sending (EOF) and your server had not closed "
                f"the connection {CLOSE:g} s later.",
                hint=CLOSE_WRITER,
            )
            await client.close()
        clients[4].abort()  # vanishes (connection reset)
        await io_checks.expect_nothing_open(
            serving,
            after="five clients left (the server still running)",
            tasks=False,
            hint="the connections of clients who left were still open on the server's side. "
            + CLOSE_WRITER,
        )
        lab.server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE):
                await lab.server.wait_closed()
        await io_checks.expect_nothing_open(
            lab.baseline, after="five clients left and the server was closed"
        )
    io_checks.expect_no_resource_warnings(
        lab.leaked, during="five clients left, one by a reset", hint=CLOSE_WRITER
    )
