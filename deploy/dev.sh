#!/usr/bin/env bash
# Probity developer entry point: installs what is missing, builds, runs a private
# PostgreSQL 15 cluster under .var/, and serves or tests.
#
#   ./deploy/dev.sh run          set up, migrate, load demo data, serve in the foreground
#   ./deploy/dev.sh test         set up, build build/ (gcc) and build-asan/ (clang, sanitizers),
#                                migrate + load demo data, run ctest in both
#   ./deploy/dev.sh exec CMD...  run CMD with the dev environment (cluster started first)
#   ./deploy/dev.sh stop         stop probityd (if started by `run`) and the cluster
#   ./deploy/dev.sh pg start|stop|status
#                                only the cluster (the integration tests use this)
#
# The cluster listens on 127.0.0.1 only, on a port chosen once (25440 upward) and kept in
# .var/pg/port; auth is trust for 127.0.0.1 and the unix socket (a throwaway dev cluster).
# Run as root, PostgreSQL runs as the `postgres` OS user (initdb refuses root).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
SELF="$ROOT/deploy/dev.sh"
VAR="$ROOT/.var"
PGLINK="$VAR/pg"                       # a directory, or a symlink to /tmp/probity-pg-<hash>
PGBIN=/usr/lib/postgresql/15/bin
WEB="$ROOT/deploy/web"
PIDFILE="$VAR/probityd.pid"
SINKPID="$VAR/smtp-sink.pid"
FIRST_PORT=25440  # below the kernel's ephemeral range (32768+), where test servers bind port 0

APT_PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev libevent-dev
          libjansson-dev libpq-dev libssl-dev libcmocka-dev postgresql-15
          postgresql-contrib postgresql-client-15 chromium wrk curl python3
          python3-cryptography libcurl4-openssl-dev python3-aiosmtpd openssl
          libxlsxwriter-dev libnghttp2-dev nghttp2-client libprotobuf-c-dev
          protobuf-c-compiler protobuf-compiler libprotobuf-dev python3-grpcio python3-grpc-tools
          grpc-proto
          python3-h2)

