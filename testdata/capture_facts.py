#!/usr/bin/env python3
"""Writes pcap/<file>.facts.json for one capture made by make-captures.sh.

Inputs, all in the scenario's work directory and all produced at capture time:
  commands.tsv            every command that configured the namespaces, in order
  events.tsv              named events (link down, endpoint change ...): epoch
                          time just before and just after the command
  monitor-<role>.txt      `ip -ts mptcp monitor` for the whole exchange (TZ=UTC)
  snap-NNN.txt            `ss -Mni` / `ss -tni` taken while the connection was open
  state-<when>-<role>.txt limits, endpoints, sysctls, qdiscs, nstat counters
  peer-<role>.json        mptcp_peer.py: application bytes, times, and the
                          kernel's mptcp_info (getsockopt) for each connection
  tcpdump-*.err, dumpcap.err  the capture tool's own packet counts

The facts keep the raw tool output and, beside it, parsed fields. Parsed facts
come only from the kernel's tools above. A separate "tshark" section records
what tshark reads from the finished capture; it is a check, not a source.
"""

import argparse
import datetime
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

MONITOR_EVENT_NAMES = {
    # enum mptcp_event_type (include/uapi/linux/mptcp_pm.h); iproute2 6.1
    # prints these two as "UNKNOWN n".
    "UNKNOWN 15": "LISTENER_CREATED",
    "UNKNOWN 16": "LISTENER_CLOSED",
    # iproute2 6.1 prints MPTCP_EVENT_SUB_PRIORITY as "SF_PRIO"
    "SF_PRIO": "SF_PRIORITY",
}

SUBTYPE_NAMES = {
    0: "mp_capable", 1: "mp_join", 2: "dss", 3: "add_addr", 4: "remove_addr",
    5: "mp_prio", 6: "mp_fail", 7: "mp_fastclose", 8: "mp_tcprst",
}


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return default


def tok(value):
    """A token as 8 lowercase hex digits (ss prints them without leading zeros)."""
    return "%08x" % int(value, 16)


def split_addr(s):
    """'10.0.2.1%vc2:47501' or '[fd00::1]:5000' -> (addr, port, dev)."""
    host, _, port = s.rpartition(":")
    dev = None
    if "%" in host:
        host, _, dev = host.partition("%")
    host = host.strip("[]")
    return host, int(port), dev


def ep(addr, port):
    return ("[%s]:%d" % (addr, port)) if ":" in addr else ("%s:%d" % (addr, port))


# ------------------------------------------------------------------ inputs --

def parse_tsv(path, names):
    rows = []
    for line in read(path).splitlines():
        if line.strip():
            rows.append(dict(zip(names, line.split("\t"))))
    return rows


MON_RE = re.compile(r"^\[(?P<ts>[0-9T:.\-]+)\]\s+\[\s*(?P<ev>[^\]]+?)\s*\](?P<rest>.*)$")


def parse_monitor(text):
    events = []
    for line in text.splitlines():
        m = MON_RE.match(line.strip())
        if not m:
            continue
        ts = datetime.datetime.strptime(m.group("ts"), "%Y-%m-%dT%H:%M:%S.%f")
        ts = ts.replace(tzinfo=datetime.timezone.utc).timestamp()
        ev = m.group("ev")
        e = {"time": round(ts, 6), "event": MONITOR_EVENT_NAMES.get(ev, ev)}
        if ev in MONITOR_EVENT_NAMES:
            e["printed_as"] = ev
        for kv in m.group("rest").split():
            k, _, v = kv.partition("=")
            if k == "token":
                v = tok(v)
            elif k in ("remid", "locid", "sport", "dport", "backup", "error", "ifindex",
                       "reset_reason", "timeout"):
                v = int(v)
            e[k] = v
        events.append(e)
    return events


def mon_src(e):
    if "saddr4" in e:
        return e["saddr4"], e.get("sport"), e.get("daddr4"), e.get("dport")
    if "saddr6" in e:
        return e["saddr6"], e.get("sport"), e.get("daddr6"), e.get("dport")
    return None, None, None, None


def parse_ss_blocks(text):
    """ss output -> list of (header fields, detail text)."""
    blocks = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("State") or line.startswith("#"):
            continue
        if not line[0].isspace():
            blocks.append([line.split(), ""])
        elif blocks:
            blocks[-1][1] += " " + line.strip()
    return blocks


def kv_fields(detail):
    out = {}
    for word in detail.split():
        if ":" in word and not word.startswith("("):
            k, _, v = word.partition(":")
            out.setdefault(k, v)
    return out


def parse_ss_mptcp(text):
    socks = []
    for head, detail in parse_ss_blocks(text):
        if len(head) < 5:
            continue
        la, lp, _ = split_addr(head[3])
        ra, rp, _ = split_addr(head[4])
        f = kv_fields(detail)
        s = {"state": head[0], "local": ep(la, lp), "peer": ep(ra, rp),
             "token": tok(f["token"]) if "token" in f else None,
             "fallback": " fallback" in " " + detail,
             "remote_key": " remote_key" in " " + detail}
        for k in ("subflows", "add_addr_signal", "add_addr_accepted", "subflows_max",
                  "add_addr_signal_max", "add_addr_accepted_max", "local_addr_used",
                  "local_addr_max", "csum_enabled"):
            if k in f:
                s[k] = int(f[k])
        for k in ("write_seq", "snd_una", "rcv_nxt"):
            if k in f:
                s[k] = f[k]  # iproute2 6.1 prints these in hex
        socks.append(s)
    return socks


