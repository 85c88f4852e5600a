# Shared by the bench scripts (sourced, not run): free loopback ports and the bench database's
# URLs in the dev cluster. Needs log/die from the caller and $BENCH_DB set.

port_free() { [ -z "$(ss -ltnH "sport = :$1")" ]; }
free_port_from() {
  local p=$1
  while ! port_free "$p"; do
    p=$((p + 1))
    [ "$p" -lt $(($1 + 200)) ] || die "no free port in $1..$p"
  done
  echo "$p"
}

# ADMIN_URL (the dev cluster's owner), BENCH_URL (the bench database as owner) and BENCH_APP_URL
# (as the application role: probityd serves as that role, as in production, README Operations).
ADMIN_URL=$PROBITY_TEST_ADMIN_URL
url_base=${ADMIN_URL%%\?*}
BENCH_URL="${url_base%/*}/$BENCH_DB${ADMIN_URL#"$url_base"}"
BENCH_APP_URL=${BENCH_URL/\/\/probity@/\/\/probity_app@}
PSQL() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
