#!/usr/bin/env bash
# Installs the Debian 12 packages VPNHub needs to build, test and benchmark. Idempotent: apt runs
# only when something is missing. Usage: scripts/setup.sh [--no-test-deps]
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libboost-dev libboost-system-dev libsqlite3-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libssl-dev libcurl4-openssl-dev
  libqrencode-dev libpng-dev libpq-dev libnats-dev libsodium-dev libyaml-cpp-dev)
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev shadowsocks-libev curl python3 procps
  sqlite3 wrk nginx-light bc postgresql postgresql-client-15 nats-server
  wireguard-go wireguard-tools iproute2 openssl v2ray python3-grpcio python3-yaml)

want=("${build_pkgs[@]}")
if [ "${1:-}" != "--no-test-deps" ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#want[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