ULP_RE = re.compile(
    r"tcp-ulp-mptcp(?: flags:(?P<flags>\S+))?"
    r"(?: token:(?P<rtok>[0-9a-f]+)\(id:(?P<rid>\d+)\)/(?P<ltok>[0-9a-f]+)\(id:(?P<lid>\d+)\))?")


def parse_ss_tcp(text):
    subs = []
    for head, detail in parse_ss_blocks(text):
        if len(head) < 5 or "tcp-ulp-mptcp" not in detail:
            continue
        la, lp, dev = split_addr(head[3])
        ra, rp, _ = split_addr(head[4])
        m = ULP_RE.search(detail)
        f = kv_fields(detail)
        s = {"state": head[0], "local": ep(la, lp), "peer": ep(ra, rp), "dev": dev,
             "flags": m.group("flags") or ""}
        if m.group("ltok"):
            s["local_token"] = tok(m.group("ltok"))
            s["remote_token"] = tok(m.group("rtok"))
            s["local_id"] = int(m.group("lid"))
            s["remote_id"] = int(m.group("rid"))
        fl = s["flags"]
        s["backup_local"] = "b" in fl
        s["backup_remote"] = "B" in fl
        s["join"] = "J" in fl or "j" in fl
        rtt = re.search(r"\brtt:([\d.]+)/([\d.]+)", detail)
        if rtt:
            s["rtt_ms"] = float(rtt.group(1))
        for k in ("bytes_sent", "bytes_acked", "bytes_received", "segs_out", "segs_in",
                  "data_segs_out", "data_segs_in", "cwnd"):
            if k in f:
                try:
                    s[k] = int(f[k])
                except ValueError:
                    pass
        r = re.search(r"\bretrans:\d+/(\d+)", detail)
        s["retrans_total"] = int(r.group(1)) if r else 0
        subs.append(s)
    return subs


SNAP_HEAD = re.compile(r"^# time=(\S+) role=(\S+) label=(\S+) cmd=(.*)$")


def parse_snapshots(work):
    snaps = []
    for path in sorted(glob.glob(os.path.join(work, "snap-*.txt"))):
        text = read(path)
        first, _, body = text.partition("\n")
        m = SNAP_HEAD.match(first)
        if not m:
            continue
        s = {"time": float(m.group(1)), "role": m.group(2), "label": m.group(3),
             "command": m.group(4), "raw": [l.rstrip() for l in body.splitlines()]}
        if m.group(4).startswith("ss -M"):
            s["mptcp_sockets"] = parse_ss_mptcp(body)
        else:
            s["subflows"] = parse_ss_tcp(body)
        snaps.append(s)
    return snaps


def parse_state(text):
    sections, cur = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            cur = line[3:]
            sections[cur] = []
        elif cur is not None:
            sections[cur].append(line.rstrip())
    out = {"raw": sections}
    lim = " ".join(sections.get("ip mptcp limits show", []))
    out["limits"] = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", lim)}
    out["endpoints"] = []
    for line in sections.get("ip mptcp endpoint show", []):
        w = line.split()
        if not w:
            continue
        e = {"addr": w[0], "line": line.strip(), "flags": []}
        i = 1
        while i < len(w):
            if w[i] in ("id", "port", "dev") and i + 1 < len(w):
                e[w[i]] = int(w[i + 1]) if w[i] in ("id", "port") else w[i + 1]
                i += 2
            else:
                e["flags"].append(w[i])
                i += 1
        out["endpoints"].append(e)
    sysctls = {}
    for sec in ("sysctl net.mptcp", "sysctl net.ipv4.tcp_congestion_control"):
        for line in sections.get(sec, []):
            k, _, v = line.partition(" = ")
            if v:
                sysctls[k.strip()] = v.strip()
    out["sysctls"] = sysctls
    mib = {}
    for line in sections.get("nstat -as", []):
        w = line.split()
        if len(w) >= 2 and w[0].startswith("MPTcp"):
            mib[w[0]] = int(w[1])
    out["mptcp_mib"] = mib
    return out


def capture_tool_stats(work):
    out = {}
    for path in sorted(glob.glob(os.path.join(work, "tcpdump-*.err")) +
                       glob.glob(os.path.join(work, "dumpcap.err"))):
        name = os.path.basename(path)[:-4]
        out[name] = [l for l in read(path).splitlines() if l.strip()]
    return out


# ------------------------------------------------------------ connections --

