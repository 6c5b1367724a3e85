"""Mistake: waits up to a second for each member's drain() before dropping it: every
slow client holds the whole room up for that second.

Rejected by: test_stalled_client_delays_no_one
"""

import asyncio
import re

NAME = re.compile(r"[A-Za-z0-9_-]{1,20}")


async def start_chat(host="127.0.0.1", port=0):
    nicks = {}  # nick -> writer
    rooms = {}  # room -> {nick: writer}

    async def send(writer, line):
        try:
            writer.write(line.encode() + b"\n")
            await asyncio.wait_for(writer.drain(), 1.0)
        except ConnectionError:
            pass
        except TimeoutError:
            writer.transport.abort()  # too slow: drop it

    async def tell_room(room, line, skip):
        for nick, writer in list(rooms.get(room, {}).items()):
            if nick != skip:
                await send(writer, line)

    async def handle(reader, writer):
        nick, joined = None, set()
        try:
            while line := await reader.readline():
                line = line.decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    continue
                command, _, rest = line.partition(" ")
                if command == "NICK":
                    if nick is not None:
                        reply = "ERR nick-set"
                    elif not NAME.fullmatch(rest):
                        reply = "ERR bad-name"
                    elif rest in nicks:
                        reply = "ERR nick-taken"
                    else:
                        nick = rest
                        nicks[nick] = writer
                        reply = f"OK NICK {nick}"
                elif command == "JOIN":
                    if nick is None:
                        reply = "ERR no-nick"
                    elif not NAME.fullmatch(rest):
                        reply = "ERR bad-name"
                    elif rest in joined:
                        reply = "ERR already-joined"
                    else:
                        await tell_room(rest, f"JOIN {rest} {nick}", nick)
                        rooms.setdefault(rest, {})[nick] = writer
                        joined.add(rest)
                        reply = f"OK JOIN {rest}"
                elif command == "MSG":
                    room, _, text = rest.partition(" ")
                    if nick is None:
                        reply = "ERR no-nick"
                    elif not NAME.fullmatch(room):
                        reply = "ERR bad-name"
                    elif not text:
                        reply = "ERR empty-message"
                    elif room not in joined:
                        reply = "ERR not-joined"
                    else:
                        await tell_room(room, f"MSG {room} {nick} {text}", nick)
                        reply = f"OK MSG {room}"
                elif command == "QUIT":
                    await send(writer, "OK QUIT")
                    break
                else:
                    reply = "ERR unknown-command"
                await send(writer, reply)
        except ConnectionError:
            pass
        finally:
            if nick is not None:
                nicks.pop(nick, None)
                for room in joined:
                    rooms[room].pop(nick, None)
                    await tell_room(room, f"LEAVE {room} {nick}", nick)
            writer.close()

    return await asyncio.start_server(handle, host, port)
