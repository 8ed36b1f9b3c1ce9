#!/usr/bin/env bash
# `npm test`: infrastructure, lint, type check, proto lint, then every vitest
# project. Runs every step even after a failure so one run shows everything;
# the last line is always `N passed, N failed`, and the exit status is non-zero
# when any step failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
results=.vitest-results.json

# The budget: the whole run ends within 20 minutes of its start. .ci/run passes
# when it began (before its own npm ci) in HUDDLE_RUN_STARTED; run alone, the
# run starts here. Vitest gets whatever the budget has left when it starts,
# less half a minute for killing it and the summary.
budget_seconds=1200
started=${HUDDLE_RUN_STARTED:-$(date +%s)}
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
# A hard ceiling keeps a hung test from holding CI past the budget.
ceiling=$((started + budget_seconds - 30 - $(date +%s)))
if [ "$ceiling" -lt 1 ]; then ceiling=1; fi
echo "(vitest may take ${ceiling} s of the run's ${budget_seconds} s budget)"
step 'vitest' timeout --kill-after=10s "${ceiling}s" \
  npx vitest run --reporter=default --reporter=json --outputFile="$results"

if [ ${#failed_steps[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "$(IFS=,; echo "${failed_steps[*]}" | sed 's/,/, /g')"
fi

summary=$(node -e '
  const fs = require("node:fs");
  if (!fs.existsSync(process.argv[1])) {
    // Killed at its ceiling, or crashed: no test is known to have passed, and the run failed.
    console.error("vitest wrote no results");
    console.log("0 passed, 1 failed");
    process.exit(0);
  }
  const report = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  // A file that fails to load, or whose beforeAll fails, has no failed test in it (its tests are
  // reported skipped): it counts as one failed test, so the last line never says 0 failed then.
  const broken = report.testResults.filter(
    (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
  );
  if (report.numFailedTestSuites > 0) console.error(`${report.numFailedTestSuites} test file(s) or suite(s) failed`);
  for (const file of broken) console.error(`failed before any of its tests: ${file.name}`);
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests + broken.length} failed`);
' "$results")
echo "$summary"

[ ${#failed_steps[@]} -eq 0 ]
