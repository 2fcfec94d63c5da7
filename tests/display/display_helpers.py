"""Helpers for the display tests: speech/audio stubs for headless Chromium, domain shortcuts, and
waiting for the board renderer, which sends boards and calls from a background worker.

Headless Chromium has no audio device and no voices: the stubs record what would be said or played,
so the tests check the announcement queue (what, in which order, how often) instead of sound.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from types import SimpleNamespace

from sqlalchemy import select


def speech_stub(voice_langs=("en-US", "id"), speak_ms=150, clip_ms=20) -> str:
    """An init script replacing speechSynthesis and HTMLMediaElement.play with recorders."""
    return """
(function () {
  var langs = %s, speakMs = %d, clipMs = %d;
  var rec = window.__speech = { said: [], concurrent: 0, maxConcurrent: 0, clips: [] };
  function busy(delta) {
    rec.concurrent += delta;
    rec.maxConcurrent = Math.max(rec.maxConcurrent, rec.concurrent);
  }
  function FakeUtterance(text) { this.text = text; this.voice = null; this.lang = ""; this.rate = 1; }
  window.SpeechSynthesisUtterance = FakeUtterance;
  var voices = langs.map(function (l) { return { lang: l, name: "voice " + l, voiceURI: l, localService: true }; });
  var synth = {
    getVoices: function () { return voices; },
    speak: function (u) {
      if (!u.text) { return; }  // the unlocking empty utterance of the "tap to enable sound" button
      busy(1);
      rec.said.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.lang, at: Date.now() });
      setTimeout(function () { busy(-1); if (u.onend) { u.onend(); } }, speakMs);
    },
    cancel: function () {}, pause: function () {}, resume: function () {},
    speaking: false, pending: false, addEventListener: function () {}, removeEventListener: function () {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  HTMLMediaElement.prototype.play = function () {
    var el = this;
    busy(1);
    rec.clips.push(String(el.src).split("/").pop().replace(/\\.ogg$/, ""));
    setTimeout(function () { busy(-1); el.dispatchEvent(new Event("ended")); }, clipMs);
    return Promise.resolve();
  };
})();
""" % (json.dumps(list(voice_langs)), speak_ms, clip_ms)


def renderer(app):
    return app.extensions["loket.display_renderer"]


def settle(app, timeout: float = 10.0):
    """Wait until the board renderer has sent everything queued so far: the request that changed the
    queue returned before its screens were updated."""
    assert renderer(app).wait_idle(timeout), "the board renderer did not finish within %ss" % timeout
    return renderer(app)


def _office_id(office_id: int | None) -> int:
    from loket.offices.scope import default_office

    return office_id if office_id is not None else default_office().id


def counter(number: int, office_id: int | None = None):
    """Counter `number` of an office (default: the first office; numbers repeat across offices)."""
    from loket.extensions import db
    from loket.queue.models import Counter

    return db.session.scalar(select(Counter).where(Counter.number == number, Counter.office_id == _office_id(office_id)))


def service(code: str, office_id: int | None = None):
    """Service `code` of an office (default: the first office; codes repeat across offices)."""
    from loket.extensions import db
    from loket.queue.models import Service

    return db.session.scalar(select(Service).where(Service.code == code, Service.office_id == _office_id(office_id)))


def call_at(counter_number: int, code: str, office_id: int | None = None):
    """Call the next ticket of service `code` at counter `counter_number` of an office (through the domain)."""
    from loket.queue import core

    return core.call_next(counter(counter_number, office_id), services=[service(code, office_id)])


def open_display(page, url: str, display_id: str = "1"):
    page.goto(f"{url}/display/{display_id}")
    page.wait_for_function("document.body.dataset.live === 'connected' && "
                           "document.getElementById('display').dataset.synced >= 1", timeout=10_000)
    return page


def login_as(app, make_user, username: str, role: str, counters=()):
    """A test client logged in as a new user of `role`."""
    make_user(username, role=role, counters=counters)
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "rahasia-123"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


@contextmanager
def boards_held(monkeypatch):
    """Hold the renderer's worker inside its next board render until `release()` (or the end of the block).

    `board.build` is wrapped, not the renderer: everything else runs as in production, so what the
    request does meanwhile is all it does. `entered` is set once the worker is held."""
    from loket.display import board
    from loket.display.renderer import WORKER_NAME

    real = board.build
    entered, gate = threading.Event(), threading.Event()

    def build(display):
        if threading.current_thread().name == WORKER_NAME and not gate.is_set():
            entered.set()
            gate.wait(30)
        return real(display)

    monkeypatch.setattr(board, "build", build)
    hold = SimpleNamespace(entered=entered, release=gate.set)
    try:
        yield hold
    finally:
        gate.set()
