import asyncio
import zlib

import pytest

from graders import expect

BLOCK_BOUND = 0.020  # CPU seconds one step may take
SLICES = (
    "count chunks as you go and `await asyncio.sleep(0)` every `yield_every` of them, "
    "so other tasks get a turn between slices."
)


def reference(chunks):
    return sum(zlib.crc32(c) for c in chunks) % 2**32


def sample(n, size=16):
    return [bytes((i * 7 + j) % 256 for j in range(size)) for i in range(n)]


class Heartbeat:
    """A task that counts how often it gets a turn while the checksum runs."""

    def __init__(self):
        self.beats = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        while True:
            self.beats += 1
            await asyncio.sleep(0)

    async def stop(self):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass


@pytest.mark.points(1)
async def test_small_inputs(kata):
    for chunks in ([], [b""], [b"a", b"b"], sample(10)):
        expect.equal(
            await kata.checksum(chunks),
            reference(chunks),
            call=f"checksum({chunks!r})",
            hint="add up zlib.crc32(chunk) of each chunk separately, then % 2**32.",
        )


@pytest.mark.points(1)
async def test_accepts_a_generator(kata):
    chunks = sample(2500)
    value = await kata.checksum((c for c in chunks), yield_every=100)
    expect.equal(
        value,
        reference(chunks),
        call="checksum(<generator of 2500 chunks>)",
        hint="iterate over `chunks` once; a generator cannot be indexed or measured with len().",
    )


@pytest.mark.points(1)
async def test_wraps_modulo_2_to_the_32(kata):
    chunks = sample(50, size=64)
    value = await kata.checksum(chunks, yield_every=7)
    expect.equal(
        value,
        reference(chunks),
        call="checksum(50 chunks, yield_every=7)",
        hint="the sum of many crc32 values exceeds 32 bits: return it % 2**32.",
    )


@pytest.mark.points(3)
@pytest.mark.limits(real=30, block=BLOCK_BOUND)
async def test_never_blocks_the_loop_for_long(kata):
    base = sample(1000)
    chunks = base * 2000  # about two million chunks
    expected = reference(base) * 2000 % 2**32
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0)  # end this step, so the measurement covers checksum alone
    loop.stats.max_step_cpu = 0.0
    value = await kata.checksum(chunks)
    worst = loop.stats.max_step_cpu
    expect.equal(value, expected, call="checksum(2,000,000 chunks)")
    expect.true(
        worst <= BLOCK_BOUND,
        f"while checksum folded 2,000,000 chunks, one step of the event loop ran for "
        f"{worst * 1000:.0f} ms of CPU time without awaiting (the limit is "
        f"{BLOCK_BOUND * 1000:.0f} ms). Nothing else could run during that time.",
        hint=SLICES,
    )


@pytest.mark.points(3)
async def test_other_tasks_get_turns(kata):
    n = 1000
    for yield_every in (1, 10, 250):
        heartbeat = Heartbeat()
        await asyncio.sleep(0)
        before = heartbeat.beats
        value = await kata.checksum(sample(n), yield_every=yield_every)
        beats = heartbeat.beats - before
        await heartbeat.stop()
        expect.equal(
            value, reference(sample(n)), call=f"checksum(1000 chunks, yield_every={yield_every})"
        )
        needed = n // yield_every - 1
        expect.true(
            beats >= needed,
            f"with yield_every={yield_every}, another task should get at least {needed} turns "
            f"while 1000 chunks are folded; it got {beats}.",
            hint=SLICES,
        )
