"""Helpers shared by tests (imported as `support`): real parts that may be missing, free ports.

Kept out of conftest.py so test modules can import them by a name that is not ambiguous.
"""
from __future__ import annotations

import os
import socket

import pytest


def require_or_skip(condition: bool, what: str, env: str = "LOKET_REQUIRE_BROWSER") -> None:
    """Skip when a real part is missing, except in CI where that must fail loudly."""
    if condition:
        return
    if os.environ.get(env) == "1":
        pytest.fail(f"{what} is required ({env}=1) but not available")
    pytest.skip(f"{what} not available")


def require_service(env: str, what: str) -> str:
    """The URL of a test server started by scripts/services.sh, or skip (fail under CI)."""
    url = os.environ.get(env)
    require_or_skip(bool(url), f"{what} ({env})", env="LOKET_REQUIRE_SERVICES")
    return url


def fresh_postgres_url() -> str:
    """The test PostgreSQL database, emptied: every test starts from a clean schema."""
    from sqlalchemy import create_engine, text

    url = require_service("LOKET_TEST_POSTGRES_URL", "PostgreSQL")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
