#!/usr/bin/env bash
# GET /sub/<token> of `vpnhub serve` against nginx serving a static file of the same size, same
# machine, same run (the pattern of bench/healthz_vs_nginx.sh).
#
#   bench/subscriptions.sh [VPNHUB_BINARY]
#
# A SQLite database is made with `vpnhub migrate` and filled directly (python3's sqlite3): PERSONS
# persons (100,000) with KEYS_EACH (3) active Shadowsocks keys each, spread over servers in one
# location, and HOT (200) persons with HOT_KEYS (14) keys each, whose base64 subscription is about
# 2 KB. The tokens are computed here from the signing key (the layout of src/subscription/
# token.hpp). vpnhub runs `serve --roles http` (no health job: the servers are not real).
#
# Three measurements, printed with the same columns as healthz_vs_nginx.sh:
#   hit:  wrk picks a random token of the HOT persons (all cached after a warm-up) vs nginx
#         serving a file of the same size; the ratio of the medians and p99;
#   miss: every fetch a different person of the PERSONS (a Lua counter walks the token list, and
#         SUBSCRIPTION_CACHE_MB=1 keeps almost nothing), vs the same nginx file;
#   RSS:  of vpnhub before and after fetching every one of the PERSONS once with a cache big
#         enough for all of them (SUBSCRIPTION_CACHE_MB=2048).
#
# Environment: ROUNDS (3), DURATION (10s), CONNECTIONS (64), WRK_THREADS (2), PERSONS, KEYS_EACH,
# HOT, HOT_KEYS.
set -euo pipefail

BIN=$(realpath "${1:-build/bin/vpnhub}")
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PERSONS=${PERSONS:-100000}
KEYS_EACH=${KEYS_EACH:-3}
HOT=${HOT:-200}
HOT_KEYS=${HOT_KEYS:-14}
SIGNING_KEY=bench-signing-key-0123456789abcdef-0123456789

die() { echo "subscriptions: $*" >&2; exit 1; }
[[ -x $BIN ]] || die "no executable at '$BIN' (give the vpnhub binary as the first argument)"
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "$tool is not installed"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || die "python3 is needed"

TMP=$(mktemp -d /tmp/subscriptions_bench.XXXXXX)
NGINX_PID=""
VPNHUB_PID=""
stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$VPNHUB_PID"
  stop_pid "$NGINX_PID"
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

export DATABASE_URL=sqlite://$TMP/b.db LOG_LEVEL=warn
export SUBSCRIPTION_BASE_URL=https://sub.example.com SUBSCRIPTION_SIGNING_KEY=$SIGNING_KEY
"$BIN" migrate >/dev/null

echo "filling the database: $PERSONS persons x $KEYS_EACH keys, $HOT persons x $HOT_KEYS keys"
"$PY" - "$TMP" "$PERSONS" "$KEYS_EACH" "$HOT" "$HOT_KEYS" "$SIGNING_KEY" <<'EOF'
import base64, hashlib, hmac, json, sqlite3, struct, sys
tmp, persons, keys_each, hot, hot_keys, key = sys.argv[1], *map(int, sys.argv[2:6]), sys.argv[6]
db = sqlite3.connect(f"{tmp}/b.db")
db.execute("INSERT INTO locations (id, name) VALUES (1, 'Germany')")
ports = 65535 - 1024 + 1
total_keys = persons * keys_each + hot * hot_keys
servers = total_keys // ports + 1
for s in range(1, servers + 1):
    settings = json.dumps({"manager": "127.0.0.1:6001", "method": "chacha20-ietf-poly1305",
                           "port_from": "1024", "port_to": "65535"})
    db.execute("INSERT INTO servers (id, location_id, kind, name, settings, public_host, capacity,"
               " created_at) VALUES (?, 1, 'shadowsocks', ?, ?, ?, ?, 0)",
               (s, f"ss{s}", settings, f"ss{s}.example.com", ports))
