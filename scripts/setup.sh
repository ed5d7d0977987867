#!/usr/bin/env bash
# Sets Lamina up on a fresh machine: ./scripts/setup.sh [--test]
#
# 1. torch: a torch in the supported range (pyproject.toml) that is already
#    installed is kept; otherwise torch==2.13.0 is installed first, on its
#    own, so that no later requirement pulls a different torch build. Set
#    TORCH_INDEX_URL to take it from another index, e.g. PyTorch's CPU-only
#    one: TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# 2. Lamina in editable mode; with --test also the `test` extra (pytest, the
#    Keras 3 reference used by the parity tests, and the optional packages
#    the tests exercise).
# 3. The Keras dataset cache ($KERAS_HOME/datasets, default
#    ~/.keras/datasets) is seeded from an offline copy when one exists
#    (../shared/datasets beside the repository, or LAMINA_DATASETS); without
#    one, the datasets are downloaded on first use, hash-checked, as in Keras.
#
# Exits 0 when Lamina is installed; a real failure (pip failing, a bad
# argument) exits non-zero with one line saying what failed.
set -uo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "setup: $*" >&2
    exit 1
}

extras=""
case "${1:-}" in
    "") ;;
    --test) extras="[test]" ;;
    *) fail "unknown argument '$1' (expected nothing or --test)" ;;
esac

python=python
command -v "$python" >/dev/null 2>&1 || python=python3
command -v "$python" >/dev/null 2>&1 || fail "no python or python3 on PATH"
"$python" -m pip --version >/dev/null 2>&1 \
    || fail "pip is not available for $("$python" -c 'import sys; print(sys.executable)')"
pip=("$python" -m pip install -q --disable-pip-version-check)

# The range pyproject.toml declares for torch (kept in step by
# tests/test_packaging.py).
torch_ok=$("$python" - <<'EOF' 2>/dev/null
import torch
major, minor = (int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
print("yes" if (2, 13) <= (major, minor) < (2, 14) else "no")
EOF
)
if [ "$torch_ok" = "yes" ]; then
    echo "setup: keeping the installed torch $("$python" -c 'import torch; print(torch.__version__)')"
else
    index=()
    if [ -n "${TORCH_INDEX_URL:-}" ]; then index=(--index-url "$TORCH_INDEX_URL"); fi
    "${pip[@]}" "${index[@]}" "torch==2.13.0" \
        || fail "pip could not install torch==2.13.0 (its message is above)"
fi

"${pip[@]}" -e ".${extras}" \
    || fail "pip could not install Lamina${extras} (its message is above)"
echo "setup: Lamina${extras} installed from $(pwd)"

datasets="${LAMINA_DATASETS:-../shared/datasets}"
if [ -d "$datasets" ]; then
    bash scripts/seed_datasets.sh "$datasets" \
        || fail "copying the offline datasets from $datasets failed"
else
    echo "setup: no offline dataset folder ($datasets); keras.datasets will download each dataset on first use"
fi
