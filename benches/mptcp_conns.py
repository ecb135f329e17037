#!/usr/bin/env python3
"""Holds N MPTCP connections open for benches/conns-vs-ss.sh.

  mptcp_conns.py server ADDR PORT N   accept N connections, then wait
  mptcp_conns.py client ADDR PORT N   open N connections, then wait

Each side prints "ready" once all N are open, and keeps them until it is killed.
"""

import signal
import socket
import sys


def main():
    role, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    held = []
    if role == "server":
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_MPTCP)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((addr, port))
        lsock.listen(4096)
        print("listening", flush=True)
        while len(held) < n:
            conn, _ = lsock.accept()
            # Data from the server makes the client fully established, which is when the
            # path manager opens the join subflow.
            conn.recv(1)
            conn.sendall(b"y")
            held.append(conn)
    else:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_MPTCP)
            s.connect((addr, port))
            s.sendall(b"x")
            held.append(s)
        for s in held:
            s.recv(1)
    print("ready", flush=True)
    signal.pause()


if __name__ == "__main__":
    main()
