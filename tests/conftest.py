"""Shared fixtures for the engine's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.catalog import load_catalog, load_kata

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixture_katas"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def probe():
    """A small kata made for the engine's tests: `await double(x)` waits 1 s, returns 2x."""
    return load_kata(FIXTURES / "katas" / "90_probe")


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(ROOT)
