#!/usr/bin/env bash
# Scheduler and board benchmark (issue 4): on this machine, side by side in one run,
#  1. the first disclosure reminder for 100,000 organizations with 6 requirements each
#     (`probityd jobs run disclosure_reminder_1 --period 2026-10`: plan, claim, render, write
#     the outbox), target < 30 s;
#  2. the compliance board of a 10,000-organization subtree (GET /v1/disclosure-compliance: the
#     counts over the whole subtree and the first page of late publishers), target < 300 ms.
#
#   ./deploy/dev.sh exec bench/jobs.sh        ORGS=100000 BOARD=10000 REPEAT=20
#
# SKIP_REMINDER=1 skips part 1 (while working on the board); its line then says "skipped".
# BOARD_BENCH=0 skips part 2. RELOAD=0 keeps $BENCH_DB from an earlier run and only empties its
# runs and outbox: what comparing two builds of the job needs. PROBITYD=BIN names the binary;
# JOB_STDERR=F keeps the job's stderr; PROBITY_JOB_SESSIONS=N (probityd's own) runs the job's
# batches on N database sessions at once.
#
# It (re)creates database $BENCH_DB in the dev cluster. Everything listens on 127.0.0.1.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/.." && pwd -P)
[ -n "${PROBITY_TEST_ADMIN_URL:-}" ] || { echo "run as ./deploy/dev.sh exec bench/jobs.sh" >&2; exit 2; }
PROBITYD=${PROBITYD:-$ROOT/build/probityd}
ORGS=${ORGS:-100000}
BOARD=${BOARD:-10000}
REPEAT=${REPEAT:-20}
BENCH_DB=${BENCH_DB:-probity_bench_jobs}
log() { printf '[jobs-bench %3ds] %s\n' "$SECONDS" "$*" >&2; }
url_base=${PROBITY_TEST_ADMIN_URL%%\?*}
OWNER_URL="${url_base%/*}/$BENCH_DB"
APP_URL=${OWNER_URL/\/\/probity@/\/\/probity_app@}
BOARD_JSON=/tmp/jobs-bench-$BENCH_DB-board.json
PSQL() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

BOARD_BENCH=${BOARD_BENCH:-1}
if [ "${RELOAD:-1}" = 0 ]; then
log "reusing $BENCH_DB: emptying job_runs and notifications"
PSQL -d "$OWNER_URL" -c "TRUNCATE job_runs, notifications" -c "VACUUM ANALYZE job_runs, notifications"
else
log "recreating $BENCH_DB"
PSQL -d "$PROBITY_TEST_ADMIN_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB"
PROBITY_DATABASE_URL=$OWNER_URL PROBITY_MIGRATE_DATABASE_URL=$OWNER_URL "$PROBITYD" migrate 2>/dev/null

log "loading $ORGS organizations (the first $BOARD under one root) and 6 requirements each"
PSQL -d "$OWNER_URL" -v orgs="$ORGS" -v board="$BOARD" <<'SQL'
INSERT INTO organizations (id, name, kind, jurisdiction, timezone, locale, currency)
VALUES ('00000000-0000-4000-8000-00000000b001', 'Bench root', 'district_administration', 'MN',
        'Asia/Ulaanbaatar', 'mn', 'MNT');
INSERT INTO organizations (parent_id, name, kind, jurisdiction, timezone, locale, currency, contact_emails)
SELECT CASE WHEN g <= :board THEN '00000000-0000-4000-8000-00000000b001'::uuid END,
       'Байгууллага ' || g, 'budget_institution', 'MN',
       (ARRAY['Asia/Ulaanbaatar', 'Asia/Hovd', 'Asia/Choibalsan'])[1 + g % 3], 'mn', 'MNT',
       jsonb_build_array('org' || g || '@bench.example.mn')
FROM generate_series(1, :orgs) g;
INSERT INTO disclosure_requirements (code, name, category, jurisdiction, org_kinds, frequency, active_from)
SELECT 'BENCH-' || c, 'Requirement ' || c, c, 'MN', '["budget_institution", "district_administration"]',
       'monthly', '2020-01-01'
