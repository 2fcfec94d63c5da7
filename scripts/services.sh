# Source me: starts a throw-away PostgreSQL cluster and Redis server on 127.0.0.1 for the
# scale-out tests, and exports LOKET_TEST_POSTGRES_URL / LOKET_TEST_REDIS_URL. Stopped by
# `loket_services_stop` (scripts/test.sh calls it on exit). Quietly does nothing for a part
# whose binaries are missing; the tests then skip, or fail under LOKET_REQUIRE_SERVICES=1.

loket_services_dir=$(mktemp -d /tmp/loket-services.XXXXXX)
chmod 755 "$loket_services_dir"

_loket_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_loket_pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$_loket_pg_bin" ] && [ -x "$_loket_pg_bin/initdb" ]; then
  _loket_pg_port=$(_loket_free_port)
  _loket_pg_data="$loket_services_dir/pg/data"
  _loket_as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  mkdir -p "$loket_services_dir/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres "$loket_services_dir/pg"; fi
  if _loket_as_pg "$_loket_pg_bin/initdb" -D "$_loket_pg_data" -A trust -U postgres -E UTF8 >"$loket_services_dir/initdb.log" 2>&1 \
     && _loket_as_pg "$_loket_pg_bin/pg_ctl" -D "$_loket_pg_data" -l "$loket_services_dir/pg/pg.log" -w \
          -o "-h 127.0.0.1 -p $_loket_pg_port -k $_loket_pg_data -c fsync=off -c max_connections=200" start >/dev/null; then
    psql -h 127.0.0.1 -p "$_loket_pg_port" -U postgres -q -c "CREATE DATABASE loket_test" >/dev/null
    export LOKET_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$_loket_pg_port/loket_test"
    echo "PostgreSQL on 127.0.0.1:$_loket_pg_port"
  else
    echo "PostgreSQL failed to start; see $loket_services_dir" >&2
  fi
fi

if command -v redis-server >/dev/null; then
  _loket_redis_port=$(_loket_free_port)
  if redis-server --bind 127.0.0.1 --port "$_loket_redis_port" --save '' --appendonly no --daemonize yes \
       --pidfile "$loket_services_dir/redis.pid" --logfile "$loket_services_dir/redis.log" >/dev/null; then
    export LOKET_TEST_REDIS_URL="redis://127.0.0.1:$_loket_redis_port/0"
    echo "Redis on 127.0.0.1:$_loket_redis_port"
  fi
fi

loket_services_stop() {
  if [ -n "${_loket_pg_data:-}" ] && [ -f "$_loket_pg_data/postmaster.pid" ]; then
    _loket_as_pg "$_loket_pg_bin/pg_ctl" -D "$_loket_pg_data" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$loket_services_dir/redis.pid" ]; then
    kill "$(cat "$loket_services_dir/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$loket_services_dir"
}
