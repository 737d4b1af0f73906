#!/usr/bin/env bash
# The whole suite N times in a row (default 5) with a CPU-bound process beside it: a test that depends on
# timing or sampling shows up here, not at random in CI. Stops at the first failing run.
#   bash scripts/suite_under_load.sh [N] [pytest arguments...]
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
shift || true
python3 -c "
while True:
    sum(i * i for i in range(10**6))
" &
burner=$!
trap 'kill $burner 2>/dev/null' EXIT
for n in $(seq 1 "$runs"); do
    started=$(date +%s)
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@" > "/tmp/suite-under-load-$n.log" 2>&1
    code=$?
    echo "run $n of $runs: exit $code in $(( $(date +%s) - started )) s: $(tail -1 "/tmp/suite-under-load-$n.log")"
    if [ "$code" -ne 0 ]; then
        echo "failed; the log is /tmp/suite-under-load-$n.log"
        exit "$code"
    fi
done
echo "the suite passed $runs times in a row beside a CPU-bound process"
