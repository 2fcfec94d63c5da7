"""Static files under fingerprinted names with year-long caching, and compressed answers (loket/assets.py):
in the embedded server and behind the deploy kit's nginx (deploy/nginx/loket.conf)."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import brotli
import pytest
import requests
from flask import Response, stream_with_context, url_for

import loket
from loket import assets as assets_module
from loket.assets import IMMUTABLE, Assets

STATIC = Path(loket.__file__).resolve().parent / "static"
FINGERPRINTED = re.compile(r"^/static/.+\.[0-9a-f]{10}(\.[A-Za-z0-9]+|/.*)$")
BOTH = {"Accept-Encoding": "gzip, deflate, br"}


def short_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def decoded(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](data)


def static_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|data-audio-base)="(/static/[^"]*)"', html)


# --- names --------------------------------------------------------------------------------------

def test_url_for_gives_the_hash_of_the_files_content(app):
    with app.test_request_context():
        assert url_for("static", filename="js/live.js") == f"/static/js/live.{short_hash(STATIC / 'js/live.js')}.js"
        vendored = url_for("static", filename="vendor/htmx-2.0.11.min.js")
        assert vendored == f"/static/vendor/htmx-2.0.11.min.{short_hash(STATIC / 'vendor/htmx-2.0.11.min.js')}.js"
        assert re.fullmatch(r"/static/audio/id\.[0-9a-f]{10}/", url_for("static", filename="audio/id/"))
        assert url_for("static", filename="js/no-such-file.js") == "/static/js/no-such-file.js"


@pytest.mark.parametrize("path", ["/kiosk/1", "/display/1", "/standar-pelayanan", "/login"])
def test_pages_link_every_static_file_by_a_fingerprinted_name(client, path):
    links = static_links(client.get(path).get_data(as_text=True))

    assert links
    assert [link for link in links if not FINGERPRINTED.match(link)] == []


def test_a_hash_follows_the_content_of_a_file_and_of_a_folder(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "clips").mkdir()
    script, clip = tmp_path / "js" / "app.js", tmp_path / "clips" / "a.ogg"
    script.write_text("one();")
    clip.write_bytes(b"OggS first")
    assets = Assets(str(tmp_path))
    before = assets.fingerprinted("js/app.js"), assets.fingerprinted("clips/")

    script.write_text("two(); // changed in place")
    clip.write_bytes(b"OggS second take")

    after = assets.fingerprinted("js/app.js"), assets.fingerprinted("clips/")
    assert after[0] == f"js/app.{short_hash(script)}.js" and after[0] != before[0]
    assert re.fullmatch(r"clips\.[0-9a-f]{10}/", after[1]) and after[1] != before[1]
    assert assets.resolve(after[0]) == ("js/app.js", True)
    assert assets.resolve(before[0]) == ("js/app.js", False)  # an old page's link: still the file
    assert assets.resolve(after[1] + "a.ogg") == ("clips/a.ogg", True)


def test_no_shipped_file_looks_fingerprinted():
    """nginx maps every name of that shape to the file without the hash."""
    names = ["/static/" + p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*")]
    assert [name for name in names if FINGERPRINTED.match(name)] == []


# --- caching ------------------------------------------------------------------------------------

def test_a_current_hash_is_cached_for_a_year(client):
    for link in static_links(client.get("/display/1").get_data(as_text=True)):
        url = link + "manifest.json" if link.endswith("/") else link
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url


def test_plain_and_outdated_names_get_the_current_file_revalidated(client):
    current = (STATIC / "js" / "live.js").read_bytes()
    for url in ("/static/js/live.js", "/static/js/live.0123456789.js", "/static/audio/id.0123456789/manifest.json"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-cache" in response.headers["Cache-Control"] and "max-age" not in response.headers["Cache-Control"]
        assert response.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, url
    assert client.get("/static/js/live.0123456789.js").get_data() == current


def test_the_voice_clips_come_from_the_fingerprinted_folder_for_a_year(client):
    """display.js fetches <audio base>manifest.json and plays <audio base><clip file>."""
    html = client.get("/display/1").get_data(as_text=True)
    base = re.search(r'data-audio-base="([^"]+)"', html).group(1)
    manifest = client.get(base + "manifest.json")
    clips = json.loads(decoded(manifest))["clips"]

    assert manifest.headers["Cache-Control"] == IMMUTABLE
    assert len(clips) > 50
    for clip in clips.values():
        response = client.get(base + clip["file"])
        assert response.status_code == 200 and response.mimetype == "audio/ogg"
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.get_data() == (STATIC / "audio" / "id" / clip["file"]).read_bytes()
    chime = client.get(base + "chime.ogg", headers={"Range": "bytes=0-9"})  # media elements ask for ranges
    assert chime.status_code == 206 and chime.get_data() == (STATIC / "audio" / "id" / "chime.ogg").read_bytes()[:10]


def test_a_fingerprinted_file_answers_its_etag_with_304(client):
    url = static_links(client.get("/kiosk/1").get_data(as_text=True))[0]
    first = client.get(url, headers=BOTH)

    again = client.get(url, headers={**BOTH, "If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == IMMUTABLE


def test_static_answers_do_not_vary_with_the_session_cookie(officer):
    """Chromium revalidates a cached file whose answer said "Vary: Cookie" (the browser test shows it)."""
    page = officer.get("/counter/1")
    url = static_links(page.get_data(as_text=True))[0]

    response = officer.get(url, headers=BOTH)

    assert page.status_code == 200 and "Cookie" in page.headers["Vary"]  # pages keep their session
    assert response.status_code == 200 and response.headers["Vary"] == "Accept-Encoding"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/static/../__init__.py", "/static/css/..%2f..%2f__init__.py",
                                  "/static/audio/id.0123456789/../../../__init__.py", "/static/audio/id/",
                                  "/static/css/nothing.0123456789.css"])
def test_nothing_outside_the_static_files_is_served(client, path):
    assert client.get(path).status_code == 404


# --- compression --------------------------------------------------------------------------------

@pytest.mark.parametrize("accept,encoding", [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"),
                                             ("", None), ("identity", None)])
def test_static_text_is_sent_compressed_as_the_browser_accepts(client, accept, encoding):
    for name in ("css/kiosk.css", "vendor/htmx-2.0.11.min.js", "audio/id/manifest.json"):
        response = client.get(f"/static/{name}", headers={"Accept-Encoding": accept})
        assert response.headers.get("Content-Encoding") == encoding, (name, accept)
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decoded(response) == (STATIC / name).read_bytes()


def test_each_encoding_of_an_etag_is_its_own(client):
    url = "/static/css/kiosk.css"
    as_br = client.get(url, headers={"Accept-Encoding": "br"})

    as_gzip = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": as_br.headers["ETag"]})

    assert as_gzip.status_code == 200 and as_gzip.headers["Content-Encoding"] == "gzip"


def test_static_files_are_compressed_once_per_process(app, client, monkeypatch):
    calls = []
    monkeypatch.setattr(assets_module, "gzip", SimpleNamespace(
        compress=lambda data, *args, **kwargs: calls.append(len(data)) or gzip.compress(data, *args, **kwargs)))

    for _ in range(3):
        assert client.get("/static/css/display.css", headers={"Accept-Encoding": "gzip"}).status_code == 200

    assert calls == [(STATIC / "css" / "display.css").stat().st_size]


@pytest.mark.parametrize("path", ["/kiosk/1", "/display/1", "/api/v1/services", "/api/v1/openapi.json"])
def test_pages_and_json_are_compressed(client, path):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    for accept, encoding in (("gzip, deflate, br", "br"), ("gzip", "gzip")):
        response = client.get(path, headers={"Accept-Encoding": accept})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in response.headers["Vary"]
        assert len(response.get_data()) < len(plain.get_data()) / 2
        if path.startswith("/api/"):
            assert json.loads(decoded(response)) == plain.get_json()
        else:
            assert decoded(response).startswith(b"<!doctype html>")
    assert plain.headers.get("Content-Encoding") is None


def test_htmx_fragments_keep_their_vary_and_are_compressed(client):
    response = client.get("/display/1/board", headers={"HX-Request": "true", **BOTH})

    assert response.headers["Content-Encoding"] == "br"
    assert {v.strip() for v in response.headers["Vary"].split(",")} >= {"HX-Request", "Accept-Encoding"}


def test_streamed_answers_are_not_compressed(app):
    @app.route("/test-stream")
    def _stream():
        return Response(stream_with_context(iter(["<p>line</p>\n"] * 500)), mimetype="text/html")

    response = app.test_client().get("/test-stream", headers=BOTH)

    assert response.headers.get("Content-Encoding") is None
    assert response.get_data() == b"<p>line</p>\n" * 500


# --- behind the deploy kit's nginx ----------------------------------------------------------------

# The nginx fixtures of the deploy kit's tests (a real nginx with deploy/nginx/loket.conf in front of
# the live app); imported, so the site is started exactly as those tests start it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))
from test_deploy_kit import certificate, nginx_folder, proxied  # noqa: E402,F401


def test_nginx_serves_fingerprinted_names_for_a_year_compressed(proxied, app):
    with app.test_request_context():
        script = url_for("static", filename="js/display.js")
        clip = url_for("static", filename="audio/id/") + "chime.ogg"

    js = requests.get(proxied["https"] + script, verify=False, timeout=10, headers={"Accept-Encoding": "gzip"})
    ogg = requests.get(proxied["https"] + clip, verify=False, timeout=10)
    stale = requests.get(proxied["https"] + "/static/js/display.0123456789.js", verify=False, timeout=10)
    plain = requests.get(proxied["https"] + "/static/js/display.js", verify=False, timeout=10)

    assert js.status_code == 200 and js.content == (STATIC / "js" / "display.js").read_bytes()
    assert js.headers["Content-Encoding"] == "gzip" and js.headers["Cache-Control"] == IMMUTABLE
    assert js.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    assert ogg.status_code == 200 and ogg.content == (STATIC / "audio" / "id" / "chime.ogg").read_bytes()
    assert ogg.headers["Cache-Control"] == IMMUTABLE and ogg.headers["Content-Type"] == "audio/ogg"
    assert stale.status_code == 200  # nginx cannot compare hashes: see the comment in the site
    assert plain.headers["Cache-Control"] == "no-cache"
    assert not [s for s in proxied["seen"] if s["PATH_INFO"].startswith("/static/")], "nginx serves them itself"


@pytest.mark.parametrize("accept,encoding", [("gzip, br", "br"), ("gzip", "gzip")])
def test_nginx_passes_loket_s_compressed_pages_on_without_compressing_twice(proxied, accept, encoding):
    response = requests.get(proxied["https"] + "/kiosk/1", verify=False, timeout=10, stream=True,
                            headers={"Accept-Encoding": accept})
    raw = response.raw.read(decode_content=False)

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert (brotli.decompress(raw) if encoding == "br" else gzip.decompress(raw)).startswith(b"<!doctype html>")
