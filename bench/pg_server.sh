# Sourced by the bench scripts: starts a throwaway PostgreSQL 15 (initdb into a temporary folder,
# loopback port, fsync on as in production, synchronous_commit from PG_SYNCHRONOUS_COMMIT, on by
# default), creates the database vpnhub and sets $url to it; stopped and deleted on exit. As root
# the cluster belongs to the postgres user (initdb refuses root). Sets $dir (the folder).
pgbin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/vpnhub-pgbench-XXXXXX)
as=()
if [[ $(id -u) == 0 ]]; then chown postgres "$dir"; as=(runuser -u postgres --); fi
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$dir/data" -U vpnhub --auth=trust -E UTF8 --locale=C >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c synchronous_commit=${PG_SYNCHRONOUS_COMMIT:-on}" start >/dev/null
"${as[@]}" "$pgbin/psql" -h 127.0.0.1 -p "$port" -U vpnhub -d postgres -qc "CREATE DATABASE vpnhub"
url="postgresql://vpnhub@127.0.0.1:$port/vpnhub"
