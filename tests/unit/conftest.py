import pytest

from tests.support.scripted_csms import ScriptedCsms


@pytest.fixture
def peer() -> ScriptedCsms:
    """A fresh scripted CSMS (tests/support/scripted_csms.py) for each test."""
    return ScriptedCsms()
