#!/usr/bin/env bash
# Installs Lamina (and, with --test, its test dependencies) on a fresh machine.
# torch==2.13.0 goes first so that no other requirement pulls a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
if [ "${1:-}" = "--test" ]; then extras="[test]"; fi
python -m pip install -q --disable-pip-version-check "torch==2.13.0"
python -m pip install -q --disable-pip-version-check -e ".${extras}"
if [ -f scripts/seed_datasets.sh ]; then bash scripts/seed_datasets.sh; fi
