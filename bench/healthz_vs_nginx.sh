#!/usr/bin/env bash
# /healthz throughput of vpnhub against nginx serving a small static file, same machine, same run.
#
#   bench/healthz_vs_nginx.sh [VPNHUB_BINARY]
#
# VPNHUB_BINARY (default build/bin/vpnhub) is started as `VPNHUB_BINARY serve` with
# HTTP_LISTEN=127.0.0.1:<free port>, DATABASE_URL=sqlite://<tmp>/b.db and LOG_LEVEL=warn; any
# binary with that interface works (e.g. build/tests/http/vpnhub_http_healthz_server, the HTTP
# server alone). nginx runs from its own temporary config: 2 worker processes, a 20-byte file,
# access_log off, keepalive_requests as unlimited as ours, so both keep their connections.
#
# Rounds are interleaved (the order alternates) because one run on a shared 2-core machine can be
# off by 25 %; the medians and the ratio vpnhub/nginx are printed at the end, together with the
# server CPU time per request (utime+stime of the server processes / requests), which depends
# less on how much CPU wrk took.
#
# Environment: ROUNDS (3), DURATION (10s), CONNECTIONS (64), WRK_THREADS (2), NGINX_EXTRA (more
# directives for nginx's http block, e.g. 'open_file_cache max=16; sendfile on;').
set -euo pipefail

BIN=${1:-build/bin/vpnhub}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
NGINX_EXTRA=${NGINX_EXTRA:-}

die() { echo "healthz_vs_nginx: $*" >&2; exit 1; }
[[ -x $BIN ]] || die "no executable at '$BIN' (give the vpnhub binary as the first argument)"
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "$tool is not installed"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || die "python3 is needed to find free ports"

TMP=$(mktemp -d /tmp/healthz_vs_nginx.XXXXXX)
NGINX_PID=""
VPNHUB_PID=""
cleanup() {
  local pid
  for pid in $VPNHUB_PID $NGINX_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $VPNHUB_PID $NGINX_PID; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

NGINX_PORT=$(free_port)
VPNHUB_PORT=$(free_port)
while [[ $VPNHUB_PORT == "$NGINX_PORT" ]]; do VPNHUB_PORT=$(free_port); done

mkdir -p "$TMP/www" "$TMP/nginx"
printf 'ok, static 20 bytes\n' >"$TMP/www/healthz"  # 20 bytes
USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user root;"
cat >"$TMP/nginx/nginx.conf" <<EOF
$USER_LINE
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  $NGINX_EXTRA
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096 ${NGINX_LISTEN_OPTS:-};
    root $TMP/www;
  }
}
EOF

# `exec` so that $! is the server itself (its CPU time is read from /proc/$!).
(exec "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stdout.log" 2>&1) &
NGINX_PID=$!
(HTTP_LISTEN=127.0.0.1:$VPNHUB_PORT DATABASE_URL=sqlite://$TMP/b.db LOG_LEVEL=warn \
  exec "$BIN" serve >"$TMP/vpnhub.log" 2>&1) &
VPNHUB_PID=$!

NGINX_URL=http://127.0.0.1:$NGINX_PORT/healthz
VPNHUB_URL=http://127.0.0.1:$VPNHUB_PORT/healthz
wait_up() {  # name url pid log
  local deadline=$((SECONDS + 20))
  until curl -fsS -o /dev/null --max-time 1 "$2" 2>/dev/null; do
    if ! kill -0 "$3" 2>/dev/null; then
      cat "$4" >&2 2>/dev/null || true
      die "$1 exited before answering $2"
    fi
    ((SECONDS < deadline)) || { cat "$4" >&2 2>/dev/null || true; die "$1 did not answer $2 within 20 s"; }
    sleep 0.1
  done
}
wait_up nginx "$NGINX_URL" "$NGINX_PID" "$TMP/nginx/stdout.log"
wait_up vpnhub "$VPNHUB_URL" "$VPNHUB_PID" "$TMP/vpnhub.log"
[[ $(curl -fsS "$VPNHUB_URL") == ok ]] || die "vpnhub /healthz did not answer 'ok'"

# utime+stime in clock ticks of a process and its direct children (nginx workers).
cpu_ticks() {
  local total=0 pid stat
  for pid in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    stat=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
    stat=${stat##*) }  # drop "pid (comm) " so fields count from state = 3
    read -r -a f <<<"$stat"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

declare -a NGINX_RPS VPNHUB_RPS NGINX_CPU VPNHUB_CPU
run_wrk() {  # name url pid -> appends to arrays, prints a line
  local name=$1 url=$2 pid=$3 out before after rps reqs cpu_us errors
  before=$(cpu_ticks "$pid")
  out=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  after=$(cpu_ticks "$pid")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  reqs=$(awk '/ requests in / {print $1}' <<<"$out")
  [[ -n $rps && -n $reqs && $reqs -gt 0 ]] || { echo "$out" >&2; die "could not parse wrk output"; }
  cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$reqs" \
    'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  errors=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | paste -sd ';' - || true)
  printf '  %-7s %12s req/s  p99 %-9s server CPU %6s us/req %s\n' "$name" "$rps" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$cpu_us" "${errors:+ [$errors]}"
  if [[ $name == nginx ]]; then
    NGINX_RPS+=("$rps"); NGINX_CPU+=("$cpu_us")
  else
    VPNHUB_RPS+=("$rps"); VPNHUB_CPU+=("$cpu_us")
  fi
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
  if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS interleaved rounds"
echo "  nginx:  $NGINX_URL (pid $NGINX_PID, 2 workers, 20-byte file)"
echo "  vpnhub: $VPNHUB_URL (pid $VPNHUB_PID, $BIN serve)"
for ((round = 1; round <= ROUNDS; round++)); do
  echo "round $round"
  if ((round % 2)); then
    run_wrk nginx "$NGINX_URL" "$NGINX_PID"
    run_wrk vpnhub "$VPNHUB_URL" "$VPNHUB_PID"
  else
    run_wrk vpnhub "$VPNHUB_URL" "$VPNHUB_PID"
    run_wrk nginx "$NGINX_URL" "$NGINX_PID"
  fi
done

N_MED=$(median "${NGINX_RPS[@]}")
V_MED=$(median "${VPNHUB_RPS[@]}")
echo "median nginx:  $N_MED req/s, $(median "${NGINX_CPU[@]}") us CPU/req"
echo "median vpnhub: $V_MED req/s, $(median "${VPNHUB_CPU[@]}") us CPU/req"
awk -v v="$V_MED" -v n="$N_MED" 'BEGIN {printf "ratio vpnhub/nginx: %.2f\n", v / n}'
