#!/usr/bin/env bash
# Seeds the Keras dataset cache from a folder of offline copies.
#
# Copies SOURCE_DIR/* (default: ../shared/datasets beside the repo) into
# ${KERAS_HOME:-$HOME/.keras}/datasets/, keeping the fashion-mnist/ subfolder,
# so that keras.datasets.*.load_data() works without a network. Files already
# present with the same bytes are left alone, so running it twice is harmless.
#
# Usage: scripts/seed_datasets.sh [SOURCE_DIR]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="${1:-$repo_root/../shared/datasets}"
target_dir="${KERAS_HOME:-$HOME/.keras}/datasets"

if [[ ! -d "$source_dir" ]]; then
    echo "seed_datasets: source folder not found: $source_dir (expected a folder holding the files as Keras names them, e.g. mnist.npz)" >&2
    exit 1
fi

copied=0
kept=0
while IFS= read -r -d '' src; do
    rel="${src#"$source_dir"/}"
    dest="$target_dir/$rel"
    if [[ -f "$dest" ]] && cmp -s "$src" "$dest"; then
        kept=$((kept + 1))
        continue
    fi
    mkdir -p "$(dirname "$dest")"
    # Copy to a temporary name, then rename: never a half-written file.
    tmp="$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")"
    cp "$src" "$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$dest"
    copied=$((copied + 1))
done < <(find "$source_dir" -type f ! -name 'README*' ! -name '.*' -print0)

echo "seed_datasets: $copied copied, $kept already up to date, in $target_dir"