def build_connections(peers, monitors, snaps):
    """One entry per application connection, client and server sides joined
    by the initial subflow's 4-tuple; subflows from the monitor's events and
    ss, cross-checked."""
    checks = []
    client_conns = peers.get("client", {}).get("connections", [])
    server_conns = peers.get("server", {}).get("connections", [])
    by_tuple = {}
    for sc in server_conns:
        by_tuple.setdefault((sc["peer"], sc["local"]), []).append(sc)

    mon = {r: monitors.get(r, []) for r in ("client", "server")}
    # monitor: connection-level events by token, and CREATED by 4-tuple
    created = {}
    for role in ("client", "server"):
        for e in mon[role]:
            if e["event"] == "CREATED":
                sa, sp, da, dp = mon_src(e)
                created.setdefault((role, ep(sa, sp), ep(da, dp)), []).append(e["token"])

    ss_tokens = {}
    for s in snaps:
        for sock in s.get("mptcp_sockets", []):
            ss_tokens.setdefault((s["role"], sock["local"], sock["peer"]), set()).add(sock["token"])

    conns = []
    for cc in client_conns:
        c = {"client": cc["local"], "server": cc["peer"],
             "bytes_client_to_server": cc["bytes_sent"],
             "bytes_server_to_client": cc["bytes_received"],
             "connected_at": cc.get("connected_at"), "closed_at": cc.get("closed_at")}
        cands = by_tuple.get((cc["local"], cc["peer"]), [])
        sc = cands.pop(0) if cands else None
        ci = cc.get("mptcp_info") or {}
        si = (sc or {}).get("mptcp_info") or {}
        ss_fallback = any(sock["fallback"] for snap in snaps if snap["role"] == "client"
                          for sock in snap.get("mptcp_sockets", [])
                          if (sock["local"], sock["peer"]) == (cc["local"], cc["peer"]))
        # fallback: mptcp_info's flag, or ss -M's "fallback" (the kernel
        # refuses MPTCP_INFO on a socket that fell back, so ss is the source
        # then)
        c["fallback"] = bool(ci.get("fallback")) or ss_fallback
        c["client_token"] = ci.get("token") if ci.get("token") != "00000000" else None
        c["server_token"] = si.get("token") if si.get("token") != "00000000" else None
        if sc is not None and sc.get("mptcp_info", {}).get("error") and \
                peers.get("server", {}).get("proto") == "tcp":
            c["server_plain_tcp"] = True
        c["server_accepted"] = sc is not None
        if sc is not None:
            if sc["bytes_received"] != cc["bytes_sent"] or sc["bytes_sent"] != cc["bytes_received"]:
                checks.append("bytes differ between ends for %s: client sent %d received %d, "
                              "server sent %d received %d" % (c["client"], cc["bytes_sent"],
                              cc["bytes_received"], sc["bytes_sent"], sc["bytes_received"]))
        for role, key, tokfield in (("client", (cc["local"], cc["peer"]), "client_token"),
                                    ("server", (cc["peer"], cc["local"]), "server_token")):
            mt = created.get((role,) + key, [])
            st = ss_tokens.get((role,) + key, set())
            srcs = {"mptcp_info": c[tokfield], "monitor": mt[0] if mt else None,
                    "ss": sorted(st)[0] if st else None}
            vals = {v for v in srcs.values() if v}
            if len(vals) > 1:
                c[tokfield + "_sources"] = srcs
            else:
                c[tokfield + "_seen_by"] = [k for k, v in srcs.items() if v]
            if c[tokfield] is None and vals:
                c[tokfield] = sorted(vals)[0]
            if len(vals) > 1:
                checks.append("%s of %s differs between sources: %s" % (tokfield, c["client"], srcs))
        conns.append(c)

    # subflows, per connection, from the monitor events (both namespaces)
    for c in conns:
        subs = {}

        def sub(client_ep, server_ep):
            k = (client_ep, server_ep)
            if k not in subs:
                subs[k] = {"client": client_ep, "server": server_ep}
            return subs[k]

        s0 = sub(c["client"], c["server"])
        s0.update({"join": False, "client_addr_id": 0, "server_addr_id": 0, "backup": False})
        c["announced_to_client"] = []
        c["announced_to_server"] = []
        c["removed_at_client"] = []
        c["removed_at_server"] = []
        c["priority_changes"] = []
        for role, tk in (("client", c["client_token"]), ("server", c["server_token"])):
            for e in mon[role]:
                if tk is None or e.get("token") != tk:
                    continue
                sa, sp, da, dp = mon_src(e)
                if e["event"] in ("SF_ESTABLISHED", "SF_CLOSED", "SF_PRIORITY"):
                    if role == "client":
                        s = sub(ep(sa, sp), ep(da, dp))
                        ids = ("client_addr_id", "server_addr_id")
                    else:
                        s = sub(ep(da, dp), ep(sa, sp))
                        ids = ("server_addr_id", "client_addr_id")
                    if e["event"] == "SF_ESTABLISHED":
                        s["join"] = True
                        s[ids[0]] = e.get("locid")
                        s[ids[1]] = e.get("remid")
                        # the event's backup attribute is the B bit the *peer*
                        # sent (server: the client's MP_JOIN SYN; client: the
                        # server's SYN-ACK), as ss shows with flag 'B'
                        s["monitor_backup_%s" % role] = bool(e.get("backup"))
                        s.setdefault("established_at", e["time"])
                        if "ifindex" in e:
                            s["ifindex_%s" % role] = e["ifindex"]
                    elif e["event"] == "SF_CLOSED":
                        s["closed_at_%s" % role] = e["time"]
                        for k in ("error", "reset_reason", "reset_flags"):
                            if k in e:
                                s["%s_%s" % (k, role)] = e[k]
                    else:
                        c["priority_changes"].append({
                            "time": e["time"], "seen_by": role, "client": s["client"],
                            "server": s["server"], "backup": bool(e.get("backup"))})
                elif e["event"] == "ANNOUNCED":
                    # event_port: the event's dport; the kernel fills in the
                    # connection's port when the ADD_ADDR carried none
                    c["announced_to_%s" % role].append({
                        "time": e["time"], "addr_id": e.get("remid"),
                        "addr": e.get("daddr4") or e.get("daddr6"), "event_port": e.get("dport")})
                elif e["event"] == "REMOVED":
                    c["removed_at_%s" % role].append({"time": e["time"], "addr_id": e.get("remid")})
                elif e["event"] == "ESTABLISHED":
                    c.setdefault("established_at_%s" % role, e["time"])
                elif e["event"] == "CLOSED":
                    c["closed_event_at_%s" % role] = e["time"]

        # ss -tni: flags, ids, tokens of each subflow while open
        for snap in snaps:
            for ssub in snap.get("subflows", []):
                if snap["role"] == "client":
                    if ssub.get("local_token") != c["client_token"]:
                        continue
                    s = sub(ssub["local"], ssub["peer"])
                    ids = ("client_addr_id", "server_addr_id")
                else:
                    if ssub.get("local_token") != c["server_token"]:
                        continue
                    s = sub(ssub["peer"], ssub["local"])
                    ids = ("server_addr_id", "client_addr_id")
                role = snap["role"]
                s.setdefault("ss_%s" % role, [])
                s["ss_%s" % role].append({"label": snap["label"], "flags": ssub["flags"],
                                          "local_id": ssub.get("local_id"),
                                          "remote_id": ssub.get("remote_id"),
                                          "remote_token": ssub.get("remote_token")})
                if ssub.get("dev"):
                    s["client_dev" if role == "client" else "server_dev"] = ssub["dev"]
                s.setdefault("join", ssub["join"])
                if s.get(ids[0]) is None:
                    s[ids[0]] = ssub.get("local_id")
                if s.get(ids[1]) is None:
                    s[ids[1]] = ssub.get("remote_id")
                if role == "client" and ssub.get("remote_token") not in (None, "00000000"):
                    if c["server_token"] and ssub["remote_token"] != c["server_token"]:
                        checks.append("client subflow %s -> %s: ss remote token %s != server token %s"
                                      % (s["client"], s["server"], ssub["remote_token"], c["server_token"]))
        for s in subs.values():
            # backup: the B bit of the client's MP_JOIN SYN (what the server's
            # SF_ESTABLISHED event reports; ss on the client shows it as 'b').
            # backup_requested_by_server: the B bit of the server's SYN-ACK.
            # Later MP_PRIO changes are in priority_changes.
            if not s.get("join"):
                continue
            first_client = (s.get("ss_client") or [{}])[0].get("flags")
            s["backup"] = None  # unknown: neither the server's event nor ss saw it
            if "monitor_backup_server" in s:
                s["backup"] = s["monitor_backup_server"]
            elif first_client is not None:
                s["backup"] = "b" in first_client
            if "monitor_backup_client" in s:
                s["backup_requested_by_server"] = s["monitor_backup_client"]
            if first_client is not None and "monitor_backup_server" in s and \
                    ("b" in first_client) != s["monitor_backup_server"] and not c["priority_changes"]:
                checks.append("subflow %s: client ss flags %s disagree with the server's event backup=%s"
                              % (s["client"], first_client, s["monitor_backup_server"]))
        c["subflows"] = list(subs.values())
    return conns, checks


