"""Fixtures for the kiosk tests: ESC/POS byte readers (tests/escpos_tools.py); the TCP printer is in tests/conftest.py."""
from __future__ import annotations

import pytest

from escpos_tools import parsers


@pytest.fixture
def escpos():
    return parsers()
