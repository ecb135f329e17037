#!/usr/bin/env bash
# A sandbox to try mptcpstat's live commands on: two network namespaces, a client and a
# server joined by two links, and an MPTCP connection between them that uses both.
#
#   sudo scripts/demo.sh [SECONDS]      # default 600; Ctrl-C ends it earlier
#
# While it runs, in another terminal:
#
#   sudo mptcpstat status    --netns mptcpstat-demo-client
#   sudo mptcpstat conns     --netns mptcpstat-demo-client
#   sudo mptcpstat endpoints --netns mptcpstat-demo-server
#   sudo mptcpstat check     --netns mptcpstat-demo-client
#   sudo mptcpstat monitor   --netns mptcpstat-demo-client
#   sudo mptcpstat export    --netns mptcpstat-demo-client
#
# Path 1: client 10.0.1.1 <-> server 10.0.1.2; path 2: client 10.0.2.1 <-> server 10.0.2.2,
# announced by the server (ADD_ADDR) and joined by the client. Everything is removed on exit;
# nothing changes outside the two namespaces, and no traffic leaves them.
set -euo pipefail
secs=${1:-600}
cli=mptcpstat-demo-client
srv=mptcpstat-demo-server
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }
[ -r /proc/sys/net/mptcp/enabled ] || { echo "demo: this kernel has no MPTCP" >&2; exit 1; }
for ns in $cli $srv; do
	if ip netns list | grep -qw "$ns"; then
		echo "demo: namespace $ns exists already (another demo running?)" >&2
		exit 1
	fi
done
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del $cli 2>/dev/null || true
	ip netns del $srv 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

ip netns add $cli
ip netns add $srv
for ns in $cli $srv; do ip -n $ns link set lo up; done
for i in 1 2; do
	ip -n $cli link add vc$i type veth peer name vs$i netns $srv
	ip -n $cli addr add 10.0.$i.1/24 dev vc$i
	ip -n $srv addr add 10.0.$i.2/24 dev vs$i
	ip -n $cli link set vc$i up
	ip -n $srv link set vs$i up
done
for ns in $cli $srv; do ip -n $ns mptcp limits set subflows 2 add_addr_accepted 2; done
ip -n $srv mptcp endpoint add 10.0.2.2 dev vs2 signal

# A server that echoes, and a client that keeps a little data flowing both ways.
ip netns exec $srv python3 - "$secs" <<'PY' &
import socket, sys, threading
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)  # IPPROTO_MPTCP
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 5201))
ls.listen(8)
ls.settimeout(float(sys.argv[1]))
def echo(c):
    while (data := c.recv(65536)):
        c.sendall(data)
try:
    while True:
        c, _ = ls.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
except TimeoutError:
    pass
PY
pids+=($!)
echo "demo: namespaces $cli and $srv are up; the connection starts in 5 s (time to start mptcpstat monitor)"
sleep 5
# One long connection that keeps data flowing both ways, and a short one every 10 s.
ip netns exec $cli python3 - "$secs" <<'PY' &
import socket, sys, time
def connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
    s.connect(("10.0.1.2", 5201))
    return s
s = connect()
start = time.time()
end = start + float(sys.argv[1])
short = start + 10
while time.time() < end:
    s.sendall(b"x" * 16384)
    s.recv(65536)
    if time.time() > short:
        c = connect()
        c.sendall(b"hello")
        c.recv(100)
        c.close()
        short += 10
    time.sleep(0.05)
PY
pids+=($!)
echo "demo: one MPTCP connection on two paths, and a short one every 10 s, for ${secs}s (Ctrl-C ends it)"
wait "${pids[-1]}" || true
