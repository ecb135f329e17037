#!/usr/bin/env python3
"""One end of a scripted MPTCP (or plain TCP) exchange, for make-captures.sh.

The peer runs a *plan*: a comma-separated list of steps, executed in order on
each connection. Both ends get matching plans, so neither needs an application
protocol beyond byte counts:

  send:N            send N bytes
  recv:N            receive exactly N bytes
  recvall           receive until the peer's DATA_FIN / FIN (EOF)
  sendfor:SECS[:R]  send for SECS seconds, paced at R bytes/s if R is given
  shutdown          shutdown(SHUT_WR): half-close, the peer's recvall returns
  waitsub:N         wait until the kernel reports at least N additional
                    subflows (mptcp_info.mptcpi_subflows), bounded by --timeout
  mark:NAME         write SYNC/NAME (with the time) and wait for SYNC/NAME.go,
                    which the capture script writes after it has acted
                    (snapshots with ss, link down, endpoint changes)
  note:NAME         write SYNC/NAME and go on without waiting
  sleep:SECS        sleep
  linger0           set SO_LINGER {on, 0}: close() then aborts the connection
  info              record getsockopt(SOL_MPTCP, MPTCP_INFO) now
  close             close the socket (also done implicitly at the end)

For every connection the peer records, in the JSON file given by --stats:
addresses, bytes sent and received by the application, step times (epoch
seconds) and the kernel's mptcp_info (token, flags, counters) read with
getsockopt just before close. Every blocking call is bounded by --timeout.
"""

import argparse
import json
import os
import socket
import struct
import sys
import time

IPPROTO_MPTCP = getattr(socket, "IPPROTO_MPTCP", 262)
SOL_MPTCP = 284
MPTCP_INFO = 1

# struct mptcp_info (include/uapi/linux/mptcp.h, Linux 6.18). The kernel copies
# min(its size, our size) bytes; fields past the returned length are absent.
MPTCP_INFO_FIELDS = [
    ("subflows", "B"), ("add_addr_signal", "B"), ("add_addr_accepted", "B"),
    ("subflows_max", "B"), ("add_addr_signal_max", "B"),
    ("add_addr_accepted_max", "B"), (None, "2x"), ("flags", "I"), ("token", "I"),
    ("write_seq", "Q"), ("snd_una", "Q"), ("rcv_nxt", "Q"),
    ("local_addr_used", "B"), ("local_addr_max", "B"), ("csum_enabled", "B"),
    (None, "x"), ("retransmits", "I"), ("bytes_retrans", "Q"), ("bytes_sent", "Q"),
    ("bytes_received", "Q"), ("bytes_acked", "Q"), ("subflows_total", "B"),
    ("endp_laminar_max", "B"), ("endp_fullmesh_max", "B"), (None, "x"),
    ("last_data_sent", "I"), ("last_data_recv", "I"), ("last_ack_recv", "I"),
]
MPTCP_INFO_FLAG_FALLBACK = 1
MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED = 2
MPTCP_INFO_SIZE = struct.calcsize("=" + "".join(f for _, f in MPTCP_INFO_FIELDS))

