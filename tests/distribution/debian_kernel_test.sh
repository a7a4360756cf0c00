#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The integration tests whose outcome depends on the kernel's configuration,
# once more on Debian 12's own kernel (scripts/on-debian-kernel, a VM): the
# nftables backend's stateful rules (connection tracking in the bridge
# family), also where br_netfilter hands bridged packets to iptables, a
# network's <bandwidth> (tc's htb, sfq, ingress and police), and
# the nftables table of a kernel without the persist flag (before 6.9),
# a plain one, which must stay in force while the daemon restarts, which
# the firewall guard must put back after others change it, and whose
# periodic check must count a repair only when it put something back; and
# the two backends giving every frame the same fate with the stateful rules
# too (the differential tests). Where the build
# machine's kernel lacks these, the same tests only check the refusal or
# skip; here every one of them must run for real.
#
#   debian_kernel_test.sh SOURCE_DIR INTEGRATION_TESTS
set -uo pipefail
source_dir=$1
integration_tests=$2
tests=(
    "Backends/Packets.Layer4RulesForIpv4AndIpv6/Nftables"
    "Backends/Packets.Layer4RulesHoldWithBrNetfilter/Nftables"
    "Backend/NetworkTest.BandwidthLimitsTheWholeNetwork/iptables"
    "Backend/NetworkTest.BandwidthLimitsTheWholeNetwork/nftables"
    "NftablesBackend.ForeignFlushesAndRestartsLeaveGuestsFiltered"
    "GuardTest.ForeignChangesAreRepaired"
    "GuardTest.PeriodicChecksRepair"
    "DaemonTest.SighupAndRestartRestoreRules"
    "Differential.LibvirtConformanceFilters"
    "Differential.BuiltinFiltersAndLearningSets"
)
filter=$(IFS=:; echo "${tests[*]}")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The daemon-level tests with the nftables backend (the others name theirs).
"$source_dir/scripts/on-debian-kernel" -- env VNETFILTER_TEST_NWFILTER_BACKEND=nftables \
    "$integration_tests" --gtest_filter="$filter" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" = 77 ] && exit 77
fail() { echo "debian_kernel_test: $*" >&2; exit 1; }
[ "$status" = 0 ] || fail "the tests failed on Debian's kernel (exit status $status)"
grep -q "^\[  PASSED  \] ${#tests[@]} tests\." "$log" || fail "not all ${#tests[@]} tests ran and passed"
! grep -q "SKIPPED" "$log" || fail "a test skipped on Debian's kernel, which has what it needs"
! grep -q "this kernel lacks" "$log" || fail "a test found the kernel lacking what Debian's kernel has"
grep -q "the table is a plain one, guarded" "$log" || fail "the nftables table was not the plain one of a kernel before 6.9"
echo "debian_kernel_test: ${#tests[@]} tests passed on Debian's kernel"
