#!/usr/bin/env bash
# Rebuilds the real captures of this directory: a short TCP exchange on loopback (IPv4 and
# IPv6), captured by tcpdump and dumpcap in the formats and linktypes the reader must handle,
# and tshark's view of each file (*.tshark), which the tests compare against.
# Needs root (to capture), python3, tcpdump, dumpcap, tshark. Traffic stays on loopback.
set -euo pipefail
cd "$(dirname "$0")"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
filter="tcp port $port"

# A server that answers each line with 300 bytes, then a client: handshake, data both ways,
# close. Run once over IPv4 and once over IPv6.
exchange() {
    python3 - "$port" <<'PY'
import socket, sys, threading
port = int(sys.argv[1])
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port)); srv.listen(1)
    def serve():
        c, _ = srv.accept()
        f = c.makefile("rb")
        for _ in range(2):
            f.readline(); c.sendall(b"x" * 299 + b"\n")
        c.close()
    t = threading.Thread(target=serve); t.start()
    cl = socket.create_connection((host, port))
    g = cl.makefile("rb")
    for i in range(2):
        cl.sendall(b"ping %d\n" % i); g.readline()
    cl.close(); t.join(); srv.close()
PY
}

capture() { # FILE COMMAND...: runs a capture around one exchange
    local file=$1; shift
    "$@" -w "$file" "$filter" 2>/dev/null & pids+=($!)
    sleep 1.5
    exchange
    sleep 1
    kill -INT "${pids[-1]}"; wait "${pids[-1]}" || true
}

capture lo-ethernet.pcap tcpdump -i lo -s 96 -U
capture lo-nanosecond.pcap tcpdump -i lo -s 96 -U --time-stamp-precision nano
capture lo-snaplen-60.pcap tcpdump -i lo -s 60 -U
capture any-sll2.pcap tcpdump -i any -s 96 -U
# dumpcap takes the filter with -f; one file, two interfaces of different linktype.
dumpcap -q -i lo -i any -s 96 -f "$filter" -w two-interfaces.pcapng 2>/dev/null & pids+=($!)
sleep 2; exchange; sleep 1; kill -INT "${pids[-1]}"; wait "${pids[-1]}" || true

for f in lo-ethernet.pcap lo-nanosecond.pcap lo-snaplen-60.pcap any-sll2.pcap two-interfaces.pcapng; do
    tshark -r "$f" -T fields -E separator=, \
        -e frame.number -e frame.time_epoch -e ip.src -e ipv6.src -e tcp.srcport \
        -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.window_size_value \
        -e tcp.len > "$f.tshark" 2>/dev/null
done