CHUNK = 16384
PACE_BURST = 4 * 1448
PATTERN = bytes(range(256)) * (CHUNK // 256)


class PeerError(Exception):
    pass


def mptcp_info(sock):
    """The kernel's mptcp_info for an MPTCP socket; {"error": ...} when the
    kernel refuses (plain TCP, or an MPTCP socket that fell back to TCP)."""
    try:
        raw = sock.getsockopt(SOL_MPTCP, MPTCP_INFO, MPTCP_INFO_SIZE)
    except OSError as e:
        return {"error": "%s (errno %d)" % (os.strerror(e.errno), e.errno)}
    out, off = {}, 0
    for name, fmt in MPTCP_INFO_FIELDS:
        size = struct.calcsize("=" + fmt)
        if off + size > len(raw):
            break
        if name is not None:
            (out[name],) = struct.unpack_from("=" + fmt, raw, off)
        off += size
    if "token" in out:
        out["token"] = "%08x" % out["token"]
    if "flags" in out:
        out["fallback"] = bool(out["flags"] & MPTCP_INFO_FLAG_FALLBACK)
        out["remote_key_received"] = bool(out["flags"] & MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED)
    out["returned_len"] = len(raw)
    return out


def addr_str(sa):
    host, port = sa[0], sa[1]
    return ("[%s]:%d" % (host, port)) if ":" in host else ("%s:%d" % (host, port))


def wait_file(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise PeerError("timed out waiting for %s" % path)
        time.sleep(0.02)


def write_marker(sync, name, rec):
    if not sync:
        raise PeerError("step %r needs --sync" % name)
    path = os.path.join(sync, name)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%.6f\n" % time.time())
    os.rename(tmp, path)
    rec["marks"].append({"name": name, "time": round(time.time(), 6)})
    return path


def run_plan(sock, plan, args, rec):
    deadline_guard = args.timeout
    sock.settimeout(deadline_guard)
    for step in plan:
        name, _, arg = step.partition(":")
        t0 = time.time()
        if name == "send":
            left = int(arg)
            while left > 0:
                n = sock.send(PATTERN[: min(left, CHUNK)])
                left -= n
                rec["bytes_sent"] += n
        elif name == "recv":
            left = int(arg)
            while left > 0:
                d = sock.recv(min(left, 65536))
                if not d:
                    raise PeerError("EOF with %d bytes still expected" % left)
                left -= len(d)
                rec["bytes_received"] += len(d)
        elif name == "recvall":
            while True:
                try:
                    d = sock.recv(65536)
                except ConnectionResetError:
                    # an abortive close by the peer (RST, MP_FASTCLOSE) ends
                    # the exchange too; it is recorded, not an error
                    rec["reset_by_peer"] = True
                    break
                if not d:
                    break
                rec["bytes_received"] += len(d)
        elif name == "sendfor":
            secs, _, rate = arg.partition(":")
            secs = float(secs)
            rate = float(rate) if rate else None
            start = time.monotonic()
            sent = 0
            while True:
                now = time.monotonic() - start
                if now >= secs:
                    break
                size = CHUNK
                if rate is not None:
                    # pace in bursts of PACE_BURST bytes (4 full segments),
                    # so the segments stay full-sized
                    size = PACE_BURST
                    wait = (sent + size) / rate - now
                    if wait > 0:
                        time.sleep(min(wait, secs - now))
                        continue
                n = sock.send(PATTERN[:size])
                sent += n
                rec["bytes_sent"] += n
        elif name == "shutdown":
            sock.shutdown(socket.SHUT_WR)
        elif name == "waitsub":
            want = int(arg)
            end = time.monotonic() + args.timeout
            while True:
                info = mptcp_info(sock)
                if "error" in info:
                    raise PeerError("waitsub: no mptcp_info: %s" % info["error"])
                if info.get("subflows", 0) >= want:
                    break
                if time.monotonic() > end:
                    raise PeerError("only %d extra subflows after %ss" % (info.get("subflows", 0), args.timeout))
                time.sleep(0.01)
        elif name == "mark":
            path = write_marker(args.sync, arg, rec)
            wait_file(path + ".go", args.timeout)
        elif name == "note":
            write_marker(args.sync, arg, rec)
        elif name == "sleep":
            time.sleep(float(arg))
        elif name == "linger0":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif name == "info":
            rec["info"].append({"time": round(time.time(), 6), "mptcp_info": mptcp_info(sock)})
        elif name == "close":
            rec["mptcp_info"] = mptcp_info(sock)
            rec["closed_at"] = round(time.time(), 6)
            sock.close()
        else:
            raise PeerError("unknown step %r" % step)
        rec["steps"].append({"step": step, "start": round(t0, 6), "end": round(time.time(), 6)})
    if sock.fileno() != -1:
        rec["mptcp_info"] = mptcp_info(sock)
        rec["closed_at"] = round(time.time(), 6)
        sock.close()


def new_record(sock, role):
    return {
        "role": role,
        "local": addr_str(sock.getsockname()),
        "peer": addr_str(sock.getpeername()),
        "bytes_sent": 0,
        "bytes_received": 0,
        "steps": [],
        "marks": [],
        "info": [],
    }


def make_socket(args):
    fam = socket.AF_INET6 if args.family == 6 else socket.AF_INET
    proto = IPPROTO_MPTCP if args.proto == "mptcp" else socket.IPPROTO_TCP
    sock = socket.socket(fam, socket.SOCK_STREAM, proto)
    if args.cc:
        # per socket: a namespace's default may only be set to an algorithm
        # in net.ipv4.tcp_allowed_congestion_control; MPTCP passes the
        # option on to every subflow
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, args.cc.encode())
    return sock


def serve(args, plan, stats):
    lsock = make_socket(args)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.addr, args.port))
    lsock.listen(128)
    lsock.settimeout(args.timeout)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%.6f\n" % time.time())
    try:
        for _ in range(args.count):
            conn, _ = lsock.accept()
            rec = new_record(conn, "server")
            rec["accepted_at"] = round(time.time(), 6)
            stats["connections"].append(rec)
            run_plan(conn, plan, args, rec)
    finally:
        lsock.close()


