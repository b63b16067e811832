#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The layering of src/ (docs/architecture.md), checked on every file of every folder:
#   proto -> core -> os -> daemon -> config -> control -> datapath -> roles ; tools
# 1. A folder includes headers only from itself and the folders before it (tools: proto to control).
# 2. Only src/os includes operating-system headers (<sys/...>, <unistd.h>, <linux/...>, ...) or calls the C library's
#    system calls directly (::socket(, ::close(, ...): everything above goes through an os/ adapter.
# Prints every violation with FILE:LINE; exit 1 when there is one.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root/src" || exit 2

declare -A allowed=(
  [proto]="proto"
  [core]="proto core"
  [os]="proto core os"
  [daemon]="proto core os daemon"
  [config]="proto core os daemon config"
  [control]="proto core os daemon config control"
  [datapath]="proto core os daemon config control datapath"
  [roles]="proto core os daemon config control datapath roles"
  [tools]="proto core os daemon config control"
)
os_headers='sys/|linux/|netinet/|arpa/|net/|unistd\.h|fcntl\.h|poll\.h|signal\.h|pthread\.h|sched\.h|grp\.h|pwd\.h|dlfcn\.h|malloc\.h|syslog\.h|dirent\.h|ifaddrs\.h|netdb\.h|termios\.h|spawn\.h|cap-ng\.h|seccomp\.h|libmnl/|systemd/'
status=0
files=0
for dir in "${!allowed[@]}"; do
  [[ -d $dir ]] || { echo "layering: src/$dir is missing"; status=1; continue; }
  while IFS= read -r f; do
    files=$((files + 1))
    # 1. includes of project headers from folders this one may not use
    while IFS= read -r hit; do
      [[ -n $hit ]] || continue
      target=${hit#*\"}
      target=${target%%/*}
      if [[ " ${allowed[$dir]} " != *" $target "* ]]; then
        echo "layering: src/$f:${hit%%:*}: src/$dir may not include from src/$target: ${hit#*:}"
        status=1
      fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]+/' "$f")
    [[ $dir == os ]] && continue
    # 2. OS headers and raw system calls outside src/os
    while IFS= read -r hit; do
      [[ -n $hit ]] || continue
      echo "layering: src/$f:${hit%%:*}: OS header outside src/os: ${hit#*:}"
      status=1
    done < <(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($os_headers)" "$f")
    while IFS= read -r hit; do
      [[ -n $hit ]] || continue
      echo "layering: src/$f:${hit%%:*}: raw system call outside src/os: ${hit#*:}"
      status=1
    done < <(grep -nE '(^|[^A-Za-z0-9_:.>])::[a-z_][a-z0-9_]*[[:space:]]*\(' "$f")
  done < <(find "$dir" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
done
for dir in */; do
  dir=${dir%/}
  [[ -v allowed[$dir] ]] || { echo "layering: src/$dir is not a known layer (add it to tests/check_layering.sh)"; status=1; }
done
if [[ $status -eq 0 ]]; then
  echo "layering ok: $files files in ${#allowed[@]} folders (proto core os daemon config control datapath roles tools)"
fi
exit "$status"