# ------------------------------------------------------------------ tshark --

def tshark_fields(path, fields, dfilter=None):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    if dfilter:
        cmd += ["-Y", dfilter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append(dict(zip(fields, cols)))
    return rows


def first(v):
    return v.split(",")[0] if v else ""


def token_from_key(key_hex):
    """RFC 8684 section 3.2: the token is the most significant 32 bits of
    SHA-256 over the 64-bit key in network order."""
    key = int(key_hex, 16).to_bytes(8, "big")
    return hashlib.sha256(key).hexdigest()[:8]


def mptcp_options(opt_hex):
    """Walks a TCP options area (hex) and yields each MPTCP option's bytes."""
    b = bytes.fromhex(opt_hex) if opt_hex else b""
    i = 0
    while i < len(b):
        kind = b[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(b) or b[i + 1] < 2:
            break
        length = b[i + 1]
        if kind == 30:
            yield b[i:i + length]
        i += length


def ones_sum(data, acc=0):
    if len(data) % 2:
        data += b"\0"
    for j in range(0, len(data), 2):
        acc += (data[j] << 8) | data[j + 1]
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


def dss_checksums(path):
    """Independent check of every DSS checksum in a capture whose payload was
    captured whole (RFC 8684 section 3.3.1: ones' complement sum over the
    pseudo-header 64-bit DSN, 32-bit relative subflow sequence number, 16-bit
    data-level length, the checksum, and the mapped payload must be 0xffff).
    The MP_CAPABLE ACK that carries data maps DSN = IDSN + 1, SSN 1."""
    rows = tshark_fields(path, ["frame.number", "tcp.stream", "tcp.seq_raw", "tcp.flags.syn",
                                "tcp.flags.ack", "frame.len", "frame.cap_len", "tcp.options",
                                "tcp.payload"])
    isn, data, maps = {}, {}, []
    for r in rows:
        if not r["tcp.stream"]:
            continue
        sid, seq = int(r["tcp.stream"]), int(r["tcp.seq_raw"])
        syn = r["tcp.flags.syn"] in ("1", "True")
        ack = r["tcp.flags.ack"] in ("1", "True")
        # the sending side, told by its ISN (from its SYN or SYN-ACK)
        if syn:
            isn[(sid, "server" if ack else "client")] = seq
        side = None
        for k in ("client", "server"):
            base = isn.get((sid, k))
            if base is not None and 0 <= (seq - base) % 2**32 < 2**31:
                # the side whose ISN is closest below seq
                if side is None or (seq - base) % 2**32 < (seq - isn[(sid, side)]) % 2**32:
                    side = k
        if side is None:
            continue
        rel = (seq - isn[(sid, side)]) % 2**32
        full = r["frame.len"] == r["frame.cap_len"]
        payload = bytes.fromhex(r["tcp.payload"]) if r["tcp.payload"] else b""
        if payload and full:
            data.setdefault((sid, side), {})[rel] = payload
        for o in mptcp_options(r["tcp.options"]):
            if len(o) < 4:
                continue
            subtype = o[2] >> 4
            if subtype == 0 and len(o) in (22, 24) and not syn:
                # MP_CAPABLE ACK with data: sender key first, then receiver key
                if len(o) == 24:
                    key = o[4:12]
                    dlen = int.from_bytes(o[20:22], "big")
                    csum = int.from_bytes(o[22:24], "big")
                    idsn = int.from_bytes(hashlib.sha256(key).digest()[-8:], "big")
                    maps.append({"frame": int(r["frame.number"]), "stream": sid, "side": side,
                                 "option": "mp_capable", "dsn": (idsn + 1) % 2**64, "ssn": 1,
                                 "data_len": dlen, "checksum": csum})
            elif subtype == 2:
                flags = o[3]
                off = 4
                if flags & 0x01:
                    off += 8 if flags & 0x02 else 4
                if not flags & 0x04:
                    continue
                dsn_len = 8 if flags & 0x08 else 4
                base_len = off + dsn_len + 4 + 2
                if len(o) != base_len + 2:
                    continue  # no checksum in this mapping
                dsn = int.from_bytes(o[off:off + dsn_len], "big")
                ssn = int.from_bytes(o[off + dsn_len:off + dsn_len + 4], "big")
                dlen = int.from_bytes(o[off + dsn_len + 4:off + dsn_len + 6], "big")
                csum = int.from_bytes(o[off + dsn_len + 6:off + dsn_len + 8], "big")
                maps.append({"frame": int(r["frame.number"]), "stream": sid, "side": side,
                             "option": "dss", "dsn": dsn, "dsn_len": dsn_len, "ssn": ssn,
                             "data_len": dlen, "data_fin": bool(flags & 0x10), "checksum": csum})
    results = {"mappings_with_checksum": len(maps), "valid": 0, "invalid": [], "not_verifiable": []}
    for m in maps:
        if m.get("dsn_len") == 4:
            results["not_verifiable"].append({"frame": m["frame"], "why": "32-bit DSN"})
            continue
        plen = m["data_len"] - (1 if m.get("data_fin") else 0)
        buf = b""
        segs = data.get((m["stream"], m["side"]), {})
        pos = m["ssn"]
        while len(buf) < plen:
            seg = None
            for start, pl in segs.items():
                if start <= pos < start + len(pl):
                    seg = pl[pos - start:]
                    break
            if seg is None:
                break
            buf += seg
            pos += len(seg)
        buf = buf[:plen]
        if len(buf) < plen:
            results["not_verifiable"].append({"frame": m["frame"], "why": "payload not captured"})
            continue
        hdr = (m["dsn"].to_bytes(8, "big") + m["ssn"].to_bytes(4, "big") +
               m["data_len"].to_bytes(2, "big") + m["checksum"].to_bytes(2, "big"))
        ok = ones_sum(hdr + buf) == 0xFFFF
        if ok:
            results["valid"] += 1
        else:
            results["invalid"].append(m["frame"])
    results["frames"] = [{k: (("%016x" % v) if k == "dsn" else ("%04x" % v) if k == "checksum" else v)
                          for k, v in m.items()} for m in maps]
    return results


def tshark_check(path, conns):
    t = {"note": "read from the finished capture with tshark; a check of the facts, not a source"}
    info = subprocess.run(["capinfos", "-M", "-c", "-E", "-F", "-a", "-e", path],
                          capture_output=True, text=True, timeout=60).stdout
    t["capinfos"] = [l.rstrip() for l in info.splitlines() if l.strip()]
    rows = tshark_fields(path, ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
                                "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.len",
                                "tcp.options.mptcp.subtype", "tcp.flags.syn", "tcp.flags.ack",
                                "tcp.flags.reset", "tcp.flags.fin"])
    t["frames"] = len(rows)
    counts = {}
    for r in rows:
        for st in filter(None, r["tcp.options.mptcp.subtype"].split(",")):
            name = SUBTYPE_NAMES.get(int(st, 0), "subtype_%s" % st)
            counts[name] = counts.get(name, 0) + 1
    t["subtype_counts"] = dict(sorted(counts.items()))
    t["subtype_command"] = "tshark -r FILE -T fields -e tcp.options.mptcp.subtype"
    streams = {}
    for r in rows:
        if not r["tcp.stream"]:
            continue
        sid = int(r["tcp.stream"])
        src = first(r["ip.src"]) or first(r["ipv6.src"])
        dst = first(r["ip.dst"]) or first(r["ipv6.dst"])
        s = streams.setdefault(sid, {"stream": sid, "frames": 0, "first_frame": int(r["frame.number"]),
                                     "mptcp_syn": None, "payload": {}, "rst_frames": 0,
                                     "fin_frames": 0})
        s["frames"] += 1
        a, b = ep(src, int(r["tcp.srcport"])), ep(dst, int(r["tcp.dstport"]))
        if r["tcp.flags.syn"] in ("1", "True") and r["tcp.flags.ack"] in ("0", "False"):
            s["client"], s["server"] = a, b
            sts = r["tcp.options.mptcp.subtype"].split(",")
            s["mptcp_syn"] = "mp_capable" if "0" in sts else ("mp_join" if "1" in sts else "none")
        s.setdefault("ends", sorted([a, b]))
        key = "%s>%s" % (a, b)
        s["payload"][key] = s["payload"].get(key, 0) + int(r["tcp.len"] or 0)
        if r["tcp.flags.reset"] in ("1", "True"):
            s["rst_frames"] += 1
        if r["tcp.flags.fin"] in ("1", "True"):
            s["fin_frames"] += 1
    for s in streams.values():
        s.pop("ends", None)
    t["tcp_streams"] = list(streams.values())

    def rows_for(flt, fields):
        return tshark_fields(path, ["frame.number"] + fields, flt)

    caps = rows_for("tcp.options.mptcp.subtype == 0",
                    ["tcp.stream", "tcp.flags.syn", "tcp.flags.ack", "tcp.len",
                     "tcp.options.mptcp.version", "tcp.options.mptcp.sendkey",
                     "tcp.options.mptcp.recvkey", "tcp.options.mptcp.checksumreq.flags"])
    keys = {}
    for r in caps:
        sid = int(r["tcp.stream"])
        if r["tcp.options.mptcp.sendkey"] and r["tcp.options.mptcp.recvkey"]:
            # third ACK (or first data): sender's key = client key, receiver's = server key
            keys.setdefault(sid, {"frame": int(r["frame.number"]),
                                  "client_key": "%016x" % int(first(r["tcp.options.mptcp.sendkey"]), 0),
                                  "server_key": "%016x" % int(first(r["tcp.options.mptcp.recvkey"]), 0)})
    t["mp_capable_keys"] = []
    for sid, k in sorted(keys.items()):
        k["stream"] = sid
        k["client_token_from_key"] = token_from_key(k["client_key"])
        k["server_token_from_key"] = token_from_key(k["server_key"])
        t["mp_capable_keys"].append(k)
    t["mp_capable_checksum_required"] = sorted({r["tcp.options.mptcp.checksumreq.flags"] for r in caps} - {""})

    joins = rows_for("tcp.options.mptcp.subtype == 1 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
                     ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
                      "tcp.dstport", "tcp.options.mptcp.recvtok", "tcp.options.mptcp.addrid",
                      "tcp.options.mptcp.backup.flag", "tcp.options.mptcp.sendrand"])
    t["mp_join_syns"] = [{
        "frame": int(r["frame.number"]), "stream": int(r["tcp.stream"]),
        "client": ep(first(r["ip.src"]) or first(r["ipv6.src"]), int(r["tcp.srcport"])),
        "server": ep(first(r["ip.dst"]) or first(r["ipv6.dst"]), int(r["tcp.dstport"])),
        "token": "%08x" % int(first(r["tcp.options.mptcp.recvtok"]), 0),
        "addr_id": int(first(r["tcp.options.mptcp.addrid"]), 0),
        "backup": first(r["tcp.options.mptcp.backup.flag"]) in ("1", "True"),
    } for r in joins]

    adds = rows_for("tcp.options.mptcp.subtype == 3",
                    ["ip.src", "ipv6.src", "tcp.options.mptcp.echo", "tcp.options.mptcp.addrid",
                     "tcp.options.mptcp.ipv4", "tcp.options.mptcp.ipv6", "tcp.options.mptcp.port",
                     "tcp.options.mptcp.addaddrtrunchmac"])
    t["add_addr"] = [{
        "frame": int(r["frame.number"]), "from": first(r["ip.src"]) or first(r["ipv6.src"]),
        "echo": first(r["tcp.options.mptcp.echo"]) in ("1", "True"),
        "addr_id": int(first(r["tcp.options.mptcp.addrid"]), 0) if r["tcp.options.mptcp.addrid"] else None,
        "addr": r["tcp.options.mptcp.ipv4"] or r["tcp.options.mptcp.ipv6"],
        "port": int(r["tcp.options.mptcp.port"]) if r["tcp.options.mptcp.port"] else None,
        "hmac": ("%016x" % int(r["tcp.options.mptcp.addaddrtrunchmac"], 0))
        if r["tcp.options.mptcp.addaddrtrunchmac"] else None,
    } for r in adds]

    rms = rows_for("tcp.options.mptcp.subtype == 4",
                   ["ip.src", "ipv6.src", "tcp.options.mptcp.addrid", "mptcp.rm_addr.count"])
    t["remove_addr"] = [{"frame": int(r["frame.number"]), "from": first(r["ip.src"]) or first(r["ipv6.src"]),
                         "addr_ids": [int(x, 0) for x in r["tcp.options.mptcp.addrid"].split(",") if x]}
                        for r in rms]
    prios = rows_for("tcp.options.mptcp.subtype == 5",
                     ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.options.mptcp.backup.flag",
                      "tcp.options.mptcp.addrid"])
    t["mp_prio"] = [{"frame": int(r["frame.number"]), "stream": int(r["tcp.stream"]),
                     "from": ep(first(r["ip.src"]) or first(r["ipv6.src"]), int(r["tcp.srcport"])),
                     "backup": first(r["tcp.options.mptcp.backup.flag"]) in ("1", "True"),
                     "addr_id": int(first(r["tcp.options.mptcp.addrid"]), 0)
                     if r["tcp.options.mptcp.addrid"] else None} for r in prios]
    fcs = rows_for("tcp.options.mptcp.subtype == 7",
                   ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.flags.reset",
                    "tcp.options.mptcp.recvkey"])
    t["mp_fastclose"] = [{"frame": int(r["frame.number"]), "stream": int(r["tcp.stream"]),
                          "from": ep(first(r["ip.src"]) or first(r["ipv6.src"]), int(r["tcp.srcport"])),
                          "rst": r["tcp.flags.reset"] in ("1", "True"),
                          "receiver_key": "%016x" % int(first(r["tcp.options.mptcp.recvkey"]), 0)
                          if r["tcp.options.mptcp.recvkey"] else None} for r in fcs]
    rsts = rows_for("tcp.options.mptcp.subtype == 8",
                    ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.options.mptcp.rst_reason",
                     "tcp.options.mptcp.flag_T.flag"])
    t["mp_tcprst"] = [{"frame": int(r["frame.number"]), "stream": int(r["tcp.stream"]),
                       "from": ep(first(r["ip.src"]) or first(r["ipv6.src"]), int(r["tcp.srcport"])),
                       "reason": int(first(r["tcp.options.mptcp.rst_reason"]), 0)
                       if r["tcp.options.mptcp.rst_reason"] else None,
                       "transient": first(r["tcp.options.mptcp.flag_T.flag"]) in ("1", "True")}
                      for r in rsts]
    if t["mp_capable_checksum_required"] == ["1"]:
        # tshark 4.0 does not dissect the DSS checksum field; the options are
        # walked here from tshark's raw tcp.options bytes instead
        t["dss_checksums"] = dss_checksums(path)
    dfin = rows_for("tcp.options.mptcp.datafin.flag == 1", ["tcp.stream", "ip.src", "ipv6.src"])
    t["data_fin_frames"] = [int(r["frame.number"]) for r in dfin]

    # cross-checks against the kernel's facts
    checks = []
    kernel_tokens = {}
    for c in conns:
        if c.get("client_token"):
            kernel_tokens[c["client_token"]] = "client"
        if c.get("server_token"):
            kernel_tokens[c["server_token"]] = "server"
    by_client = {c["client"]: c for c in conns}
    for k in t["mp_capable_keys"]:
        stream_client = streams.get(k["stream"], {}).get("client")
        conn = by_client.get(stream_client)
        for side in ("client", "server"):
            tk = k["%s_token_from_key" % side]
            if conn is None or conn.get("%s_token" % side) != tk:
                checks.append("stream %d (%s): %s token %s from the key is not the %s token the kernel "
                              "reported for that connection" % (k["stream"], stream_client, side, tk, side))
    for j in t["mp_join_syns"]:
        if kernel_tokens.get(j["token"]) != "server":
            checks.append("MP_JOIN SYN frame %d carries token %s, unknown to the kernel's facts"
                          % (j["frame"], j["token"]))
    t["problems"] = checks
    return t


