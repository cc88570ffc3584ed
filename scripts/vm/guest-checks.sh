#!/usr/bin/env bash
# What test/vm runs in each guest (scripts/vm/run-guest's default command), from the checkout:
#   1. how long `node -e 1` takes (emulation is 10-30x slower than the host; this is the unit),
#   2. the sandbox suite, exactly as developers run it (node scripts/run-tests.mjs test/sandbox),
#      after starting the host's Redis and PostgreSQL in the guest (scripts/vm/guest-services.sh:
#      one test proves that they are unreachable from inside the sandbox),
#   3. a served end-to-end submission (scripts/vm/guest-e2e.mjs).
# Every step runs even when an earlier one fails, so one boot reports everything; the exit code is
# non-zero if any failed. Lines starting "vm-check:" are what test/vm/cgroup-hosts.vm.test.ts reads.
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
node scripts/run-tests.mjs test/sandbox
rc=$?
echo "vm-check: sandbox suite exit $rc in $(since "$t")s"
[ "$rc" -eq 0 ] || failed=1

t=$(now)
node scripts/vm/guest-e2e.mjs
rc=$?
echo "vm-check: e2e exit $rc in $(since "$t")s"
[ "$rc" -eq 0 ] || failed=1
exit "$failed"
