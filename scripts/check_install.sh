#!/usr/bin/env bash
# Installs Lamina as a user would, into a fresh virtual environment, and
# checks what came with it: ./scripts/check_install.sh
#
# 1. `pip install torch==2.13.0` (the pinned torch), then `pip install .`
#    (a regular, non-editable install), with pip's install report.
# 2. The report must list no torch and none of the CUDA/Triton packages a
#    second torch build would bring: the torch range in pyproject.toml is
#    satisfied by the pinned torch.
# 3. `import lamina; lamina.version()` from outside the source tree gives
#    the version in the installed metadata, from the installed copy.
#
# Needs the package index (for numpy, h5py and the build backend). Exits 0
# when every check passes, else non-zero with one line saying which failed.
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

fail() {
    echo "check_install: $*" >&2
    exit 1
}

python=python
command -v "$python" >/dev/null 2>&1 || python=python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

"$python" -m venv "$work/venv" || fail "could not create a virtual environment"
py="$work/venv/bin/python"
pip=("$py" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "torch==2.13.0" || fail "pip could not install torch==2.13.0"
"${pip[@]}" --report "$work/report.json" "$repo" \
    || fail "pip could not install Lamina into a fresh venv"

"$py" - "$work/report.json" <<'EOF' || fail "installing Lamina pulled another torch build (see above)"
import json
import sys

with open(sys.argv[1]) as f:
    report = json.load(f)
names = sorted(item["metadata"]["name"].lower() for item in report["install"])
print("check_install: pip install . added:", ", ".join(names))
extra = [n for n in names
         if n == "torch" or n.startswith(("nvidia-", "triton"))]
if extra:
    print("check_install: unexpected packages:", ", ".join(extra))
    sys.exit(1)
EOF

cd "$work" || fail "cannot enter $work"
"$py" - "$work/venv" <<'EOF' || fail "the installed Lamina does not import or report its version"
import importlib.metadata
import os
import sys

import lamina
import torch

installed = importlib.metadata.version("lamina")
assert lamina.version() == lamina.__version__ == installed, (
    lamina.version(), lamina.__version__, installed)
assert os.path.realpath(lamina.__file__).startswith(
    os.path.realpath(sys.argv[1])), lamina.__file__
assert torch.__version__.split("+")[0] == "2.13.0", torch.__version__
print(f"check_install: lamina {installed} on torch {torch.__version__}, "
      f"from {os.path.dirname(lamina.__file__)}")
EOF
echo "check_install: passed in $((SECONDS - start)) s"