# -------------------------------------------------------------------- main --

def dumps(obj, level=0):
    """JSON, indented, but a list or object whose members are all scalars
    (or short) goes on one line: readable and small."""
    flat = json.dumps(obj, separators=(", ", ": "))
    if not isinstance(obj, (dict, list)) or len(flat) <= 260 or not any(
            isinstance(v, (dict, list)) for v in (obj.values() if isinstance(obj, dict) else obj)):
        return flat
    pad, inner = " " * level, " " * (level + 1)
    if isinstance(obj, dict):
        items = ["%s%s: %s" % (inner, json.dumps(k), dumps(v, level + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}" if items else "{}"
    items = ["%s%s" % (inner, dumps(v, level + 1)) for v in obj]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]" if items else "[]"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scenario", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--work", required=True)
    p.add_argument("--capture", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--extra", action="append", default=[], help="KEY=JSON added to the facts")
    a = p.parse_args()
    w = a.work

    peers = {}
    for role in ("client", "server"):
        path = os.path.join(w, "peer-%s.json" % role)
        if os.path.exists(path):
            with open(path) as f:
                peers[role] = json.load(f)
    peers_out = json.loads(json.dumps(peers))
    for pr in peers_out.values():
        if len(pr.get("connections", [])) > 10:
            # many connections: keep per connection what identifies it
            for c in pr["connections"]:
                for k in ("steps", "marks", "info"):
                    c.pop(k, None)
                mi = c.get("mptcp_info") or {}
                c["mptcp_info"] = {k: mi[k] for k in ("error", "token", "flags", "fallback",
                                                      "subflows", "bytes_sent", "bytes_received")
                                   if k in mi}
            pr["note"] = "per-connection steps and mptcp_info trimmed to the identifying fields"
    monitors_raw = {r: read(os.path.join(w, "monitor-%s.txt" % r)).splitlines()
                    for r in ("client", "server")}
    monitors = {r: parse_monitor("\n".join(v)) for r, v in monitors_raw.items()}
    snaps = parse_snapshots(w)
    conns, checks = build_connections(peers, monitors, snaps)

    facts = {
        "scenario": a.scenario,
        "file": os.path.basename(a.capture),
        "description": a.description,
        "made_by": "testdata/make-captures.sh %s" % a.scenario,
        "kernel": os.uname().release,
        "tools": {
            "iproute2": subprocess.run(["ip", "-V"], capture_output=True, text=True).stdout.strip(),
            "tcpdump": subprocess.run(["tcpdump", "--version"], capture_output=True,
                                      text=True).stdout.splitlines()[0],
            "tshark": subprocess.run(["tshark", "--version"], capture_output=True,
                                     text=True).stdout.splitlines()[0],
        },
        "commands": [{"time": float(c["time"]), "role": c["role"], "command": c["command"]}
                     for c in parse_tsv(os.path.join(w, "commands.tsv"), ["time", "role", "command"])],
        "events": [
            {"name": e["name"], "time_before": float(e["t0"]), "time_after": float(e["t1"]),
             "role": e["role"], "command": e["command"]}
            for e in parse_tsv(os.path.join(w, "events.tsv"), ["name", "t0", "t1", "role", "command"])
        ],
        "config": {},
        "bytes": {
            "client_to_server": peers.get("client", {}).get("bytes_sent"),
            "server_to_client": peers.get("client", {}).get("bytes_received"),
            "note": "application bytes, counted by mptcp_peer.py on the client side",
        },
        "connections": conns,
        "capture_tool": capture_tool_stats(w),
        "raw": {"monitor": monitors_raw, "snapshots": snaps},
        "peers": peers_out,
    }
    for extra in a.extra:
        k, _, v = extra.partition("=")
        facts[k] = json.loads(v)
    for when in ("before", "after"):
        for path in sorted(glob.glob(os.path.join(w, "state-%s-*.txt" % when))):
            role = os.path.basename(path)[len("state-%s-" % when):-4]
            facts["config"].setdefault(role, {})[when] = parse_state(read(path))
    t = tshark_check(a.capture, conns)
    facts["tshark"] = t
    first = subprocess.run(["tshark", "-r", a.capture, "-c", "1", "-T", "fields", "-e",
                            "frame.time_epoch"], capture_output=True, text=True).stdout.strip()
    if first:
        # event times against the capture's own clock (same host clock)
        facts["first_frame_epoch"] = float(first)
        for e in facts["events"]:
            e["seconds_after_first_frame"] = round(e["time_before"] - float(first), 6)
    for name, lines in facts["capture_tool"].items():
        text = " ".join(lines)
        cap = re.search(r"(\d+) packets captured", text)
        rec = re.search(r"(\d+) packets received by filter", text)
        drop = re.search(r"(\d+) packets dropped by kernel", text)
        if cap and rec and cap.group(1) != rec.group(1):
            checks.append("%s: %s packets captured but %s received by filter"
                          % (name, cap.group(1), rec.group(1)))
        if drop and drop.group(1) != "0":
            checks.append("%s: %s packets dropped by kernel" % (name, drop.group(1)))
    facts["problems"] = checks + t["problems"]
    for role in ("client", "server"):
        err = peers.get(role, {}).get("error")
        if err:
            facts["problems"].append("%s peer: %s" % (role, err))
    with open(a.out, "w") as f:
        f.write(dumps(facts))
        f.write("\n")
    if facts["problems"]:
        for pr in facts["problems"]:
            print("  problem: %s" % pr, file=sys.stderr)
    print("  %s: %d frames, subtypes %s, %d tcp streams, %d connection(s)" % (
        facts["file"], t["frames"], json.dumps(t["subtype_counts"]), len(t["tcp_streams"]), len(conns)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
