#!/usr/bin/env bash
# Times `mptcpstat conns --json` against `ss -Mni` + `ss -tni` (what a person runs to see the
# same connections, local and remote tokens and subflows) with N MPTCP connections open in a
# network namespace. A benchmark, not a test: it prints the numbers and the ratio.
#
#   sudo benches/conns-vs-ss.sh [N] [RUNS]      (defaults: 10000 connections, 10 runs)
#
# Layout: namespaces client and server joined by two veth pairs (10.0.1.0/24, 10.0.2.0/24);
# the client has a `subflow` endpoint on 10.0.2.1, so every connection gets an MP_JOIN
# subflow: N MPTCP sockets and 2N subflows in the client namespace, where the tools are
# timed. Everything is created in namespaces named mptcpstat-bench-*-$$ and removed on exit.
set -euo pipefail

N=${1:-10000}
RUNS=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CLI=mptcpstat-bench-c-$$
SRV=mptcpstat-bench-s-$$
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    ip netns del "$CLI" 2>/dev/null || true
    ip netns del "$SRV" 2>/dev/null || true
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "conns-vs-ss: run as root (namespaces)" >&2; exit 1; }

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
BIN=$ROOT/target/release/mptcpstat

ip netns add "$CLI"
ip netns add "$SRV"
ip -n "$CLI" link set lo up
ip -n "$SRV" link set lo up
ip link add c1 netns "$CLI" type veth peer name s1 netns "$SRV"
ip link add c2 netns "$CLI" type veth peer name s2 netns "$SRV"
ip -n "$CLI" addr add 10.0.1.1/24 dev c1
ip -n "$SRV" addr add 10.0.1.2/24 dev s1
ip -n "$CLI" addr add 10.0.2.1/24 dev c2
ip -n "$SRV" addr add 10.0.2.2/24 dev s2
for l in c1 c2; do ip -n "$CLI" link set "$l" up; done
for l in s1 s2; do ip -n "$SRV" link set "$l" up; done
for ns in "$CLI" "$SRV"; do
    ip -n "$ns" mptcp limits set subflows 1 add_addr_accepted 0
    # Room for N connections and their joins.
    ip netns exec "$ns" sysctl -qw net.core.somaxconn=8192 net.ipv4.tcp_max_syn_backlog=8192
done
ip -n "$CLI" mptcp endpoint add 10.0.2.1 dev c2 subflow

ulimit -n $((N + 1024))
FIFO_S=$(mktemp -u)
FIFO_C=$(mktemp -u)
mkfifo "$FIFO_S" "$FIFO_C"
ip netns exec "$SRV" python3 "$HERE/mptcp_conns.py" server 10.0.1.2 5201 "$N" > "$FIFO_S" &
PIDS+=($!)
exec 3< "$FIFO_S"
read -r line <&3   # listening
ip netns exec "$CLI" python3 "$HERE/mptcp_conns.py" client 10.0.1.2 5201 "$N" > "$FIFO_C" &
PIDS+=($!)
exec 4< "$FIFO_C"
read -r line <&4   # client: all connected
read -r line <&3   # server: all accepted
rm -f "$FIFO_S" "$FIFO_C"

# Wait for the path manager to open every join.
for _ in $(seq 1 600); do
    subflows=$(ss -N "$CLI" -Htn state established | wc -l)
    [ "$subflows" -ge $((2 * N)) ] && break
    sleep 0.5
done
msk=$(ss -N "$CLI" -HMn | wc -l)
echo "client namespace: $msk MPTCP connections, $subflows TCP subflows"

# Wall time in microseconds of one run of "$@", output discarded.
time_us() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
}

# Median and minimum, in ms, of the microsecond numbers on stdin.
stats() {
    sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f %.1f\n", m/1000, a[1]/1000}'
}

ss_both() {
    ss -N "$CLI" -Mni
    ss -N "$CLI" -tni
}
mptcpstat_conns() {
    "$BIN" conns --json --netns "$CLI"
}

# Check that the runs see what they should before timing them.
listed=$("$BIN" conns --json --netns "$CLI" | python3 -c \
    'import json,sys; d=json.load(sys.stdin)["connections"]; print(len(d), sum(len(c["subflows"]) for c in d))')
echo "mptcpstat conns --json lists: $listed (connections, subflows)"

# Alternate the two so that both see the same machine load.
OURS=()
THEIRS=()
for _ in $(seq 1 "$RUNS"); do
    OURS+=("$(time_us mptcpstat_conns)")
    THEIRS+=("$(time_us ss_both)")
done
read -r ours ours_min < <(printf '%s\n' "${OURS[@]}" | stats)
read -r theirs theirs_min < <(printf '%s\n' "${THEIRS[@]}" | stats)
echo "$RUNS runs each, alternating; median (minimum):"
echo "  mptcpstat conns --json        ${ours} ms (${ours_min})"
echo "  ss -Mni + ss -tni             ${theirs} ms (${theirs_min})   (ss -N NS, like --netns)"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "  ratio of medians (ss / mptcpstat)  %.2fx\n", b / a }'
