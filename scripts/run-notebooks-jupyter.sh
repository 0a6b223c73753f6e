#!/usr/bin/env bash
# Runs every notebook through real Jupyter (nbconvert with the .NET C# kernel) against the reference solutions, and
# fails if any cell errors or prints a warning. The test command runs the same notebooks in process; this checks what
# a learner sees in Jupyter or VS Code. It installs what it needs on a fresh Debian machine (as root):
#   jupyter-nbconvert, jupyter-client and python3-ipykernel from Debian, dotnet-interactive from the tool manifest.
#   usage: scripts/run-notebooks-jupyter.sh [NOTEBOOK...]      (default: every notebooks/*.ipynb)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v jupyter >/dev/null 2>&1 || ! jupyter nbconvert --version >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "Jupyter is not installed: apt-get install jupyter-nbconvert jupyter-client python3-ipykernel (as root), then run this again." >&2
    exit 1
  fi
  echo "Installing Jupyter from Debian's packages..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jupyter-nbconvert jupyter-client python3-ipykernel >/dev/null
fi
dotnet tool restore >/dev/null
if ! jupyter kernelspec list 2>/dev/null | grep -q '\.net-csharp'; then
  dotnet tool run dotnet-interactive -- jupyter install >/dev/null
fi

# The notebooks load the learner's chapters/; here they load the reference, built first.
for dir in solutions/*/; do dotnet build "$dir" -nologo -v quiet >/dev/null; done
# Inside the repository, so the kernel's `dotnet interactive` finds the tool manifest (.config/dotnet-tools.json).
out="$root/artifacts/jupyter"
rm -rf "$out" && mkdir -p "$out"
notebooks=("$@")
[ ${#notebooks[@]} -gt 0 ] || notebooks=(notebooks/*.ipynb)
failed=0
for nb in "${notebooks[@]}"; do
  name=$(basename "$nb")
  sed "s|\.\./chapters/|$root/solutions/|g" "$nb" > "$out/$name"
  start=$(date +%s)
  if ! (cd "$out" && timeout 600 jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
        --output "run-$name" "$name" >"$out/$name.log" 2>&1); then
    echo "FAIL $name: a cell failed"; tail -20 "$out/$name.log"; failed=1; continue
  fi
  problems=$(python3 - "$out/run-$name" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1], encoding="utf-8"))
for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
    for o in cell.get("outputs", []):
        text = "".join(o.get("text", "")) if o.get("output_type") == "stream" else ""
        if o.get("output_type") == "error":
            print(f"code cell {i + 1}: {o.get('ename')}: {o.get('evalue')}")
        elif o.get("output_type") == "stream" and (o.get("name") == "stderr" or "warning" in text.lower()):
            print(f"code cell {i + 1} printed: {text.strip()[:300]}")
        for v in (o.get("data") or {}).values():
            s = "".join(v) if isinstance(v, list) else str(v)
            if "warning CS" in s or "error CS" in s:
                print(f"code cell {i + 1} shows a compiler message: {s.strip()[:300]}")
PY
)
  if [ -n "$problems" ]; then
    echo "FAIL $name ($(( $(date +%s) - start )) s):"; echo "$problems"; failed=1
  else
    echo "ok   $name ($(( $(date +%s) - start )) s)"
  fi
done
exit $failed
