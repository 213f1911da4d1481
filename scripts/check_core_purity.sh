#!/usr/bin/env bash
# Fails when a file under src/core includes anything but the standard library or core itself.
set -euo pipefail
dir=${1:-src/core}
bad=$(grep -rnE '#include *[<"]' "$dir" --include='*.hpp' --include='*.cpp' |
  grep -vE '#include *"core/' | grep -E '#include *"|#include *<[a-z_0-9]+/' || true)
if [ -n "$bad" ]; then
  echo "src/core must include only the standard library and core/ headers:" >&2
  echo "$bad" >&2
  exit 1
fi
