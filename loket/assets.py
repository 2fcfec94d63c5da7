"""Static files under names that carry their content's hash, cached by browsers for a year, and every
text response compressed (static files once per process, pages and JSON by Flask-Compress).

`url_for('static', filename='js/live.js')` gives `/static/js/live.<hash>.js`, and a folder used as a
prefix (`filename='audio/id/'`) gives `/static/audio/id.<hash>/`, whose hash covers every file in it.
A request whose hash is the file's current one is answered with IMMUTABLE, so a warm reload asks for
nothing; a plain name or an outdated hash (a page rendered before an upgrade) still gets the current
file, revalidated (no-cache + ETag) as before. Hashes are kept per process and recomputed when a
file's size or modification time changes. deploy/nginx/loket.conf maps the same names to the files.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import posixpath
import re
import stat

from flask import Flask, Response, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

try:  # Flask-Compress installs brotli; without it static files go out as gzip only
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
# name.<hash>.suffix, or folder.<hash>/rest; nginx matches the same shapes.
FINGERPRINTED_FILE = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{%d})(?P<suffix>\.[A-Za-z0-9]+)$" % HASH_LENGTH)
FINGERPRINTED_FOLDER = re.compile(r"^(?P<folder>.+)\.(?P<digest>[0-9a-f]{%d})/(?P<rest>.+)$" % HASH_LENGTH)
# Compressed once and kept in memory; everything else (the voice clips) is sent from disk with ranges.
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml",
                "text/plain"}
ENCODINGS = ("br", "gzip") if brotli else ("gzip",)

compress = Compress()


class Assets:
    """Hashes and compressed bodies of the files under one static folder, kept for this process."""

    def __init__(self, folder: str):
        self.folder = folder
        self._digests: dict[str, tuple[tuple[int, int], str]] = {}
        self._bodies: dict[str, tuple[str, dict[str, bytes]]] = {}

    def _stat(self, name: str) -> tuple[str | None, os.stat_result | None]:
        path = safe_join(self.folder, name)  # None for "../" and absolute names
        if path is None:
            return None, None
        try:
            return path, os.stat(path)
        except OSError:
            return path, None

    def digest(self, name: str) -> str | None:
        """The hash of a file's content, or None when there is no such file."""
        path, info = self._stat(name)
        return self._digest(name, path, info)

    def _digest(self, name: str, path: str, info: os.stat_result | None) -> str | None:
        if info is None or not stat.S_ISREG(info.st_mode):
            return None
        version = (info.st_mtime_ns, info.st_size)
        known = self._digests.get(name)
        if known and known[0] == version:
            return known[1]
        with open(path, "rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()[:HASH_LENGTH]
        self._digests[name] = (version, digest)
        return digest

    def folder_digest(self, name: str) -> str | None:
        """One hash over every file under a folder (names and contents), or None without such a folder."""
        path, info = self._stat(name)
        if info is None or not stat.S_ISDIR(info.st_mode):
            return None
        combined = hashlib.sha256()
        for root, dirs, files in os.walk(path):
            dirs.sort()
            prefix = posixpath.join(name, os.path.relpath(root, path).replace(os.sep, "/")).removesuffix("/.")
            for file in sorted(files):
                full, relative = os.path.join(root, file), f"{prefix}/{file}"
                combined.update(f"{relative}\0{self._digest(relative, full, os.stat(full))}\n".encode())
        return combined.hexdigest()[:HASH_LENGTH]

    def fingerprinted(self, filename: str) -> str:
        """The name url_for gives out: with the content's hash, or unchanged for what is not ours."""
        if filename.endswith("/"):
            folder = filename.rstrip("/")
            digest = self.folder_digest(folder) if folder else None
            return f"{folder}.{digest}/" if digest else filename
        head, base = posixpath.split(filename)
        stem, dot, suffix = base.rpartition(".")
        digest = self.digest(filename) if stem and dot else None
        if digest is None:
            return filename
        return posixpath.join(head, f"{stem}.{digest}.{suffix}")

    def resolve(self, filename: str) -> tuple[str, bool]:
        """(the file a request names, whether its hash is the current one). A real file of that very
        name wins, so a fingerprint-like name of our own could never be shadowed."""
        if self.digest(filename) is not None:
            return filename, False
        match = FINGERPRINTED_FILE.match(filename)
        if match:
            name = match["stem"] + match["suffix"]
            return name, self.digest(name) == match["digest"]
        match = FINGERPRINTED_FOLDER.match(filename)
        if match:
            name = posixpath.join(match["folder"], match["rest"])
            return name, self.digest(name) is not None and self.folder_digest(match["folder"]) == match["digest"]
        return filename, False

    def bodies(self, name: str, digest: str) -> dict[str, bytes]:
        """The file as is ("identity") and compressed with each encoding that makes it smaller."""
        known = self._bodies.get(name)
        if known and known[0] == digest:
            return known[1]
        with open(safe_join(self.folder, name), "rb") as file:
            raw = file.read()
        bodies = {"identity": raw}
        for encoding in ENCODINGS:
            data = brotli.compress(raw, quality=11) if encoding == "br" else gzip.compress(raw, 9, mtime=0)
            if len(data) < len(raw):
                bodies[encoding] = data
        self._bodies[name] = (digest, bodies)
        return bodies

    def send(self, filename: str) -> Response:
        """The static view: the named file, for a year when its hash is current, compressed when it is text."""
        name, current = self.resolve(filename)
        digest = self.digest(name)
        if digest is None:
            raise NotFound()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if mimetype in COMPRESSIBLE:
            bodies = self.bodies(name, digest)
            encoding = request.accept_encodings.best_match([e for e in ENCODINGS if e in bodies]) or "identity"
            response = Response(bodies[encoding], mimetype=mimetype)
            if encoding != "identity":
                response.headers["Content-Encoding"] = encoding
            response.vary.add("Accept-Encoding")
            response.set_etag(f"{digest}-{encoding}")
            response.last_modified = os.stat(safe_join(self.folder, name)).st_mtime
            response.cache_control.no_cache = True
            response.make_conditional(request)
        else:
            response = send_from_directory(self.folder, name)  # conditional, with ranges (audio seeks)
        if current:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


class StaticWithoutSession(SecureCookieSessionInterface):
    """Flask's cookie session, left alone by a static file's answer unless something changed it (a
    `?lang=`): the file is the same for every visitor. Hooks read the session on every request
    (Flask-Login's remember-cookie check), and saving would then add "Vary: Cookie", with which
    Chromium asks again for a file it has cached."""

    def save_session(self, app, session, response):
        if request.endpoint != "static" or session.modified:
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Fingerprinted static URLs and their view; Flask-Compress for every other response."""
    assets = app.extensions["loket.assets"] = Assets(app.static_folder)

    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.fingerprinted(values["filename"])

    app.view_functions["static"] = assets.send
    app.session_interface = StaticWithoutSession()

    # Pages, fragments and JSON: brotli or gzip per response (~1 ms for a page). Never streamed
    # responses (none today; a download or event stream must not be buffered); Socket.IO never
    # reaches Flask's hooks (its middleware answers /socket.io/ first).
    app.config.setdefault("COMPRESS_ALGORITHM", list(ENCODINGS))
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress.init_app(app)

    @app.after_request
    def _compress(response: Response) -> Response:
        if request.endpoint == "static":  # already compressed once, above
            return response
        return compress.after_request(response)
