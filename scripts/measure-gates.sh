#!/usr/bin/env bash
# Measures how long each chapter's gate takes to run once it is built: the figure a learner feels
# when they run `dotnet test tests/NN-*` again after a small change. Usage: scripts/measure-gates.sh [chapters|solutions]
set -euo pipefail
cd "$(dirname "$0")/.."
against="${1:-solutions}"
case "$against" in chapters|solutions) ;; *) echo "usage: $0 [chapters|solutions]" >&2; exit 2 ;; esac
for dir in tests/[0-9][0-9]-*/; do
  slug=$(basename "$dir")
  dotnet build "$dir" -p:Against="$against" -nologo -v quiet >/dev/null
  start=$(date +%s.%N)
  dotnet test "$dir" -p:Against="$against" --no-build -nologo -v quiet >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  printf '%-24s %5.1f s  (dotnet test --no-build, against %s)\n' "$slug" "$(echo "$end - $start" | bc)" "$against"
done
