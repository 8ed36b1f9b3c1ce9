#!/usr/bin/env bash
# `npm test`: infrastructure, lint, type check, proto lint, then every vitest
# project. Runs every step even after a failure so one run shows everything;
# the last line is always `N passed, N failed`, and the exit status is non-zero
# when any step failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
results=.vitest-results.json
failed_steps=()

step() {
  local name=$1
  shift
  echo "==> $name"
  if ! "$@"; then failed_steps+=("$name"); fi
}

if ! bash scripts/ensure-deps.sh; then
  echo "The dependencies could not be installed (npm ci)"
  echo "0 passed, 0 failed"
  exit 1
fi

if ! bash scripts/ensure-infra.sh; then
  echo "PostgreSQL or NATS is not available; see DEVELOPERS.md"
  echo "0 passed, 0 failed"
  exit 1
fi

step 'biome check' npx biome check .
step 'tsc' npx tsc -p tsconfig.json
step 'tsc web' npx tsc -p web/tsconfig.json
step 'buf lint' bash -c 'cd proto && npx buf lint'

rm -f "$results"
# A hard ceiling keeps a hung test from holding CI: the whole run stays under 20 minutes.
step 'vitest' timeout --kill-after=10s 1020s \
  npx vitest run --reporter=default --reporter=json --outputFile="$results"

if [ ${#failed_steps[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "$(IFS=,; echo "${failed_steps[*]}" | sed 's/,/, /g')"
fi

summary=$(node -e '
  const fs = require("node:fs");
  if (!fs.existsSync(process.argv[1])) {
    console.error("vitest wrote no results");
    console.log("0 passed, 0 failed");
    process.exit(0);
  }
  const report = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  // A file that fails to load counts as a failed suite with no failed test in it.
  if (report.numFailedTestSuites > 0) console.error(`${report.numFailedTestSuites} test file(s) or suite(s) failed`);
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);
' "$results")
echo "$summary"

[ ${#failed_steps[@]} -eq 0 ]
