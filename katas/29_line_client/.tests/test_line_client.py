import asyncio
import contextlib
from dataclasses import dataclass, field

import pytest

from graders import KataFailure, expect, io_checks

pytestmark = pytest.mark.realtime

SEEN = 1.0  # real seconds the test server waits to see the client close
SLACK = 2.0  # extra real seconds request_lines may run past its timeout before the test stops it

LINES = ["hello", "  two spaces  ", "café ☕", "", "last one"]

CLOSE = (
    "open the connection, then do everything else inside `try:` and close it in `finally:` "
    "(`writer.close()`, then `await writer.wait_closed()`): it then closes whether the "
    "exchange succeeds, fails or times out."
)
EOF_HINT = (
    "`await reader.readline()` does not raise when the server hangs up: it returns b'' (or "
    "the piece of line that came before the end, without its b'\\n'). Check that each reply "
    "ends with b'\\n', and if not, `raise ConnectionError(...)`."
)
DEADLINE = (
    "put one deadline around the whole exchange: `async with asyncio.timeout(timeout):` "
    "around connecting, sending and reading (or asyncio.wait_for around a helper doing it "
    "all). It raises TimeoutError when the time is up."
)


@dataclass
class Conn:
    """One connection the test server accepted: what it received, when it closed."""

    number: int
    writer: asyncio.StreamWriter
    received: list = field(default_factory=list)
    answering: bool = True
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    how: str = ""  # "closed" (end of stream) or "reset"


class LineServer:
    """The test's own server. For the n-th line of a connection it calls
    ``behaviour(conn, n, raw_line)``, which writes the reply (or not); it reads on until
    the client closes, and records that."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.conns: list[Conn] = []
        self.shut = False

    async def __aenter__(self):
        self.baseline = io_checks.open_sockets()
        self._warnings = io_checks.resource_warnings()
        self.leaked = self._warnings.__enter__()
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info):
        if self.shut:
            return
        self.shut = True
        try:
            for conn in self.conns:
                conn.writer.transport.abort()
            self.server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SEEN):
                    await self.server.wait_closed()
            await asyncio.sleep(0.05)  # let the aborted connections wind down
        finally:
            self._warnings.__exit__(*exc_info)

    async def _serve(self, reader, writer):
        conn = Conn(len(self.conns) + 1, writer)
        self.conns.append(conn)
        try:
            while raw := await reader.readline():
                conn.received.append(raw)
                if conn.answering:
                    await self.behaviour(conn, len(conn.received), raw)
            conn.how = "closed"
        except ConnectionError:
            conn.how = "reset"
        finally:
            conn.closed.set()
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def call(self, kata, lines, timeout):
        """await request_lines(...), stopped SLACK s past its timeout: (result, error, s)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            result = await io_checks.within(
                kata.request_lines("127.0.0.1", self.port, lines, timeout),
                timeout + SLACK,
                message=f"request_lines(..., timeout={timeout:g}) was still running "
                f"{timeout + SLACK:g} s after it was called: it must give up after "
                f"`timeout` seconds with TimeoutError.",
                hint=DEADLINE,
            )
        except NotImplementedError:
            raise
        except KataFailure:
            raise
        except Exception as exc:
            result, error = None, exc
        else:
            error = None
        took = loop.time() - start
        if len(self.conns) > 1:
            expect_one_connection(self)
        return result, error, took

    async def expect_closed(self, ended):
        """Every connection must be closed by the client, SEEN s after request_lines
        ``ended`` at the latest; then nothing of it may be left open."""
        for conn in self.conns:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SEEN):
                    await conn.closed.wait()
            expect.true(
                conn.closed.is_set(),
                f"request_lines {ended}, but {SEEN:g} s later the server still saw "
                f"connection {conn.number} open: your client did not close it.",
                hint=CLOSE,
            )

    async def expect_nothing_left(self, ended):
        await self.__aexit__(None, None, None)
        await io_checks.expect_nothing_open(self.baseline, after=f"request_lines {ended}")
        io_checks.expect_no_resource_warnings(self.leaked, during=f"request_lines {ended}")


def expect_one_connection(server):
    expect.true(
        len(server.conns) == 1,
        f"request_lines opened {len(server.conns)} connections to the server; expected "
        "exactly one, used for every line.",
        hint="open the connection once (`asyncio.open_connection(host, port)`), then send "
        "each line and read its reply over it.",
    )


def describe(error):
    name = type(error).__name__
    text = f"{name}: {error}" if str(error) else name
    if isinstance(error, asyncio.IncompleteReadError):
        text += " (an EOFError, not a ConnectionError)"
    return text


async def answer(conn, n, raw):
    """Reply `n:line` to the n-th line."""
    conn.writer.write(f"{n}:".encode() + raw)
    await conn.writer.drain()


@pytest.mark.points(2)
async def test_replies_come_back_in_order(kata):
    async with LineServer(answer) as server:
        result, error, _ = await server.call(kata, LINES, 5.0)
        if error is not None:
            expect.fail(
                f"request_lines(host, port, {LINES!r}, 5) raised {describe(error)}; the "
                "server answered every line.",
                hint="send each line followed by b'\\n', and read one reply line for each "
                "(`await reader.readline()`).",
            )
        expect_one_connection(server)
        sent = [line.encode() + b"\n" for line in LINES]
        expect.equal(
            server.conns[0].received,
            sent,
            call="what the server received (the test's server)",
            hint="encode each line (UTF-8) and send it followed by a single b'\\n', in order.",
        )
        expect.equal(
            result,
            [f"{n}:{line}" for n, line in enumerate(LINES, 1)],
            call=f"request_lines(host, port, {LINES!r}, 5)",
            hint="each reply is the line the server sent, decoded from UTF-8, without its "
            "final '\\n' and nothing else stripped: spaces are part of the reply.",
        )
        await server.expect_closed("returned")
        await server.expect_nothing_left("returned")


