"""Flask's debugger runs any code typed into its console: `loket serve --debug` only with LOKET_ENV=development."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("value, allowed", [
    (None, False), ("", False), ("production", False), ("dev", False), ("developmentx", False),
    ("development", True), (" Development ", True),
])
def test_debug_is_allowed_only_in_development(monkeypatch, value, allowed):
    from loket.config import debug_allowed

    if value is None:
        monkeypatch.delenv("LOKET_ENV", raising=False)
    else:
        monkeypatch.setenv("LOKET_ENV", value)
    assert debug_allowed() is allowed


@pytest.mark.parametrize("value", [None, "production"])
def test_serve_refuses_debug_outside_development(runner, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("LOKET_ENV", raising=False)
    else:
        monkeypatch.setenv("LOKET_ENV", value)
    result = runner.invoke(args=["loket", "serve", "--debug", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "LOKET_ENV=development" in result.output
