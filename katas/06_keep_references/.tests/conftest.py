import gc

import pytest


@pytest.fixture(autouse=True)
def no_automatic_gc():
    """Garbage is collected only where a test says so (gc.collect()), never at a moment
    that depends on how much memory happened to be allocated: a keeper that loses its
    tasks then loses them in the same tests, every time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
