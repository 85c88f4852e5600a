#!/usr/bin/env bash
# gRPC vs REST read benchmark (issue 6): OrganizationsService/Get over HTTP/2 next to
# GET /v1/organizations/{id} over HTTP/1.1, one probityd, one database, one run.
#
#   ./deploy/dev.sh exec bench/grpc.sh           (after ./deploy/dev.sh test or run)
#   DURATION=10 ROUNDS=5 ./deploy/dev.sh exec bench/grpc.sh
#
# 1. (re)creates database $BENCH_DB in the dev cluster, migrates it, loads $ORGS organizations
#    with bench/sql/load_organizations.sql (as bench/run.sh does), makes a global admin key;
# 2. starts `probityd serve` with REST and gRPC on free 127.0.0.1 ports (rate limit on, far above
#    the load, as in bench/run.sh);
# 3. correctness, separately from the load: for every id measured, Python grpcio (stubs compiled
#    here from api/proto) calls OrganizationsService/Get and its answer must be the row REST
#    returns; after the load, probityd's own log must show every gRPC call ended grpc-status 0
#    (h2load only sees HTTP status 200, not grpc-status);
# 4. $ROUNDS rounds, each on a fresh random id: h2load with a gRPC-framed body (the 5-byte prefix
#    and a serialized GetOrganizationRequest) at 64 streams over 8 connections (-c 8 -m 8), and
#    h2load --h1 at 64 connections (HTTP/1.1 has one request in flight per connection) on
#    $REST_IDS random ids, gRPC first in odd rounds and REST first in even ones; each measurement
#    $DURATION s after $WARMUP s of warm-up;
# 5. prints req/s and latency percentiles of both, the ratio (and each round's), and PASS/MISS
#    against the issue's targets: gRPC throughput at least REST's, gRPC p99 under 10 ms.
#
# h2load takes one request body (-d) per run, so a gRPC round asks for one id; the rows all fit
# in shared_buffers, so one id or many costs the database the same index probe.
#
# Env (defaults in brackets):
#   DURATION WARMUP ROUNDS   seconds measured, seconds of warm-up, rounds            [5 1 3]
#   REST_IDS                 random ids per REST round                               [1000]
#   POOL                     PROBITY_POOL_SIZE of the measured probityd  [probityd's default]
#   PROBITYD                 the binary                                     [build/probityd]
#   ORGS                     organizations to load                                  [100000]
#   BENCH_DB                 database in the dev cluster (dropped first!)  [probity_bench_grpc]
#   DROP_DB=1                drop $BENCH_DB at the end (default: kept, for inspection)
#   OUT_DIR                  raw logs                       [/tmp/probity-grpc-bench-<time>]
# Everything listens on and talks to 127.0.0.1 only; every load is bounded by DURATION (and a
# timeout around each tool); the probityd started here is stopped on exit, error or signal.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/.." && pwd -P)

if [ -z "${PROBITY_TEST_ADMIN_URL:-}" ]; then
  if [ -z "${PROBITY_BENCH_REEXEC:-}" ] && [ -x "$ROOT/deploy/dev.sh" ]; then
    echo "[grpc-bench] no dev environment; re-running as ./deploy/dev.sh exec bench/grpc.sh" >&2
    export PROBITY_BENCH_REEXEC=1
    exec "$ROOT/deploy/dev.sh" exec "$HERE/grpc.sh" "$@"
  fi
  echo "[grpc-bench] PROBITY_TEST_ADMIN_URL is not set: run ./deploy/dev.sh exec bench/grpc.sh" >&2
  exit 2
fi

PROBITYD=${PROBITYD:-$ROOT/build/probityd}
POOL=${POOL:-}
ORGS=${ORGS:-100000}
BENCH_DB=${BENCH_DB:-probity_bench_grpc}
DROP_DB=${DROP_DB:-0}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
REST_IDS=${REST_IDS:-1000}
OUT_DIR=${OUT_DIR:-/tmp/probity-grpc-bench-$(date -u +%Y%m%d-%H%M%S)}
PY=/usr/bin/python3
T0=$SECONDS

