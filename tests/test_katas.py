"""Every kata proves itself: its stub earns 0, its reference solution full marks on this
interpreter, and each recorded mistake loses points on the test it names."""

from __future__ import annotations

import pytest

from graders.catalog import load_catalog
from graders.prove import prove

from .conftest import ROOT

KATAS = load_catalog(ROOT)


@pytest.fixture(scope="session")
def proofs():
    return {p.kata.id: p for p in prove(KATAS, ROOT)}


def test_there_are_katas():
    assert len(KATAS) >= 5


@pytest.mark.parametrize("kata_id", [k.id for k in KATAS])
def test_kata_is_proved(proofs, kata_id):
    proof = proofs[kata_id]
    if proof.skipped and proof.ok:
        pytest.skip(proof.skipped)
    assert proof.ok, "\n".join(proof.problems)