@pytest.mark.points(1)
async def test_no_lines_gives_empty_list(kata):
    async with LineServer(answer) as server:
        result, error, _ = await server.call(kata, [], 5.0)
        if error is not None:
            expect.fail(
                f"request_lines(host, port, [], 5) raised {describe(error)}; expected [].",
                hint="with no lines there is nothing to send or read: return [].",
            )
        expect.equal(result, [], call="request_lines(host, port, [], 5)")
        await server.expect_closed("returned [] (no lines)")
        await server.expect_nothing_left("returned [] (no lines)")


async def hang_up_at_second(conn, n, raw):
    """Answer the first line; at the second, stop answering and end the stream."""
    if n == 1:
        await answer(conn, n, raw)
    else:
        conn.answering = False
        conn.writer.write_eof()  # the end of the stream; the server still reads


async def cut_off_at_second(conn, n, raw):
    """Answer the first line; of the second reply send only a piece, then end the stream."""
    if n == 1:
        await answer(conn, n, raw)
    else:
        conn.answering = False
        conn.writer.write(b"2:hal")
        conn.writer.write_eof()


@pytest.mark.points(2)
async def test_server_hanging_up_raises_connection_error(kata):
    lines = ["one", "two", "three"]
    for behaviour, story in (
        (hang_up_at_second, "closed the connection instead of answering the second line"),
        (cut_off_at_second, "sent half of its second reply (b'2:hal', no newline), then closed"),
    ):
        async with LineServer(behaviour) as server:
            result, error, _ = await server.call(kata, lines, 5.0)
            what = f"request_lines(host, port, {lines!r}, 5), where the server {story},"
            if error is None:
                expect.fail(
                    f"{what} returned {result!r}; expected it to raise ConnectionError: "
                    "some replies never came.",
                    EOF_HINT,
                )
            if not isinstance(error, ConnectionError):
                expect.fail(
                    f"{what} raised {describe(error)}; expected ConnectionError (or one of "
                    "its subclasses, such as ConnectionResetError).",
                    hint="whatever tells you the server is gone (b'' from readline, an "
                    "IncompleteReadError from readuntil...), raise ConnectionError(...) "
                    "from it, so your callers have one error to catch.",
                )
            await server.expect_closed(f"raised {type(error).__name__}")
            await server.expect_nothing_left(f"raised {type(error).__name__}")


async def silent_after_first(conn, n, raw):
    """Answer the first line, then read on without ever answering."""
    if n == 1:
        await answer(conn, n, raw)
    else:
        conn.answering = False


@pytest.mark.points(2)
async def test_silent_server_raises_timeout_error(kata):
    timeout = 0.5
    async with LineServer(silent_after_first) as server:
        result, error, took = await server.call(kata, ["one", "two", "three"], timeout)
        what = f"request_lines(host, port, ['one', 'two', 'three'], timeout={timeout:g})"
        story = "where the server answers 'one' and then stays silent,"
        if not isinstance(error, TimeoutError):
            outcome = f"returned {result!r}" if error is None else f"raised {describe(error)}"
            expect.fail(f"{what}, {story} {outcome}; expected TimeoutError.", DEADLINE)
        expect.true(
            timeout * 0.95 <= took <= timeout * 2,
            f"{what}, {story} raised TimeoutError after {took:.2f} s; expected it after "
            f"{timeout:g} s (the timeout).",
            hint=DEADLINE,
        )
        await server.expect_closed("raised TimeoutError")
        await server.expect_nothing_left("raised TimeoutError")


async def slow(conn, n, raw):
    """Answer every line, each after 0.3 s."""
    await asyncio.sleep(0.3)
    await answer(conn, n, raw)


@pytest.mark.points(1)
async def test_timeout_covers_the_whole_exchange(kata):
    timeout = 0.8
    lines = ["a", "b", "c", "d", "e"]
    async with LineServer(slow) as server:
        _, error, took = await server.call(kata, lines, timeout)
        what = (
            f"request_lines(host, port, {lines!r}, timeout={timeout:g}), where each reply "
            "takes 0.3 s (1.5 s in all),"
        )
        if error is None:
            expect.fail(
                f"{what} returned after {took:.2f} s; expected TimeoutError after "
                f"{timeout:g} s. `timeout` is the budget for the whole exchange, not for "
                "each reply.",
                DEADLINE,
            )
        if not isinstance(error, TimeoutError):
            expect.fail(f"{what} raised {describe(error)}; expected TimeoutError.", DEADLINE)
        expect.true(
            timeout * 0.95 <= took <= timeout * 2,
            f"{what} raised TimeoutError after {took:.2f} s; expected it after {timeout:g} s.",
            hint=DEADLINE,
        )
        await server.expect_closed("raised TimeoutError")
        await server.expect_nothing_left("raised TimeoutError")
