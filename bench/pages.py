"""Page weight for `python -m bench`: what a first visit and a warm second visit of a page cost.

Debian's chromium (through Playwright) opens each page in a fresh context, asking for
`Accept-Encoding: gzip, br`; Chrome's own network events (CDP) say which requests went to the network
(not served from the memory or disk cache) and how many bytes each brought (headers plus the body as
sent, i.e. compressed). Then the same address is opened again in the same context: every static file
fetched again (a 304 revalidation included) is a request the cache headers could have spared.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def available() -> str | None:
    """Why page weight cannot be measured here, or None when it can."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return f"no chromium at {CHROMIUM}"
    return None


class Recorder:
    """Chrome's network events for one page, grouped by request."""

    def __init__(self):
        self.requests: dict[str, dict] = {}
        self.sockets: list[str] = []

    def attach(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self._get(e["requestId"]).update(cached=True))
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", lambda e: self._get(e["requestId"]).update(bytes=e["encodedDataLength"]))
        cdp.on("Network.loadingFailed",
               lambda e: self._get(e["requestId"]).update(failed=e.get("errorText") or "failed"))
        cdp.on("Network.webSocketCreated", lambda e: self.sockets.append(e["url"]))

    def _get(self, request_id: str) -> dict:
        return self.requests.setdefault(request_id, {"urls": [], "bytes": 0, "redirect_bytes": 0, "cached": False,
                                                             "status": None, "failed": None})

    def _sent(self, event) -> None:
        record = self._get(event["requestId"])
        record["urls"].append(event["request"]["url"])  # a redirect is a second URL under the same id
        if event.get("redirectResponse"):
            record["redirect_bytes"] += event["redirectResponse"].get("encodedDataLength", 0)

    def _response(self, event) -> None:
        response = event["response"]
        self._get(event["requestId"])["status"] = response.get("status")
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            self._get(event["requestId"])["cached"] = True

    def summary(self, origin: str) -> dict:
        network = [r for r in self.requests.values() if not r["cached"]]
        urls = [u for r in network for u in r["urls"] if not u.startswith("data:")]
        hosts = {urlsplit(u).netloc for u in urls + self.sockets}
        return {
            "requests": len(urls),
            "bytes": sum(r["bytes"] + r["redirect_bytes"] for r in network),
            "static_requests": sum(1 for u in urls if urlsplit(u).path.startswith("/static/")),
            "external_hosts": sorted(h for h in hosts if h and h != urlsplit(origin).netloc),
            "websockets": len(self.sockets),
            # what did not load: an error status (other than a missing favicon) or a failed request
            "failed": sorted(f"{r['urls'][-1]} ({r['failed'] or r['status']})" for r in network
                             if (r["failed"] and r["failed"] != "net::ERR_ABORTED") or (r["status"] or 0) >= 500
                             or ((r["status"] or 0) >= 400 and not r["urls"][-1].endswith("/favicon.ico"))),
        }


async def _visit(context, url: str, origin: str) -> tuple[dict, dict]:
    """(first visit, second visit) figures for one address in one browser context."""
    page = await context.new_page()
    figures = []
    for _ in range(2):
        cdp = await context.new_cdp_session(page)
        recorder = Recorder()
        recorder.attach(cdp)
        await cdp.send("Network.enable")
        await page.goto(url, wait_until="load")
        try:  # let late requests (scripts' fetches, the socket) happen; an open websocket does not count
            await page.wait_for_load_state("networkidle", timeout=5000)
        except Exception:  # noqa: BLE001 - a page that keeps polling: count what happened so far
            pass
        figures.append(recorder.summary(origin))
        await cdp.detach()
    await page.close()
    return figures[0], figures[1]


async def _login(context, base: str, username: str, password: str) -> None:
    response = await context.request.get(base + "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', await response.text()).group(1)
    response = await context.request.post(base + "/login", form={"username": username, "password": password,
                                                                 "csrf_token": token})
    if not response.ok or "/login" in urlsplit(response.url).path:
        raise RuntimeError(f"the officer's login failed (HTTP {response.status} at {response.url})")


async def page_weights(base: str, pages: dict[str, str], login: tuple[str, str]) -> dict:
    """{name: {"first": {...}, "warm": {...}}} for each page address (the "counter" page logged in)."""
    from playwright.async_api import async_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    results = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            for name, path in pages.items():
                context = await browser.new_context(extra_http_headers={"Accept-Encoding": "gzip, br"})
                try:
                    if name == "counter":
                        await _login(context, base, *login)
                    first, warm = await _visit(context, base + path, base)
                finally:
                    await context.close()
                results[name] = {"path": path, "first": first, "warm": warm}
        finally:
            await browser.close()
    return results
