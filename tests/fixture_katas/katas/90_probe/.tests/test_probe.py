import asyncio

import pytest

from graders import expect

pytestmark = pytest.mark.limits(real=1.0)


@pytest.mark.points(1)
async def test_value(kata):
    expect.equal(await kata.double(21), 42, call="double(21)")


@pytest.mark.points(1)
async def test_takes_one_second(kata):
    run = await expect.timed(kata.double(1))
    expect.elapsed(run, 1.0, what="double(1)")


@pytest.mark.points(1)
async def test_can_be_cancelled(kata):
    try:
        async with asyncio.timeout(0.5):
            await kata.double(2)
    except TimeoutError:
        return
    expect.fail(
        "double(2) was cancelled by a 0.5 s timeout but kept running and returned: "
        "is CancelledError being caught and ignored? Let it propagate."
    )


@pytest.mark.points(1)
def test_sync_wrapper(kata):
    expect.equal(asyncio.run(kata.double(0)), 0, call="asyncio.run(double(0))")
