"""The screens of `python -m bench`: Socket.IO clients in a child process, driven over a pipe.

The clients (bench/servers.py's ScreenClient: protocol 5, websocket only) join one room, as a display
or a visitor's phone joins its office's, and note when each `ticket.called` frame arrives and how big
it is. The parent grows the crowd (`grow`), makes calls and waits until every client has the call
(`wait_all`), then asks for the figures of those calls (`collect`): latencies from the moment the
call was sent, calls a client missed or saw out of order, duplicates. Receipt times are
CLOCK_MONOTONIC, which is system-wide on Linux, so the parent's send times compare with them.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import time
from collections import Counter

from bench.servers import CALLED, ScreenClient, pct, raise_nofile


def child_main(conn, url: str, room: str, timeout: float) -> None:
    raise_nofile()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    asyncio.run(_serve(conn, url, room, timeout))


async def _serve(conn, url: str, room: str, timeout: float) -> None:
    import aiohttp

    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    clients: list[tuple[ScreenClient, list]] = []  # each with its (number, monotonic receipt) in arrival order
    counts: Counter = Counter()  # number -> clients that have it
    sizes: list[int] = []
    drops: Counter = Counter()
    lags: list[float] = []

    def handler(rows: list):
        def on_event(data: str, now: float) -> None:
            if not data.startswith(CALLED):
                return
            number = str((json.loads(data[2:])[1] or {}).get("number"))
            rows.append((number, now))
            if len(sizes) < 1000:
                sizes.append(len(data))
            counts[number] += 1
            if counts[number] == len(clients):
                conn.send(("all", number, now))
        return on_event

    async def one() -> str | None:
        rows: list = []
        client = ScreenClient(http, ws_url, timeout, handler(rows), drops)
        try:
            await client.connect([room])
        except Exception as exc:  # noqa: BLE001 - counted by kind
            try:
                await asyncio.wait_for(client.close(), 5)
            except Exception:  # noqa: BLE001 - it failed already
                pass
            return f"{type(exc).__name__}: {exc}"[:100]
        clients.append((client, rows))
        return None

    async def lag_probe():
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            lags.append((time.monotonic() - t - 0.05) * 1000)

    probe = asyncio.create_task(lag_probe())
    loop = asyncio.get_running_loop()
    try:
        while True:
            while not await loop.run_in_executor(None, conn.poll, 0.2):
                pass
            command, *rest = conn.recv()
            if command == "grow":
                started = time.monotonic()
                failures: Counter = Counter()
                while len(clients) < rest[0] and sum(failures.values()) < 50:
                    batch = min(50, rest[0] - len(clients))
                    for failure in await asyncio.gather(*(one() for _ in range(batch))):
                        if failure:
                            failures[failure] += 1
                conn.send(("grown", {"connected": len(clients), "failures": dict(failures),
                                     "seconds": time.monotonic() - started}))
            elif command == "collect":
                conn.send(("collected", _figures(rest[0], clients, sizes, drops, lags)))
                for _client, rows in clients:
                    rows.clear()
                counts.clear()
                sizes.clear()
                lags.clear()
            elif command == "stop":
                break
    finally:
        probe.cancel()
        await asyncio.wait_for(asyncio.gather(*(c.close() for c, _rows in clients), return_exceptions=True), 20)
        await http.close()
        conn.send(("stopped", None))


def _figures(calls: list[tuple[str, float]], clients, sizes, drops, lags) -> dict:
    """Latency of every (call, client) delivery; what was missed, duplicated or out of order."""
    order = {number: i for i, (number, _sent) in enumerate(calls)}
    sent = dict(calls)
    latencies, missed, duplicates, out_of_order = [], 0, 0, 0
    for _client, rows in clients:
        seen: list[int] = []
        for number, at in rows:
            if number not in order:
                continue  # a late call of an earlier batch
            if order[number] in seen:
                duplicates += 1
                continue
            seen.append(order[number])
            latencies.append((at - sent[number]) * 1000)
        missed += len(order) - len(seen)
        out_of_order += sum(1 for a, b in zip(seen, seen[1:]) if b < a)
    return {"latencies": latencies, "missed": missed, "duplicates": duplicates, "out_of_order": out_of_order,
            "frame_size": int(pct(sizes, 50)) if sizes else None, "clients": len(clients),
            "still_connected": sum(1 for c, _rows in clients if c.connected), "drops": dict(drops),
            "client_lag_p99_ms": pct(lags, 99)}


class Screens:
    """The parent's handle on the child process of clients."""

    def __init__(self, url: str, room: str = "office:1", timeout: float = 30):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=child_main, args=(child, url, room, timeout), daemon=True)
        self.proc.start()

    def _reply(self, kind: str, seconds: float):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.proc.is_alive() and not self.conn.poll():
                raise RuntimeError("the screens process died")
            if self.conn.poll(0.2):
                message = self.conn.recv()
                if message[0] == kind:
                    return message[1]
        raise RuntimeError(f"the screens process did not answer ({kind}) within {seconds:.0f} s")

    def grow(self, n: int) -> dict:
        self.conn.send(("grow", n))
        return self._reply("grown", 60 + n * 0.2)

    async def wait_all(self, number: str, seconds: float) -> float | None:
        """When the last client got `number` (monotonic), or None when some had not within `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if await loop.run_in_executor(None, self.conn.poll, min(left, 0.5)):
                message, got, at = self.conn.recv()
                if message == "all" and got == number:
                    return at
        return None

    def collect(self, calls: list[tuple[str, float]]) -> dict:
        self.conn.send(("collect", calls))
        return self._reply("collected", 120)

    def stop(self) -> None:
        try:
            if self.proc.is_alive():
                self.conn.send(("stop",))
                self._reply("stopped", 30)
        except (RuntimeError, OSError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
