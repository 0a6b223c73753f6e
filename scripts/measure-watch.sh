#!/usr/bin/env bash
# Measures the learner's inner loop: the time from saving a file of a chapter to the watch's verdict.
# It copies the repository to a scratch folder, puts chapter N's reference in place of the starter (so every test
# runs to the end: the slowest verdict), starts `progress watch` there, then saves a file K times and times
# each verdict. Prints every figure and the median.
#   usage: scripts/measure-watch.sh [CHAPTER] [EDITS] [starter|solution]      (defaults: 3 10 solution)
set -euo pipefail
cd "$(dirname "$0")/.."
chapter="${1:-3}"
edits="${2:-10}"
code="${3:-solution}"
case "$chapter" in [1-9]) ;; *) echo "usage: $0 [CHAPTER] [EDITS] [starter|solution]: CHAPTER is a number, like 3" >&2; exit 2 ;; esac
case "$edits" in ''|*[!0-9]*) echo "usage: $0 [CHAPTER] [EDITS] [starter|solution]: EDITS is a whole number" >&2; exit 2 ;; esac
case "$code" in starter|solution) ;; *) echo "usage: $0 [CHAPTER] [EDITS] [starter|solution]" >&2; exit 2 ;; esac
slug=$(basename "$(ls -d chapters/0"$chapter"-*)")

scratch=$(mktemp -d)
watch_pid=""
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
# The repository as it is, without build output.
tar --exclude='./.git' --exclude='*/bin' --exclude='*/obj' --exclude='./artifacts' --exclude='./.progress' -cf - . | (cd "$scratch" && tar -xf -)
cd "$scratch"
if [ "$code" = solution ]; then
  for f in solutions/"$slug"/*.cs solutions/"$slug"/*/*.cs; do
    [ -f "$f" ] || continue
    rel=${f#solutions/"$slug"/}
    sed 1d "$f" > "chapters/$slug/$rel"   # drop the "generated" header line
  done
fi
target=$(ls chapters/"$slug"/RaftNode.Replication.cs chapters/"$slug"/RaftNode.cs 2>/dev/null | head -1)

echo "Building the progress tool and chapter $chapter's gate (not timed)..." >&2
dotnet build tools/progress -nologo -v quiet >/dev/null
log="$scratch/watch.log"
dotnet run --project tools/progress --no-build -- watch --chapter "$chapter" --no-confirm >"$log" 2>&1 &
watch_pid=$!

# Waits until the log holds verdict number $1; prints the time it appeared.
await_verdict() {
  local n=$1 deadline=$((SECONDS + 300))
  until grep -q "── verdict $n at" "$log"; do
    if [ $SECONDS -gt $deadline ]; then echo "no verdict $n within 300 s; the watch printed:" >&2; cat "$log" >&2; exit 1; fi
    if ! kill -0 "$watch_pid" 2>/dev/null; then echo "the watch stopped; it printed:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.02
  done
  date +%s.%N
}
await_verdict 1 >/dev/null
grep -q "Watching" "$log" || sleep 0.5
times=()
for i in $(seq 1 "$edits"); do
  sleep 0.5   # a learner does not save twice in the same instant
  start=$(date +%s.%N)
  printf '// edit %s\n' "$i" >> "$target"
  end=$(await_verdict $((i + 1)))
  t=$(echo "$end - $start" | bc)
  times+=("$t")
  printf 'save %2d -> verdict in %.2f s\n' "$i" "$t"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
verdict=$(grep -m1 -E 'tests pass\.' "$log" | sed 's/^ *//')
printf 'chapter %s (%s code): median save-to-verdict %.2f s over %s saves; %s; %s cores\n' "$chapter" "$code" "$median" "$edits" "$verdict" "$(nproc)"
