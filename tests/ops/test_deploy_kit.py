"""The deploy kit (deploy/) checked with the real tools: nginx serving the site in front of a live Loket,
systemd-analyze on the unit, bash on the scripts, the settings file against the settings Loket reads.

nginx comes from Debian's `nginx` package (scripts/test.sh installs it); without it the nginx tests skip,
except with LOKET_REQUIRE_SERVICES=1 (CI), where they fail.
"""
from __future__ import annotations

import configparser
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import urllib3

import loket
from support import free_port, require_or_skip

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "loket.conf"
UNIT = DEPLOY / "systemd" / "loket@.service"
ENV_EXAMPLE = DEPLOY / "systemd" / "loket.env.example"
SCREEN = DEPLOY / "kiosk" / "loket-screen.sh"
PACKAGE = Path(loket.__file__).resolve().parent
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


# --- nginx -------------------------------------------------------------------------------------

def replace(text: str, old: str, new: str, count: int | None = None) -> str:
    """Replace, insisting the site still has what the test rewrites (so the test follows the file)."""
    found = text.count(old)
    assert found and (count is None or found == count), f"{old!r} found {found} times in {SITE.name}"
    return text.replace(old, new)


def site_for_test(folder: Path, *, https_port: int, http_port: int, upstream_port: int) -> Path:
    """deploy/nginx/loket.conf on 127.0.0.1 test ports, a self-signed certificate, the package's static
    folder and one upstream process; everything else as shipped."""
    text = SITE.read_text()
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)  # the test machine may have no IPv6
    text = replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    text = replace(text, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", 1)
    text = replace(text, "/etc/letsencrypt/live/antrean.example.go.id/fullchain.pem", str(folder / "cert.pem"), 1)
    text = replace(text, "/etc/letsencrypt/live/antrean.example.go.id/privkey.pem", str(folder / "key.pem"), 1)
    text = replace(text, "root /opt/loket;", f"root {PACKAGE};")
    text = replace(text, "root /var/www/html;", f"root {folder};", 1)
    text, servers = re.subn(r"server 127\.0\.0\.1:80\d\d;\n(\s*server 127\.0\.0\.1:80\d\d;\n)*",
                            f"server 127.0.0.1:{upstream_port};\n", text)
    assert servers == 1, "the upstream lists 127.0.0.1:80NN processes"
    site = folder / "loket.conf"
    site.write_text(text)
    main = folder / "nginx.conf"
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers read the test's private temp folders
        + f"daemon off;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
        "worker_processes 1;\nevents { worker_connections 64; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {folder / 'access.log'};\n{temp}\n    include {site};\n}}\n")
    return main


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    require_or_skip(NGINX is not None, "nginx (Debian package nginx)", env="LOKET_REQUIRE_SERVICES")
    require_or_skip(shutil.which("openssl") is not None, "openssl", env="LOKET_REQUIRE_SERVICES")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=antrean.example.go.id",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    return folder


@pytest.fixture
def nginx_folder(tmp_path, certificate) -> Path:
    folder = tmp_path / "nginx"
    folder.mkdir()
    for name in ("cert.pem", "key.pem"):
        shutil.copy(certificate / name, folder / name)
    return folder


