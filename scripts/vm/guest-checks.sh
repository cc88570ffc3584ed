#!/usr/bin/env bash
# What test/vm runs in each guest (scripts/vm/run-guest's default command), from the checkout:
#   1. how long `node -e 1` takes (emulation is 10-30x slower than the host; this is the unit),
#   2. the sandbox suite, exactly as developers run it (node scripts/run-tests.mjs test/sandbox),
#      after starting the host's Redis and PostgreSQL in the guest (scripts/vm/guest-services.sh:
#      one test proves that they are unreachable from inside the sandbox),
#   3. a served end-to-end submission (scripts/vm/guest-e2e.mjs).
# Every step runs even when an earlier one fails, so one boot reports everything; the exit code is
# non-zero if any failed. Lines starting "vm-check:" are what test/vm/cgroup-hosts.vm.test.ts reads.
#
# Each step has its own bound, about ten times what it takes in a guest on an idle machine (the suite
# ~1-2 min, the submission under 1 min): a sandbox that cannot start its runs makes some tests wait
# for the runner's 15-minute test timeout, and one such guest must not hold CI for half an hour.
# timeout(1) signals the step's whole process group, so the test runner's children go too.
set -uo pipefail
cd "$(dirname "$0")/../.."

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Where this process stands, so a failure report shows the cgroup arrangement it met.
echo "vm-check: cgroup $(tr '\n' ' ' </proc/self/cgroup)"
echo "vm-check: mounts $(awk '$3 ~ /^cgroup/ { printf "%s(%s) ", $2, $3 }' /proc/self/mounts)"

failed=0
t=$(now)
node -e 1
echo "vm-check: node -e 1 exit $? in $(since "$t")s"

t=$(now)
bash scripts/vm/guest-services.sh
echo "vm-check: services exit $? in $(since "$t")s"

t=$(now)
timeout --kill-after=30 600 node scripts/run-tests.mjs test/sandbox
rc=$?
[ "$rc" -ne 124 ] || echo "vm-check: the sandbox suite did not finish within 600s; stopped"
echo "vm-check: sandbox suite exit $rc in $(since "$t")s"
[ "$rc" -eq 0 ] || failed=1

t=$(now)
timeout --kill-after=30 720 node scripts/vm/guest-e2e.mjs
rc=$?
[ "$rc" -ne 124 ] || echo "vm-check: the served submission did not finish within 720s; stopped"
echo "vm-check: e2e exit $rc in $(since "$t")s"
[ "$rc" -eq 0 ] || failed=1
exit "$failed"