def token(pid):
    ident = struct.pack(">Q", pid)
    mac = hmac.new(key.encode(), b"vpnhub-sub-v1" + ident + struct.pack(">Q", 0),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(ident + mac).decode().rstrip("=")
n = 0
def add(pid, count, out):
    global n
    db.execute("INSERT INTO users (id, tg_id, created_at) VALUES (?, ?, 0)", (pid, 10**9 + pid))
    for _ in range(count):
        server, slot = n // ports + 1, n % ports
        n += 1
        db.execute("INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state,"
                   " expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active',"
                   " 4102444800000, 0, 0)",
                   (pid, server, f"k{n}", slot, f"pw-{pid}-{n}-0123456789abcdef"))
    out.write(token(pid) + "\n")
with open(f"{tmp}/cold.txt", "w") as cold, open(f"{tmp}/hot.txt", "w") as hotf:
    for pid in range(1, persons + 1):
        add(pid, keys_each, cold)
    for pid in range(persons + 1, persons + hot + 1):
        add(pid, hot_keys, hotf)
db.commit()
EOF

cat >"$TMP/pick.lua" <<'EOF'
-- Picks a token per request: random from the list (mode "random") or the next one of a counter
-- that starts at a thread-specific offset (mode "walk": every fetch a different person).
local tokens = {}
local mode = os.getenv("PICK") or "random"
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
local offset = 0
local threads = 0
function setup(thread)
  thread:set("offset", threads * math.floor(#tokens / 4))
  threads = threads + 1
end
function init(args)
  math.randomseed(os.time() + (offset or 0))
  counter = offset or 0
end
request = function()
  local t
  if mode == "walk" then
    counter = counter + 1
    t = tokens[(counter % #tokens) + 1]
  else
    t = tokens[math.random(#tokens)]
  end
  return wrk.format("GET", "/sub/" .. t)
end
EOF

start_vpnhub() {  # cache MB
  (HTTP_LISTEN=127.0.0.1:$VPNHUB_PORT SUBSCRIPTION_CACHE_MB=$1 \
    exec "$BIN" serve --roles http >"$TMP/vpnhub.log" 2>&1) &
  VPNHUB_PID=$!
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$VPNHUB_PORT/healthz" 2>/dev/null; do
    kill -0 "$VPNHUB_PID" 2>/dev/null || { cat "$TMP/vpnhub.log" >&2; die "vpnhub exited"; }
    ((SECONDS < deadline)) || die "vpnhub did not answer within 30 s"
    sleep 0.1
  done
}

HOT_TOKEN=$(head -1 "$TMP/hot.txt")
start_vpnhub 2048
SIZE=$(curl -fsS "http://127.0.0.1:$VPNHUB_PORT/sub/$HOT_TOKEN" | wc -c)
((SIZE > 100)) || die "the hot subscription is only $SIZE bytes"
echo "a hot subscription: $SIZE bytes (base64)"

mkdir -p "$TMP/www/sub" "$TMP/nginx"
curl -fsS "http://127.0.0.1:$VPNHUB_PORT/sub/$HOT_TOKEN" >"$TMP/www/sub/static"
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
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    root $TMP/www;
    location /sub/ { try_files /sub/static =404; }
  }
}
EOF
(exec "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stdout.log" 2>&1) &
NGINX_PID=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/sub/x" 2>/dev/null && break; sleep 0.1; done

run_wrk() {  # label url tokens pick -> "rps p99"
  local out
  out=$(TOKENS=$3 PICK=$4 wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -s "$TMP/pick.lua" "$2")
  local rps p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd ';' - || true)
  printf '  %-14s %12s req/s  p99 %-9s %s\n' "$1" "$rps" "$p99" "$non2xx" >&2
  echo "$rps"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
  if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

VPN_URL=http://127.0.0.1:$VPNHUB_PORT
NGX_URL=http://127.0.0.1:$NGINX_PORT
# Warm-up: every hot person cached.
while read -r t; do curl -fsS -o /dev/null "$VPN_URL/sub/$t"; done <"$TMP/hot.txt"

echo "hit: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION, random tokens of $HOT cached persons"
declare -a N V
for ((round = 1; round <= ROUNDS; round++)); do
  N+=("$(run_wrk nginx "$NGX_URL" "$TMP/hot.txt" random)")
  V+=("$(run_wrk vpnhub-hit "$VPN_URL" "$TMP/hot.txt" random)")
done
echo "hit median: nginx $(median "${N[@]}") req/s, vpnhub $(median "${V[@]}") req/s"
awk -v v="$(median "${V[@]}")" -v n="$(median "${N[@]}")" 'BEGIN {printf "hit ratio vpnhub/nginx: %.2f\n", v / n}'

echo "RSS with every one of $PERSONS persons cached"
rss() { awk '/^VmRSS/ {print $2 " kB"}' /proc/"$VPNHUB_PID"/status; }
echo "  before: $(rss)"
TOKENS=$TMP/cold.txt PICK=walk wrk -t1 -c16 -d600s -s "$TMP/pick.lua" "$VPN_URL" >/dev/null &
WRK_PID=$!
# Stop once about PERSONS fetches are done (the walk covers every token once).
deadline=$((SECONDS + 600))
while ((SECONDS < deadline)); do
  done_n=$(curl -fsS "http://127.0.0.1:$VPNHUB_PORT/metrics" |
    awk '/^vpnhub_subscription_fetches_total\{outcome="miss"\}/ {print int($2)}')
  ((${done_n:-0} >= PERSONS + HOT)) && break
  sleep 1
done
kill "$WRK_PID" 2>/dev/null || true
wait "$WRK_PID" 2>/dev/null || true
echo "  after $done_n misses: $(rss)"
stop_pid "$VPNHUB_PID"
VPNHUB_PID=""

echo "miss: every fetch a different person of $PERSONS, SUBSCRIPTION_CACHE_MB=1"
start_vpnhub 1
declare -a NM VM
for ((round = 1; round <= ROUNDS; round++)); do
  NM+=("$(run_wrk nginx "$NGX_URL" "$TMP/cold.txt" walk)")
  VM+=("$(run_wrk vpnhub-miss "$VPN_URL" "$TMP/cold.txt" walk)")
done
echo "miss median: nginx $(median "${NM[@]}") req/s, vpnhub $(median "${VM[@]}") req/s"
awk -v v="$(median "${VM[@]}")" -v n="$(median "${NM[@]}")" 'BEGIN {printf "miss ratio vpnhub/nginx: %.2f\n", v / n}'
