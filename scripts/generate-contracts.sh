#!/usr/bin/env bash
# Lints proto/ and regenerates the TypeScript contracts from it.
#   scripts/generate-contracts.sh [output folder]
# The output folder defaults to packages/contracts/src/gen, which is emptied
# first so that code for deleted .proto files disappears with them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/packages/contracts/src/gen}
mkdir -p "$out"
out=$(cd "$out" && pwd)
buf="$root/node_modules/.bin/buf"

cd "$root/proto"
"$buf" lint

# buf.gen.yaml names its output relative to proto/ (../packages/contracts/src/gen);
# generating under a scratch proto/ folder keeps that one template for every target.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/proto"
"$buf" generate -o "$scratch/proto"

find "$out" -mindepth 1 -delete
cp -R "$scratch/packages/contracts/src/gen/." "$out/"
