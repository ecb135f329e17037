#!/usr/bin/env bash
# Records a large real MPTCP capture for benchmarks (not committed):
#
#   benches/make-big-capture.sh OUT.pcap [SECONDS] [SNAPLEN]
#
# Two network namespaces joined by two veth pairs, the client with a `subflow` endpoint on its
# second address; a bulk MPTCP transfer in both directions for SECONDS (default 20), plus a
# short connection every 10 ms, captured with tcpdump on both client interfaces (SNAPLEN,
# default 128) and merged by time. Everything it creates is removed on exit; all traffic stays
# inside its namespaces. Needs root, MPTCP, iproute2, tcpdump, mergecap, python3.
set -euo pipefail
out=${1:?usage: make-big-capture.sh OUT.pcap [SECONDS] [SNAPLEN]}
secs=${2:-20}
snap=${3:-128}
[ "$(id -u)" = 0 ] || { echo "make-big-capture: must run as root" >&2; exit 1; }
tag="mptcpstat-bench-$$"
cli="$tag-c" srv="$tag-s"
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$cli" 2>/dev/null || true
	ip netns del "$srv" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$cli"
ip netns add "$srv"
for ns in "$cli" "$srv"; do ip -n "$ns" link set lo up; done
for i in 1 2; do
	ip -n "$cli" link add "vc$i" type veth peer name "vs$i" netns "$srv"
	# Wire-sized segments in the capture, as on a real link.
	ip -n "$cli" link set "vc$i" gso_max_segs 1
	ip -n "$srv" link set "vs$i" gso_max_segs 1
	ip -n "$cli" addr add "10.0.$i.1/24" dev "vc$i"
	ip -n "$srv" addr add "10.0.$i.2/24" dev "vs$i"
	ip -n "$cli" link set "vc$i" up
	ip -n "$srv" link set "vs$i" up
done
for ns in "$cli" "$srv"; do ip -n "$ns" mptcp limits set subflows 2 add_addr_accepted 2; done
ip -n "$cli" mptcp endpoint add 10.0.2.1 dev vc2 subflow

cat >"$work/peer.py" <<'PY'
import socket, sys, threading, time
IPPROTO_MPTCP = 262
role, secs = sys.argv[1], float(sys.argv[2])
chunk = b"m" * 65536
def bulk(s, until):
    # Both directions at once: one thread sends, this one reads.
    def send():
        while time.time() < until:
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    while s.recv(1 << 20):
        pass
    t.join()
    s.close()
if role == "server":
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.0.1.2", 5201))
    ls.listen(128)
    first = True
    while True:
        c, _ = ls.accept()
        if first:
            first = False
            threading.Thread(target=bulk, args=(c, time.time() + secs)).start()
        else:
            c.recv(100); c.sendall(b"bye"); c.close()
else:
    until = time.time() + secs
    b = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    b.connect(("10.0.1.2", 5201))
    threading.Thread(target=bulk, args=(b, until)).start()
    while time.time() < until:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
        c.connect(("10.0.1.2", 5201))
        c.sendall(b"hello"); c.recv(100); c.close()
        time.sleep(0.01)
PY

for i in 1 2; do
	ip netns exec "$cli" tcpdump -i "vc$i" -s "$snap" -B 65536 -U -w "$work/vc$i.pcap" tcp 2>"$work/tcpdump$i.err" &
	pids+=($!)
done
sleep 1
ip netns exec "$srv" python3 "$work/peer.py" server "$secs" &
pids+=($!)
sleep 0.5
ip netns exec "$cli" timeout $((secs + 30)) python3 "$work/peer.py" client "$secs"
sleep 2
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
cat "$work"/tcpdump*.err >&2
mergecap -F pcap -s "$snap" -w "$out" "$work/vc1.pcap" "$work/vc2.pcap"
ls -l "$out"