FROM unnest(ARRAY['approved_budget', 'budget_execution', 'spending_decisions',
                  'purchases_above_threshold', 'transactions_above_threshold', 'other']) c;
-- Half the board's organizations published half their items, some late.
INSERT INTO disclosures (organization_id, requirement_id, period, published_at, reference)
SELECT o.id, r.id, '2026-10', timestamptz '2026-11-12 10:00+08' + (hashtext(o.name) % 5) * interval '1 day', 'ref'
FROM organizations o CROSS JOIN disclosure_requirements r
WHERE o.parent_id IS NOT NULL AND hashtext(o.name || r.code) % 4 = 0;
VACUUM ANALYZE;
SQL
fi

# Only this period: a long look-back would also plan (and skip) the months before.
export PROBITY_DATABASE_URL=$APP_URL PROBITY_ENV=test PROBITY_CLOCK=2026-11-10T02:00:00Z PROBITY_JOB_LOOKBACK_DAYS=1
JOB_S=
if [ "${SKIP_REMINDER:-0}" != 1 ]; then
  log "jobs run disclosure_reminder_1 --period 2026-10 over $ORGS organizations"
  t0=$(date +%s.%N)
  "$PROBITYD" jobs run disclosure_reminder_1 --period 2026-10 2>"${JOB_STDERR:-/dev/null}"
  t1=$(date +%s.%N)
  JOB_S=$(python3 -c "print($t1 - $t0)")
fi
read -r RUNS MAILS <<<"$(PSQL -d "$OWNER_URL" -tA -F' ' -c "SELECT (SELECT count(*) FROM job_runs WHERE status = 'done'), (SELECT count(*) FROM notifications)")"
if [ -n "$JOB_S" ]; then
  printf -v JOB_LINE 'reminder job      %6.1f s   %d runs done, %d outbox rows   target < 30 s: %s' "$JOB_S" \
    "$RUNS" "$MAILS" "$(python3 -c "print('PASS' if $JOB_S < 30 else 'MISS')")"
else
  JOB_LINE='reminder job      skipped (SKIP_REMINDER=1)'
fi
if [ "$BOARD_BENCH" = 0 ]; then
  printf '\n# bench/jobs.sh  %s  %d organizations (board skipped)\n%s\n' "$(date -u +%F)" "$ORGS" "$JOB_LINE"
  exit 0
fi

log "board of the $BOARD-organization subtree, $REPEAT requests"
TOKEN=$("$PROBITYD" keys create --name bench --role viewer --org 00000000-0000-4000-8000-00000000b001 2>/dev/null)
PORT=18190
while ss -ltnH "sport = :$PORT" | grep -q .; do PORT=$((PORT + 1)); done
PROBITY_SCHEDULER=0 PROBITY_HTTP_ADDR=127.0.0.1:$PORT "$PROBITYD" serve >"/tmp/jobs-bench-$BENCH_DB-serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.1; done
Q="http://127.0.0.1:$PORT/v1/disclosure-compliance?period=2026-10&as_of=2026-11-20T00:00:00Z"
curl -sf -H "Authorization: Bearer $TOKEN" "$Q" -o "$BOARD_JSON"
TIMES=$(for _ in $(seq 1 "$REPEAT"); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$Q"; done | sort -n)
MED=$(echo "$TIMES" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] * 1000}')
MAX=$(echo "$TIMES" | tail -1 | awk '{print $1 * 1000}')
SIZE=$(wc -c <"$BOARD_JSON")
COUNTED=$(python3 -c "import json, sys; d=json.load(open(sys.argv[1])); print(d['organizations'], d['counts'])" "$BOARD_JSON")

printf '\n# bench/jobs.sh  %s  %d organizations, board of %d\n' "$(date -u +%F)" "$ORGS" "$BOARD"
printf '%s\n' "$JOB_LINE"
printf 'board (subtree)   %6.0f ms median, %.0f ms max of %d; %d bytes; %s   target < 300 ms: %s\n' "$MED" "$MAX" \
  "$REPEAT" "$SIZE" "$COUNTED" "$(python3 -c "print('PASS' if $MED < 300 else 'MISS')")"