def nginx_argv(folder: Path, config: Path) -> list[str]:
    return [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")]


def test_nginx_accepts_the_site(nginx_folder):
    config = site_for_test(nginx_folder, https_port=free_port(), http_port=free_port(), upstream_port=8001)

    done = subprocess.run(nginx_argv(nginx_folder, config) + ["-t"], capture_output=True, text=True, timeout=30)

    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


class Recorder:
    """WSGI middleware in front of the live app: the headers each request reached Loket with."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.seen: list[dict] = []

    def __call__(self, environ, start_response):
        self.seen.append({key: environ.get(key) for key in (
            "PATH_INFO", "REMOTE_ADDR", "HTTP_HOST", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO",
            "HTTP_X_FORWARDED_HOST", "HTTP_UPGRADE", "wsgi.url_scheme")})
        return self.wsgi_app(environ, start_response)


@pytest.fixture
def app_config():
    return {"LOKET_TRUSTED_PROXIES": 1}  # as deploy/systemd/loket.env.example sets it behind nginx


@pytest.fixture
def proxied(live_server, nginx_folder):
    """nginx with the shipped site on 127.0.0.1 in front of the in-process Loket server."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    https_port, http_port = free_port(), free_port()
    config = site_for_test(nginx_folder, https_port=https_port, http_port=http_port, upstream_port=live_server.port)
    outer = live_server.app.wsgi_app
    recorder = Recorder(outer)  # what nginx sent
    live_server.app.wsgi_app = recorder
    inside = None  # what Loket made of it (behind ProxyFix, when LOKET_TRUSTED_PROXIES is applied)
    if isinstance(outer, ProxyFix):
        inside = outer.app = Recorder(outer.app)
    process = subprocess.Popen(nginx_argv(nginx_folder, config), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.1)
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the test's self-signed certificate
    yield {"https": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}",
           "seen": recorder.seen, "inside": inside, "app": live_server.app}
    process.send_signal(signal.SIGQUIT)  # graceful stop, as systemctl stop nginx does
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def test_nginx_serves_vendored_files_for_long_and_our_own_with_revalidation(proxied):
    vendored = sorted((PACKAGE / "static" / "vendor").glob("htmx-*.js"))[0]

    long_lived = requests.get(f"{proxied['https']}/static/vendor/{vendored.name}", verify=False, timeout=10)
    own = requests.get(f"{proxied['https']}/static/css/loket.css", verify=False, timeout=10)

    assert long_lived.status_code == 200 and long_lived.content == vendored.read_bytes()
    assert "max-age=2592000" in long_lived.headers["Cache-Control"]
    assert "immutable" in long_lived.headers["Cache-Control"]
    assert own.status_code == 200 and own.content == (PACKAGE / "static" / "css" / "loket.css").read_bytes()
    assert own.headers["Cache-Control"] == "no-cache" and own.headers.get("ETag")
    assert own.headers["Content-Type"].startswith("text/css")
    assert not [s for s in proxied["seen"] if s["PATH_INFO"].startswith("/static/")], "nginx serves them itself"