mkdir -p "$OUT_DIR"
RUNLOG=$OUT_DIR/run.log
log() { printf '[grpc-bench %3ds] %s\n' "$((SECONDS - T0))" "$*" | tee -a "$RUNLOG" >&2; }
die() { log "ERROR: $*"; exit 1; }
trap 'rc=$?; log "ERROR: \`$BASH_COMMAND\` failed (exit $rc, line $LINENO)"' ERR

[[ "$ORGS" =~ ^[1-9][0-9]*$ ]] || die "ORGS must be a positive integer"
for v in DURATION WARMUP ROUNDS REST_IDS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[ -z "$POOL" ] || [[ "$POOL" =~ ^[1-9][0-9]*$ ]] || die "POOL must be a positive integer"
[[ "$BENCH_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier"
[ -x "$PROBITYD" ] || die "no probityd at $PROBITYD: build it (./deploy/dev.sh test) or set PROBITYD="
for c in psql h2load curl ss shuf timeout "$PY"; do
  command -v "$c" >/dev/null 2>&1 || die "missing $c (Debian: nghttp2-client for h2load; ./deploy/dev.sh installs it)"
done
"$PY" -c 'import grpc, grpc_tools' 2>/dev/null || die "$PY cannot import grpc/grpc_tools (python3-grpcio, python3-grpc-tools)"

PROBITYD_PID=""
cleanup() {
  local rc=$? i
  trap - ERR
  if [ -n "$PROBITYD_PID" ] && kill -0 "$PROBITYD_PID" 2>/dev/null; then
    log "stopping probityd (pid $PROBITYD_PID)"
    kill -TERM "$PROBITYD_PID" 2>/dev/null || true
    for i in $(seq 1 75); do kill -0 "$PROBITYD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$PROBITYD_PID" 2>/dev/null && kill -KILL "$PROBITYD_PID" 2>/dev/null || true
    wait "$PROBITYD_PID" 2>/dev/null || true
  fi
  if [ "$DROP_DB" = 1 ] && [ -n "${ADMIN_URL:-}" ]; then
    psql -X -q -d "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" >>"$RUNLOG" 2>&1 || true
  fi
  [ "$rc" = 0 ] || log "failed (exit $rc); logs in $OUT_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ the bench database
# port_free, free_port_from, ADMIN_URL, BENCH_URL, BENCH_APP_URL, PSQL
# shellcheck source=lib.sh
. "$HERE/lib.sh"
log "probityd: $PROBITYD; bench database: $BENCH_DB; out: $OUT_DIR"
log "recreating $BENCH_DB, migrating it, loading $ORGS organizations"
PSQL -d "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB" \
  >>"$RUNLOG" 2>&1 || die "could not recreate $BENCH_DB (see $RUNLOG)"
PROBITY_DATABASE_URL=$BENCH_URL PROBITY_MIGRATE_DATABASE_URL=$BENCH_URL "$PROBITYD" migrate \
  >>"$RUNLOG" 2>&1 || die "probityd migrate failed (see $RUNLOG)"
timeout 600 psql -X -q -v ON_ERROR_STOP=1 -v rows="$ORGS" -d "$BENCH_URL" \
  -f "$HERE/sql/load_organizations.sql" >>"$RUNLOG" 2>&1 || die "load failed (see $RUNLOG)"
IDS_FILE=$OUT_DIR/ids.txt
PSQL -d "$BENCH_URL" -tAc "SELECT id FROM bench_ids ORDER BY n" >"$IDS_FILE"
[ "$(wc -l <"$IDS_FILE")" = "$ORGS" ] || die "expected $ORGS ids in $IDS_FILE"
TOKEN=$(PROBITY_DATABASE_URL=$BENCH_APP_URL "$PROBITYD" keys create --name grpc-bench --role admin \
          --global 2>>"$RUNLOG") || die "probityd keys create failed (see $RUNLOG)"

# ------------------------------------------------------------------ stubs and bodies
PB=$OUT_DIR/pb              # not a folder named grpc: it would shadow grpcio's package
mkdir -p "$PB"
"$PY" -m grpc_tools.protoc -I"$ROOT/api/proto" -I/usr/include --python_out="$PB" --grpc_python_out="$PB" \
  "$ROOT/api/proto/probity/v1/organizations.proto" >>"$RUNLOG" 2>&1 || die "grpc_tools.protoc failed (see $RUNLOG)"
# body ID FILE: one gRPC message, uncompressed: flag 0, 4-byte big-endian length, the message.
body() {
  PYTHONPATH=$PB "$PY" - "$1" "$2" <<'PY'
import struct, sys
from probity.v1 import organizations_pb2
msg = organizations_pb2.GetOrganizationRequest(id=sys.argv[1]).SerializeToString()
with open(sys.argv[2], "wb") as f:
    f.write(b"\0" + struct.pack(">I", len(msg)) + msg)
PY
}
# check ID: grpcio's answer for the id is the row REST returns (every field, as JSON).
check() {
  PYTHONPATH=$PB "$PY" - "$1" "127.0.0.1:$GRPC_PORT" "$URL" "$TOKEN" <<'PY'
import datetime, json, sys, urllib.request
import grpc
from google.protobuf.descriptor import FieldDescriptor as FD
from probity.v1 import organizations_pb2, organizations_pb2_grpc
oid, target, url, token = sys.argv[1:5]
def ts(t):
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t.seconds)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.nanos // 1000000:03d}Z"
with grpc.insecure_channel(target) as ch:
    m = organizations_pb2_grpc.OrganizationsServiceStub(ch).Get(
        organizations_pb2.GetOrganizationRequest(id=oid), metadata=[("authorization", "Bearer " + token)],
        timeout=10)
got = {}
for f in m.DESCRIPTOR.fields:
    v = getattr(m, f.name)
    if f.label == FD.LABEL_REPEATED:
        got[f.name] = list(v)
    elif f.message_type is not None:
        got[f.name] = ts(v) if m.HasField(f.name) else None
    elif f.containing_oneof is not None:
        got[f.name] = v if m.HasField(f.name) else None
    else:
        got[f.name] = v
req = urllib.request.Request(f"{url}/v1/organizations/{oid}", headers={"Authorization": "Bearer " + token})
rest = json.load(urllib.request.urlopen(req, timeout=10))
if got != rest:
    sys.exit(f"gRPC and REST differ for {oid}:\n gRPC {got}\n REST {rest}")
PY
}

# ------------------------------------------------------------------ probityd
HTTP_PORT=$(free_port_from 18280)
GRPC_PORT=$(free_port_from 50151)
URL=http://127.0.0.1:$HTTP_PORT
log "starting probityd: REST 127.0.0.1:$HTTP_PORT, gRPC 127.0.0.1:$GRPC_PORT (PROBITY_POOL_SIZE=${POOL:-default})"
env PROBITY_DATABASE_URL="$BENCH_APP_URL" PROBITY_MIGRATE_DATABASE_URL="$BENCH_URL" \
  PROBITY_RATE_LIMITS="admin=1000000:1000000" PROBITY_SCHEDULER=0 \
  PROBITY_HTTP_ADDR="127.0.0.1:$HTTP_PORT" PROBITY_GRPC_ADDR="127.0.0.1:$GRPC_PORT" \
  ${POOL:+PROBITY_POOL_SIZE=$POOL} "$PROBITYD" serve >"$OUT_DIR/probityd.log" 2>&1 &
PROBITYD_PID=$!
for i in $(seq 1 150); do
  if curl -sf -o /dev/null --max-time 2 "$URL/readyz" && ! port_free "$GRPC_PORT"; then break; fi
  kill -0 "$PROBITYD_PID" 2>/dev/null || { tail -n 20 "$OUT_DIR/probityd.log" >&2; die "probityd exited"; }
  [ "$i" -lt 150 ] || die "probityd not ready after 30 s (log: $OUT_DIR/probityd.log)"
  sleep 0.2
done
curl -sf -o /dev/null "$URL/readyz" || die "probityd not ready"
log "probityd ready (pid $PROBITYD_PID)"

# ------------------------------------------------------------------ rounds
# h2load's summary line "finished in 5.00s, 12345.60 req/s, ..." and its requests line.
rps_of() { sed -n 's/^finished in [0-9.]*[a-z]*, \([0-9.]*\) req\/s.*/\1/p' "$1"; }
ok_of() { sed -n 's/^requests: .* \([0-9]*\) succeeded, \([0-9]*\) failed, \([0-9]*\) errored.*/\1 \2 \3/p' "$1"; }
# probityd's CPU time so far (user + system, clock ticks), to put a cost on each request.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PROBITYD_PID/stat"; }
run_h2load() {           # NAME LOG [h2load args...]
  local name=$1 out=$2 c0
  shift 2
  c0=$(cpu_ticks)
  timeout $((DURATION + WARMUP + 30)) h2load -D "$DURATION" --warm-up-time "$WARMUP" \
    --log-file="$OUT_DIR/$name.tsv" "$@" >"$out" 2>&1 || { cat "$out" >&2; die "h2load $name failed"; }
  echo $(($(cpu_ticks) - c0)) >"$OUT_DIR/$name.cpu"
  read -r ok failed errored <<<"$(ok_of "$out")"
  [ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] && [ "${ok:-0}" -gt 0 ] \
    || { cat "$out" >&2; die "h2load $name: $ok succeeded, $failed failed, $errored errored"; }
  log "  $name: $(rps_of "$out") req/s, $ok requests"
}
GRPC_CALLS_BEFORE=$(grep -c '"event":"grpc_call"' "$OUT_DIR/probityd.log" || true)
for r in $(seq 1 "$ROUNDS"); do
  id=$(shuf -n 1 "$IDS_FILE")
  log "round $r/$ROUNDS: gRPC on id $id, REST on $REST_IDS random ids"
  body "$id" "$OUT_DIR/body-$r.bin"
  check "$id" || die "correctness check failed for $id"
  shuf -n "$REST_IDS" "$IDS_FILE" | sed "s|^|$URL/v1/organizations/|" >"$OUT_DIR/uris-$r.txt"
  grpc_run() {
    run_h2load "grpc-$r" "$OUT_DIR/grpc-$r.out" -c 8 -m 8 -d "$OUT_DIR/body-$r.bin" \
      -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer $TOKEN" \
      "http://127.0.0.1:$GRPC_PORT/probity.v1.OrganizationsService/Get"
  }
  rest_run() {
    run_h2load "rest-$r" "$OUT_DIR/rest-$r.out" --h1 -c 64 -m 1 -H "authorization: Bearer $TOKEN" \
      -i "$OUT_DIR/uris-$r.txt"
  }
  # The order alternates, so that neither side always runs on a warmer (or a busier) machine.
  if [ $((r % 2)) = 1 ]; then grpc_run; rest_run; else rest_run; grpc_run; fi
done
sleep 1   # the last log lines
kill -0 "$PROBITYD_PID" 2>/dev/null || die "probityd died during the load"

# Every gRPC call of the load ended OK (grpc-status 0), by probityd's own log; but the calls in
# flight when h2load stops at the end of a measurement (at most 64 a round), which it abandons:
# those end CANCELLED (1).
read -r CALLS CANCELLED NOT_OK <<<"$(tail -n +"$((GRPC_CALLS_BEFORE + 1))" <(grep '"event":"grpc_call"' "$OUT_DIR/probityd.log") \
  | "$PY" -c '
import json, sys
n = cancelled = bad = 0
for line in sys.stdin:
    e = json.loads(line)
    if e.get("path") != "/probity.v1.OrganizationsService/Get":
        continue
    n += 1
    cancelled += e.get("grpc_status") == 1
    bad += e.get("grpc_status") not in (0, 1)
print(n, cancelled, bad)')"
[ "$CANCELLED" -le $((64 * ROUNDS)) ] || NOT_OK=$((NOT_OK + CANCELLED))
[ "${CALLS:-0}" -gt 0 ] || die "no grpc_call lines in probityd's log: cannot check grpc-status"

# ------------------------------------------------------------------ results
"$PY" - "$OUT_DIR" "$ROUNDS" "$DURATION" "$CALLS" "$NOT_OK" "$ORGS" "$CANCELLED" "$(getconf CLK_TCK)" "$WARMUP" <<'PY'
import datetime, os, re, sys
out, rounds, duration, calls, not_ok, orgs, cancelled, hz, warmup = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), \
    int(sys.argv[8]), int(sys.argv[9])
def stats(kind):
    rps, lat, non200, cpu_per_req = [], [], 0, []
    for r in range(1, rounds + 1):
        text = open(os.path.join(out, f"{kind}-{r}.out")).read()
        rps.append(float(re.search(r"^finished in [0-9.]+\w+, ([0-9.]+) req/s", text, re.M).group(1)))
        ticks = int(open(os.path.join(out, f"{kind}-{r}.cpu")).read())
        # warm-up and measurement both cost CPU: spread over the requests of both, at the rate measured
        cpu_per_req.append(ticks / hz * 1e6 / (rps[-1] * (duration + warmup)))
        for line in open(os.path.join(out, f"{kind}-{r}.tsv")):
            cols = line.split("\t")
            if len(cols) >= 3:
                non200 += cols[1] != "200"
                lat.append(int(cols[2]) / 1000.0)
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    return sum(rps) / len(rps), pct(0.5), pct(0.99), len(lat), non200, sum(cpu_per_req) / len(cpu_per_req), rps
g, r = stats("grpc"), stats("rest")
ratio = g[0] / r[0]
per_round = [a / b for a, b in zip(g[6], r[6])]
print(f"\n# bench/grpc.sh  {datetime.date.today()}  {orgs} organizations, {rounds} rounds x {duration} s, "
      f"64 requests in flight, loopback, {os.cpu_count()} CPUs shared by client and server")
print(f"{'':44} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'requests':>9} {'probityd CPU/req':>17}")
print(f"{'gRPC OrganizationsService/Get (8 conn x 8)':44} {g[0]:9.0f} {g[1]:7.2f} {g[2]:7.2f} {g[3]:9d} {g[5]:14.0f} us")
print(f"{'REST GET /v1/organizations/{id} (64 h1 conn)':44} {r[0]:9.0f} {r[1]:7.2f} {r[2]:7.2f} {r[3]:9d} {r[5]:14.0f} us")
print(f"gRPC/REST throughput {ratio:.2f}   target >= 1.00: {'PASS' if ratio >= 1 else 'MISS'}")
print("  each round (gRPC/REST): " + " ".join(f"{x:.2f}" for x in per_round)
      + f"; median {sorted(per_round)[len(per_round) // 2]:.2f}")
print(f"gRPC p99 {g[2]:.2f} ms   target < 10 ms: {'PASS' if g[2] < 10 else 'MISS'}")
print(f"correctness: grpcio Get = REST GET for each round's id; {calls} gRPC calls logged, "
      f"{not_ok} not grpc-status 0 ({cancelled} CANCELLED in flight at the ends of the rounds "
      f"not counted); HTTP status not 200: gRPC {g[4]}, REST {r[4]}")
if not_ok or g[4] or r[4]:
    sys.exit(1)
PY
log "done in $((SECONDS - T0)) s; raw logs in $OUT_DIR"