log() { printf '[dev.sh] %s\n' "$*" >&2; }
die() { printf '[dev.sh] error: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; printf "[dev.sh] error: \`%s\` failed (exit %d, %s line %d)\n" "$BASH_COMMAND" "$rc" "${BASH_SOURCE[0]##*/}" "$LINENO" >&2' ERR

if [ "$(id -u)" = 0 ]; then
  PG_OS_USER=postgres
  as_pg() { (cd / && runuser -u "$PG_OS_USER" -- "$@"); }   # cd: the repo may be unreadable to it
else
  PG_OS_USER=$(id -un)
  as_pg() { "$@"; }
fi

# ---------------------------------------------------------------- packages

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'; }

ensure_packages() {
  local want=("${APT_PKGS[@]}") missing=() p
  command -v node >/dev/null 2>&1 || want+=(nodejs npm)
  command -v node >/dev/null 2>&1 && ! command -v npm >/dev/null 2>&1 && want+=(npm)
  for p in "${want[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || die "apt-get update failed"
  apt-get install -y -q "${missing[@]}" >"$VAR/apt.log" 2>&1 \
    || { tail -n 30 "$VAR/apt.log" >&2; die "apt-get install failed (full log: .var/apt.log)"; }
}

ensure_web() {
  [ -f "$WEB/package-lock.json" ] || die "deploy/web/package-lock.json is missing"
  if [ -d "$WEB/node_modules" ] && [ ! "$WEB/package-lock.json" -nt "$WEB/node_modules" ]; then
    return 0
  fi
  log "npm ci in deploy/web (swagger-ui-dist, @redocly/cli)"
  (cd "$WEB" && npm ci --cache "$VAR/npm-cache" --no-audit --no-fund --ignore-scripts --loglevel=error) \
    || die "npm ci failed in deploy/web"
  touch "$WEB/node_modules"
}

# The Node gRPC client of the tests (tests/grpc_node: @grpc/grpc-js, @grpc/proto-loader).
ensure_grpc_node() {
  local dir="$ROOT/tests/grpc_node"
  [ -d "$dir/node_modules" ] && [ ! "$dir/package-lock.json" -nt "$dir/node_modules" ] && return 0
  log "npm ci in tests/grpc_node (@grpc/grpc-js, @grpc/proto-loader)"
  (cd "$dir" && npm ci --cache "$VAR/npm-cache" --no-audit --no-fund --ignore-scripts --loglevel=error) \
    || die "npm ci failed in tests/grpc_node"
  touch "$dir/node_modules"
}

# ---------------------------------------------------------------- build

# build DIR CC BUILD_TYPE [cmake args...]
build() {
  local dir=$1 cc=$2 type=$3
  shift 3
  [ -f "$ROOT/CMakeLists.txt" ] || die "CMakeLists.txt not found in $ROOT"
  log "building $dir ($cc, $type)"
  CC=$cc cmake -S "$ROOT" -B "$ROOT/$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >"$VAR/cmake-$dir.log" 2>&1 \
    || { tail -n 40 "$VAR/cmake-$dir.log" >&2; die "cmake configure of $dir failed (log: .var/cmake-$dir.log)"; }
  cmake --build "$ROOT/$dir" -j "$(nproc)" || die "build of $dir failed"
}

# ---------------------------------------------------------------- cluster

# Where the cluster lives. .var/pg when the postgres OS user can reach it; otherwise
# (a repo under /root, or a path too long for a unix socket) /tmp/probity-pg-<hash>,
# with .var/pg a symlink to it.
pg_layout() {
  mkdir -p "$VAR"
  if [ -L "$PGLINK" ]; then
    PGROOT=$(readlink "$PGLINK")
    mkdir -p "$PGROOT"                   # /tmp may have been cleaned
  elif [ -d "$PGLINK" ]; then
    PGROOT=$PGLINK
  else
    [ "$(id -u)" != 0 ] || id -u "$PG_OS_USER" >/dev/null 2>&1 \
      || die "OS user '$PG_OS_USER' does not exist (is postgresql-15 installed? ./deploy/dev.sh run installs it)"
    chmod o+x "$VAR"
    if as_pg test -x "$VAR" && [ ${#PGLINK} -le 80 ]; then
      PGROOT=$PGLINK
      mkdir -p "$PGROOT"
    else
      PGROOT=/tmp/probity-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
      log "postgres cannot use $PGLINK; cluster lives in $PGROOT (symlinked)"
      mkdir -p "$PGROOT"
      ln -s "$PGROOT" "$PGLINK"
    fi
  fi
  chmod 755 "$PGROOT"
  DATA=$PGROOT/data
  SOCK=$PGROOT/sock
  PGLOG=$PGROOT/postgres.log
  PORTFILE=$PGROOT/port
}

port_free() {
  if command -v ss >/dev/null 2>&1; then
    [ -z "$(ss -ltnH "sport = :$1")" ]
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi
  fi
}

pick_port() {
  local p=$FIRST_PORT
  while ! port_free "$p"; do
    p=$((p + 1))
    [ "$p" -lt $((FIRST_PORT + 200)) ] || die "no free port in $FIRST_PORT..$p"
  done
  echo "$p" >"$PORTFILE"
  log "cluster port: $p (kept in .var/pg/port)"
}

pg_running() { [ -f "$DATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

pg_env() {
  PGPORT_DEV=$(cat "$PORTFILE")
  export PGHOST=127.0.0.1 PGPORT=$PGPORT_DEV PGUSER=probity PGDATABASE=probity
  unset PGPASSWORD PGSERVICE PGSERVICEFILE PGHOSTADDR PGOPTIONS || true
  # probityd serves as probity_app (no DDL, append-only audit trail) and
  # migrates as probity, the schema's owner.
  export PROBITY_DATABASE_URL="postgresql://probity_app@127.0.0.1:$PGPORT_DEV/probity"
  export PROBITY_MIGRATE_DATABASE_URL="postgresql://probity@127.0.0.1:$PGPORT_DEV/probity"
  export PROBITY_TEST_ADMIN_URL="postgresql://probity@127.0.0.1:$PGPORT_DEV/postgres"
  export PATH="$PGBIN:$PATH"
}

pg_init() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  [ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 is not installed ($PGBIN/initdb missing); run ./deploy/dev.sh run or test once"
  log "initdb in $DATA"
  rm -rf "$DATA" "$SOCK"
  mkdir -p "$DATA" "$SOCK"
  chown "$PG_OS_USER" "$DATA" "$SOCK"
  chmod 700 "$DATA"
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$PGROOT/initdb.log" 2>&1 || { cat "$PGROOT/initdb.log" >&2; die "initdb failed"; }
  as_pg tee "$DATA/pg_hba.conf" >/dev/null <<'EOF'
# Probity dev cluster (deploy/dev.sh): throwaway, loopback only.
local all all               trust
host  all all 127.0.0.1/32  trust
EOF
  echo "include_if_exists = 'probity.conf'" | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
}

# pg_start REPICK: REPICK=1 lets a taken remembered port be replaced by a free one.
pg_start() {
  local repick=$1 port
  pg_layout
  pg_init
  [ -f "$PORTFILE" ] || pick_port
  if pg_running; then pg_env; pg_roles; return 0; fi
  port=$(cat "$PORTFILE")
  if ! port_free "$port"; then
    [ "$repick" = 1 ] || die "port $port (.var/pg/port) is taken by another program; free it or delete .var/pg/port"
    log "port $port is taken by another program; choosing another"
    pick_port
    port=$(cat "$PORTFILE")
  fi
  mkdir -p "$SOCK"
  chown "$PG_OS_USER" "$SOCK"
  as_pg tee "$DATA/probity.conf" >/dev/null <<EOF
# Written by deploy/dev.sh on each start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$SOCK'
max_connections = 200
# As the database ceiling's cluster (../shared/bench/pg.sh); and room for the
# WAL of a 100,000-organization job run (bench/jobs.sh) between checkpoints.
shared_buffers = 256MB
max_wal_size = 2GB
EOF
  touch "$PGLOG"
  chown "$PG_OS_USER" "$PGLOG"
  log "starting PostgreSQL on 127.0.0.1:$port (log: .var/pg/postgres.log)"
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$PGLOG" -w -t 60 start >/dev/null \
    || { tail -n 20 "$PGLOG" >&2; die "PostgreSQL did not start"; }
  pg_env
  pg_roles
}

pg_roles() {
  local q=(psql -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PGPORT_DEV" -U postgres -d postgres)
  if [ "$("${q[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'probity'")" != 1 ]; then
    "${q[@]}" -c "CREATE ROLE probity LOGIN CREATEDB"
  fi
  if [ "$("${q[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'probity_app'")" != 1 ]; then
    "${q[@]}" -c "CREATE ROLE probity_app LOGIN"
  fi
  # The owner watches the server's sessions (tests wait on them, the
  # benchmark reads their statements), which run as probity_app.
  # ...and may end them: a test drops its database WITH (FORCE) even when a
  # server it killed still has sessions open.
  for r in pg_read_all_stats pg_signal_backend; do
    if [ "$("${q[@]}" -tAc "SELECT pg_has_role('probity', '$r', 'MEMBER')")" != t ]; then
      "${q[@]}" -c "GRANT $r TO probity"
    fi
  done
  if [ "$("${q[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'probity'")" != 1 ]; then
    "${q[@]}" -c "CREATE DATABASE probity OWNER probity"
  fi
}

pg_stop() {
  [ -e "$PGLINK" ] || return 0
  pg_layout
  if pg_running; then
    log "stopping PostgreSQL"
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null || die "PostgreSQL did not stop"
  fi
}

pg_status() {
  if [ -e "$PGLINK" ] && pg_layout && pg_running; then
    echo "running: 127.0.0.1:$(cat "$PORTFILE") data=$DATA"
  else
    echo "not running"
    return 3
  fi
}

# ---------------------------------------------------------------- the dev environment

dev_env() {
  export PROBITY_DOCS_DIR="${PROBITY_DOCS_DIR:-$WEB/node_modules/swagger-ui-dist}"
  export PROBITY_DEV_SH="$SELF"
  export PROBITY_CHROMIUM="${PROBITY_CHROMIUM:-/usr/bin/chromium}"
  export PROBITY_REDOCLY="$WEB/node_modules/.bin/redocly"
  export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
}

setup() {
  mkdir -p "$VAR"
  ensure_packages
  ensure_web
  build build gcc RelWithDebInfo
  pg_start 1
  dev_env
}

migrate_and_demo() {
  local f
  log "migrating $PROBITY_DATABASE_URL"
  "$ROOT/build/probityd" migrate || die "probityd migrate failed"
  for f in "$ROOT"/deploy/demo/*.sql; do
    [ -e "$f" ] || continue
    log "loading demo data: deploy/demo/${f##*/}"
    psql -X -q -v ON_ERROR_STOP=1 -d "$PROBITY_MIGRATE_DATABASE_URL" -f "$f" >/dev/null \
      || die "demo data deploy/demo/${f##*/} failed to load"
  done
}

# A global admin key for trying the API, made once per dev database and kept
# in .var/dev-admin-token (the database keeps only its hash).
dev_admin_token() {
  local tok="$VAR/dev-admin-token" prefix
  if [ -s "$tok" ]; then
    prefix=$(cut -d_ -f2 "$tok")
    if [ "$(echo "SELECT 1 FROM api_keys WHERE prefix = :'prefix' AND revoked_at IS NULL" \
            | psql -X -tA -v prefix="$prefix" -d "$PROBITY_MIGRATE_DATABASE_URL")" != 1 ]; then
      rm -f "$tok"
    fi
  fi
  if [ ! -s "$tok" ]; then
    (umask 077; "$ROOT/build/probityd" keys create --name "dev admin ($(id -un))" --role admin --global \
       >"$tok" 2>/dev/null) || die "probityd keys create failed"
  fi
  log "admin token (.var/dev-admin-token): $(cat "$tok")"
  log "  try: curl -H \"Authorization: Bearer \$(cat .var/dev-admin-token)\" http://\${PROBITY_HTTP_ADDR:-127.0.0.1:8080}/v1/organizations"
}

# A local SMTP sink for the dev server's mail: aiosmtpd saving every message
# into the maildir .var/mail (new/ holds one file per mail).
smtp_sink() {
  local port=2525
  if [ -f "$SINKPID" ] && kill -0 "$(cat "$SINKPID")" 2>/dev/null; then kill "$(cat "$SINKPID")" || true; sleep 0.3; fi
  while ! port_free "$port"; do port=$((port + 1)); done
  # aiosmtpd opens the maildir as it is: its three folders must exist
  mkdir -p "$VAR/mail/tmp" "$VAR/mail/new" "$VAR/mail/cur"
  /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$VAR/mail" \
    >"$VAR/smtp-sink.log" 2>&1 &
  echo $! >"$SINKPID"
  export PROBITY_SMTP_URL="smtp://127.0.0.1:$port"
  log "SMTP sink on 127.0.0.1:$port: mail the dev server sends lands in .var/mail/new/"
}

probityd_pid() {
  local pid
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q probityd \
    && echo "$pid"
}

cmd_run() {
  local pid
  if pid=$(probityd_pid); then die "probityd is already running (pid $pid); ./deploy/dev.sh stop first"; fi
  setup
  migrate_and_demo
  dev_admin_token
  smtp_sink
  export PROBITY_ENV="${PROBITY_ENV:-development}"
  export PROBITY_HTTP_ADDR="${PROBITY_HTTP_ADDR:-127.0.0.1:8080}"
  echo $$ >"$PIDFILE"
  log "serving on http://$PROBITY_HTTP_ADDR  (docs: /docs; stop: Ctrl-C or ./deploy/dev.sh stop)"
  if [ -z "${PROBITY_GRPC_ADDR-127.0.0.1:50051}" ] || [ "${PROBITY_GRPC_ADDR-}" = off ]; then
    log "gRPC: off (PROBITY_GRPC_ADDR)"
  else
    log "gRPC on ${PROBITY_GRPC_ADDR:-127.0.0.1:50051} ($([ -n "${PROBITY_GRPC_TLS_CERT-}" ] && echo "TLS, ALPN h2" || echo "cleartext HTTP/2"); health: grpc.health.v1.Health, reflection: grpc.reflection.v1)"
  fi
  exec "$ROOT/build/probityd" serve
}

# run_ctest NAME DIR: runs ctest, records the verdict in RESULTS.
run_ctest() {
  local name=$1 dir=$2 rc=0
  log "ctest: $name"
  ctest --test-dir "$ROOT/$dir" --output-on-failure --no-tests=error || rc=$?
  if [ "$rc" = 0 ]; then RESULTS+=("PASS  ctest $name"); else RESULTS+=("FAIL  ctest $name (exit $rc)"); FAILED=1; fi
}

cmd_test() {
  local t0=$SECONDS r
  # Leave the cluster as we found it: stop it at exit (also on failure) if we start it.
  STOP_PG=0
  { [ -e "$PGLINK" ] && pg_layout && pg_running; } || STOP_PG=1
  trap '[ "$STOP_PG" = 0 ] || pg_stop || true' EXIT
  RESULTS=() FAILED=0
  setup
  ensure_grpc_node
  RESULTS+=("ok    build/ (gcc, RelWithDebInfo)")
  build build-asan clang Debug -DPROBITY_SANITIZE=ON
  RESULTS+=("ok    build-asan/ (clang, Debug, sanitizers)")
  migrate_and_demo
  RESULTS+=("ok    migrations + demo data loaded into the dev database")
  run_ctest "build (gcc)" build
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest "build-asan (ASan+UBSan)" build-asan
  if [ "$STOP_PG" = 1 ]; then pg_stop; STOP_PG=0; fi
  echo
  echo "==== Probity test summary ($((SECONDS - t0)) s) ===="
  for r in "${RESULTS[@]}"; do echo "  $r"; done
  if [ "$FAILED" = 0 ]; then echo "  ALL PASSED"; else echo "  SOME TESTS FAILED"; fi
  exit "$FAILED"
}

cmd_stop() {
  local pid
  if pid=$(probityd_pid); then
    log "stopping probityd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then log "probityd (pid $pid) ignored SIGTERM; killing"; kill -KILL "$pid" || true; fi
  fi
  rm -f "$PIDFILE"
  if [ -f "$SINKPID" ]; then kill "$(cat "$SINKPID")" 2>/dev/null || true; rm -f "$SINKPID"; fi
  pg_stop
}

usage() { sed -n '2,15p' "$SELF" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  run)  cmd_run ;;
  test) cmd_test ;;
  exec)
    [ $# -gt 0 ] || die "usage: ./deploy/dev.sh exec CMD [ARGS...]"
    pg_start 1
    dev_env
    exec "$@" ;;
  stop) cmd_stop ;;
  pg)
    case "${1:-}" in
      start)  pg_start 0 ;;
      stop)   pg_stop ;;
      status) pg_status || exit $? ;;
      *) die "usage: ./deploy/dev.sh pg start|stop|status" ;;
    esac ;;
  help|-h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