def test_nginx_passes_pages_on_with_the_address_it_saw(proxied):
    response = requests.get(f"{proxied['https']}/standar-pelayanan", verify=False, timeout=10,
                            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"})

    assert response.status_code == 200 and "Standar Pelayanan" in response.text
    seen = [s for s in proxied["seen"] if s["PATH_INFO"] == "/standar-pelayanan"][-1]
    assert seen["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"  # replaced, not appended: no smuggled address
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert seen["HTTP_X_FORWARDED_HOST"] == proxied["https"].removeprefix("https://")


def test_loket_trusts_nginx_once_and_sees_https_and_the_visitors_address(proxied):
    assert proxied["inside"] is not None, "LOKET_TRUSTED_PROXIES=1 puts ProxyFix in front of the app"

    response = requests.get(f"{proxied['https']}/standar-pelayanan", verify=False, timeout=10,
                            headers={"X-Forwarded-For": "203.0.113.9"})

    assert response.status_code == 200
    seen = [s for s in proxied["inside"].seen if s["PATH_INFO"] == "/standar-pelayanan"][-1]
    assert seen["REMOTE_ADDR"] == "127.0.0.1"  # nginx's view of the client, not the smuggled address
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["HTTP_HOST"] == proxied["https"].removeprefix("https://")


def test_plain_http_is_redirected_to_https(proxied):
    response = requests.get(f"{proxied['http']}/kiosk/1?x=1", allow_redirects=False, timeout=10)

    assert response.status_code == 301
    assert response.headers["Location"] == "https://127.0.0.1/kiosk/1?x=1"


def test_nginx_refuses_bodies_larger_than_loket_accepts(proxied):
    from loket.config import DEFAULTS

    too_big = b"x" * (DEFAULTS["MAX_CONTENT_LENGTH"] + 1)
    response = requests.post(f"{proxied['https']}/survei", data=too_big, verify=False, timeout=10,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 413
    assert not [s for s in proxied["seen"] if s["PATH_INFO"] == "/survei"], "refused before reaching Loket"


def test_socketio_upgrades_to_a_websocket_through_nginx(proxied):
    import socketio

    from loket.queue import core

    received: list[str] = []
    arrived = threading.Event()
    client = socketio.Client(reconnection=False, ssl_verify=False)

    @client.on("ticket.issued")
    def on_issued(data):
        received.append(data["number"])
        arrived.set()

    client.connect(proxied["https"], transports=["websocket"])
    try:
        assert client.transport() == "websocket"
        assert client.call("subscribe", {"rooms": ["office:1"]}, timeout=5)["rooms"] == ["office:1"]
        with proxied["app"].app_context():
            ticket = core.issue_ticket("A")
            number = ticket.number
        assert arrived.wait(10), "the event did not come through nginx"
    finally:
        client.disconnect()
    assert received == [number]
    upgrades = [s for s in proxied["seen"] if s["PATH_INFO"].startswith("/socket.io")]
    assert upgrades and upgrades[0]["HTTP_UPGRADE"] == "websocket"


# --- static files and limits the site must match ------------------------------------------------

def test_every_static_url_is_under_the_static_location_nginx_serves(app):
    assert app.static_url_path == "/static" and Path(app.static_folder) == PACKAGE / "static"
    own_folders = {name: bp.static_folder for name, bp in app.blueprints.items() if bp.has_static_folder}
    assert not own_folders, f"blueprints with their own static folder need an nginx location: {own_folders}"
    for file in (PACKAGE / "static" / "vendor").iterdir():
        if file.suffix in (".js", ".css"):
            assert re.search(r"-\d+\.\d+\.\d+", file.name), f"{file.name} is cached as immutable: put its version in its name"


def test_the_site_limits_bodies_to_max_content_length():
    from loket.config import DEFAULTS

    size = re.search(r"client_max_body_size (\d+)k;", SITE.read_text())
    assert size and int(size.group(1)) * 1024 == DEFAULTS["MAX_CONTENT_LENGTH"]


def test_the_upstream_matches_the_unit():
    unit = UNIT.read_text()
    assert "ExecStart=/opt/loket/venv/bin/loket serve --host 127.0.0.1 --port %i" in unit
    assert re.findall(r"^\s+server (127\.0\.0\.1:\d+);", SITE.read_text(), re.M) == [
        "127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]
    assert "ip_hash;" in SITE.read_text()


# --- systemd -----------------------------------------------------------------------------------

def test_systemd_accepts_the_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not available")
    loket_command = shutil.which("loket")
    assert loket_command, "the loket command is installed (pip install -e .)"
    text = replace(UNIT.read_text(), "/opt/loket/venv/bin/loket", loket_command, 1)
    text = replace(text, "EnvironmentFile=/etc/loket/loket.env", f"EnvironmentFile={ENV_EXAMPLE}", 1)
    (tmp_path / "loket@.service").write_text(text)

    done = subprocess.run([analyze, "verify", "./loket@8001.service"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert "loket@" not in done.stderr, done.stderr  # unknown keys and bad values are only warnings


def environment_reads() -> set[str]:
    """Every LOKET_* name the package reads from the environment."""
    pattern = re.compile(r"""(?:environ(?:\.get)?\s*[(\[]|getenv\(|\benv(?:_int|_clock)?\()\s*["'](LOKET_[A-Z0-9_]+)""")
    names = set()
    for source in PACKAGE.rglob("*.py"):
        names |= set(pattern.findall(source.read_text()))
    return names


def test_the_settings_example_names_every_setting_loket_reads():
    read = environment_reads()
    documented = set(re.findall(r"^#?(LOKET_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))

    assert {"LOKET_INSTANCE", "LOKET_PUBLIC_BASE_URL", "LOKET_BACKUP_AT"} <= read  # the scan works
    assert read - documented == set(), "add these to deploy/systemd/loket.env.example"
    for name in ("LOKET_PUBLIC_BASE_URL", "LOKET_SECURE_COOKIES", "LOKET_TRUSTED_PROXIES", "LOKET_INSTANCE",
                 "LOKET_BACKUP_DIR", "LOKET_OFFICE_HOURS", "LOKET_TIMEZONE"):
        assert re.search(rf"^{name}=", ENV_EXAMPLE.read_text(), re.M), f"{name} is set, not only described"


def systemd_values(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (whole-line comments, double quotes)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[key] = value
    return values


def test_the_settings_example_reads_the_same_in_systemd_and_in_the_shell():
    done = subprocess.run(["bash", "-c", 'set -a; . "$1"; env -0', "-", str(ENV_EXAMPLE)], capture_output=True,
                          text=True, env={"PATH": os.environ["PATH"]}, check=True)
    shell = dict(item.split("=", 1) for item in done.stdout.split("\0") if item.startswith("LOKET_"))

    assert shell == systemd_values(ENV_EXAMPLE)  # deploy/bin/loket sources it; loket@.service reads it
    assert shell["LOKET_OFFICE_HOURS"] == "mon-thu 07:30-15:30; fri 07:30-13:00"


# --- scripts -----------------------------------------------------------------------------------

def test_the_scripts_parse():
    for shell, script in (("bash", SCREEN), ("sh", DEPLOY / "bin" / "loket")):
        done = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, f"{script}: {done.stderr}"
        assert os.access(script, os.X_OK), f"{script} is executable"


def test_the_screen_script_starts_chromium_in_kiosk_mode_and_again_when_it_exits(tmp_path, live_server):
    """A stand-in browser records its arguments and stops the loop on its second start."""
    browser = tmp_path / "browser"
    calls = tmp_path / "calls"
    browser.write_text(f"""#!/bin/bash
printf '%s\\n' "$@" > {calls}.$(ls {tmp_path} | grep -c '^calls')
[ "$(ls {tmp_path} | grep -c '^calls')" -ge 2 ] && kill $PPID
exit 0
""")
    browser.chmod(0o755)
    profile = tmp_path / "home" / ".config" / "loket-screen" / "kiosk-1"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text('{"profile":{"exit_type":"Crashed","exited_cleanly":false}}')
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), "LOKET_CHROMIUM": str(browser)}

    done = subprocess.run(["bash", str(SCREEN), "--touch", f"{live_server.url}/kiosk/1"], env=env,
                          capture_output=True, text=True, timeout=60)

    first = (tmp_path / "calls.0").read_text().splitlines()
    assert (tmp_path / "calls.1").exists(), f"not started again: {done.stderr}"
    for flag in ("--kiosk", "--noerrdialogs", "--disable-translate", "--disable-features=Translate", "--no-first-run",
                 "--disable-session-crashed-bubble", "--check-for-update-interval=31536000",
                 "--autoplay-policy=no-user-gesture-required", "--disable-pinch",
                 "--overscroll-history-navigation=0", f"--user-data-dir={profile}"):
        assert flag in first, flag
    assert first[-1] == f"{live_server.url}/kiosk/1"
    assert '"exit_type":"Normal"' in (profile / "Default" / "Preferences").read_text()


def test_the_autostart_entries_open_the_kiosk_and_the_display():
    entries = {}
    for name in ("loket-kiosk.desktop", "loket-display.desktop"):
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read(DEPLOY / "kiosk" / name)
        entry = parser["Desktop Entry"]
        assert entry["Type"] == "Application"
        entries[name] = entry["Exec"].split()
    assert entries["loket-kiosk.desktop"][:2] == ["/usr/local/bin/loket-screen.sh", "--touch"]
    assert entries["loket-kiosk.desktop"][-1].endswith("/kiosk/1")
    assert entries["loket-display.desktop"][0] == "/usr/local/bin/loket-screen.sh"
    assert "--touch" not in entries["loket-display.desktop"] and entries["loket-display.desktop"][-1].endswith("/display/1")


def test_redis_starts_with_the_drop_in_options():
    server = shutil.which("redis-server")
    require_or_skip(server is not None, "redis-server", env="LOKET_REQUIRE_SERVICES")
    import redis

    line = next(l for l in (DEPLOY / "systemd" / "redis-server.service.d" / "loket.conf").read_text().splitlines()
                if l.startswith("ExecStart=/"))
    options = line.split("--daemonize no", 1)[1].split()
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no", *options],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                assert client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None, "redis-server did not start"
                time.sleep(0.1)
        assert client.config_get("bind")["bind"] == "127.0.0.1 -::1"
        client.close()
    finally:
        process.terminate()
        process.wait(10)
