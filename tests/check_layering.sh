#!/usr/bin/env bash
# Fails when a file under src/proto or src/core includes an OS header or an os/ header
# (architecture.md 7.2: the protocol core has no I/O).
set -u
root=${1:-$(dirname "$0")/..}
bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](sys/|linux/|netinet/|arpa/|net/|unistd\.h|fcntl\.h|poll\.h|signal\.h|pthread\.h|os/|daemon/)' \
  "$root"/src/proto/* "$root"/src/core/* 2>/dev/null)
if [ -n "$bad" ]; then
  echo "layering violation: OS or os/ headers included from proto/ or core/:"
  echo "$bad"
  exit 1
fi
n=$(ls "$root"/src/proto/* "$root"/src/core/* | wc -l)
echo "layering ok: $n files in src/proto and src/core include no OS headers"
