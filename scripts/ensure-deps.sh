#!/usr/bin/env bash
# Installs the locked dependencies (npm ci) when they are missing or older than
# package-lock.json, so `npm start` and `npm test` work on a fresh clone and
# after a pull that changed them. Silent when they are up to date.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm writes node_modules/.package-lock.json last when an install completes.
installed=node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ package-lock.json -nt "$installed" ]; then
  echo "Installing dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi
