"""Fixtures for the kiosk tests: a TCP "printer" on 127.0.0.1 and ESC/POS byte readers (tests/escpos_tools.py)."""
from __future__ import annotations

import pytest

from escpos_tools import TcpPrinter, parsers


@pytest.fixture
def tcp_printer():
    printer = TcpPrinter().start()
    yield printer
    printer.stop()


@pytest.fixture
def escpos():
    return parsers()