def connect(args, plan, stats):
    for _ in range(args.count):
        sock = make_socket(args)
        sock.settimeout(args.timeout)
        if args.bind:
            sock.bind((args.bind, 0))
        t0 = time.time()
        sock.connect((args.addr, args.port))
        rec = new_record(sock, "client")
        rec["connected_at"] = round(time.time(), 6)
        rec["connect_started_at"] = round(t0, 6)
        stats["connections"].append(rec)
        run_plan(sock, plan, args, rec)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--addr", required=True, help="address to bind (server) or connect to (client)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bind", help="client: local address to bind before connect")
    p.add_argument("--family", type=int, choices=[4, 6], default=4)
    p.add_argument("--proto", choices=["mptcp", "tcp"], default="mptcp")
    p.add_argument("--plan", required=True, help="comma-separated steps, see the module doc")
    p.add_argument("--count", type=int, default=1, help="connections to make or accept, one after another")
    p.add_argument("--cc", help="TCP congestion control for the socket (TCP_CONGESTION)")
    p.add_argument("--timeout", type=float, default=20.0, help="bound for every blocking call, seconds")
    p.add_argument("--sync", help="directory for mark/note files")
    p.add_argument("--ready", help="server: file written once listening")
    p.add_argument("--stats", required=True, help="JSON file written at the end")
    args = p.parse_args()

    plan = [s for s in args.plan.split(",") if s]
    stats = {
        "role": args.role,
        "proto": args.proto,
        "congestion_control": args.cc,
        "family": args.family,
        "addr": args.addr,
        "port": args.port,
        "plan": plan,
        "count": args.count,
        "started_at": round(time.time(), 6),
        "connections": [],
        "error": None,
    }
    rc = 0
    try:
        if args.role == "server":
            serve(args, plan, stats)
        else:
            connect(args, plan, stats)
    except (OSError, PeerError) as e:
        stats["error"] = "%s: %s" % (type(e).__name__, e)
        print("mptcp_peer %s: %s" % (args.role, stats["error"]), file=sys.stderr)
        rc = 1
    stats["finished_at"] = round(time.time(), 6)
    stats["bytes_sent"] = sum(c["bytes_sent"] for c in stats["connections"])
    stats["bytes_received"] = sum(c["bytes_received"] for c in stats["connections"])
    with open(args.stats, "w") as f:
        json.dump(stats, f, indent=1)
    return rc


if __name__ == "__main__":
    sys.exit(main())
