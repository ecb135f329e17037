//! What each MPTCP option means for its connection: handshakes, joins, mappings, addresses.

use crate::capture::Segment;
use crate::mptcp::{AddAddr, Dss, JoinForm, JoinHmac, MpCapable, MpJoin, MptcpOption, Version};

use super::dsn::{expand, low_half};
use super::perf::SeqPoint;
use super::report::{EventKind, Side};
use super::secs;
use super::subflow::{Mapping, Origin};
use super::{Analyzer, SegmentOptions};

impl Analyzer {
    /// MP_CAPABLE on the first subflow: version, keys, tokens; fallback when the SYN-ACK
    /// does not answer MP_CAPABLE (RFC 8684 §3.1).
    pub(super) fn handshake(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        opts: &SegmentOptions<'_>,
        side: Side,
    ) {
        if self.flows[fid].origin != Origin::Initial {
            return;
        }
        let mpc = opts.iter().find_map(|o| match o {
            MptcpOption::MpCapable(m) => Some(*m),
            _ => None,
        });
        let (syn, ack) = (seg.flags.syn(), seg.flags.ack());
        match mpc {
            Some(m) if syn => {
                let conn = &mut self.conns[cid];
                conn.version.get_or_insert(m.version);
                conn.checksums |= m.checksum_required();
                if let Some(k) = m.sender_key {
                    let (sender, mismatch) = if ack {
                        (Side::Server, "server key differs from an earlier one")
                    } else {
                        (
                            Side::Client,
                            "client key in the third ACK differs from the SYN's",
                        )
                    };
                    self.learn_key(cid, fid, seg, sender, k, mismatch);
                }
            }
            // The client asked for MPTCP (this flow exists because its SYN did), the server
            // did not answer: plain TCP from here on.
            None if syn && ack && self.flows[fid].syn_ns.is_some() => {
                self.fall_back(cid, fid, seg, "syn_ack_without_mp_capable");
            }
            Some(m) => self.third_ack(cid, fid, seg, &m, side),
            None => {}
        }
    }

    /// The third ACK (or first data) of the first subflow: the client's key and an echo of
    /// the server's (RFC 8684 §3.1); with data, the implied mapping at the client's IDSN + 1.
    fn third_ack(&mut self, cid: usize, fid: usize, seg: &Segment<'_>, m: &MpCapable, side: Side) {
        if side != Side::Client {
            self.anomaly(
                cid,
                fid,
                seg,
                "mp_capable_from_server",
                "a non-SYN MP_CAPABLE sent by the server".into(),
            );
            return;
        }
        self.conns[cid].version.get_or_insert(m.version);
        self.conns[cid].checksums |= m.checksum_required();
        if let Some(k) = m.sender_key {
            self.learn_key(
                cid,
                fid,
                seg,
                Side::Client,
                k,
                "client key in the third ACK differs from the SYN's (v0)",
            );
        }
        if let Some(k) = m.receiver_key {
            match self.conns[cid].key(Side::Server) {
                Some(known) if known != k => {
                    let detail = format!(
                        "the third ACK echoes server key {k}, but the SYN-ACK sent {known}"
                    );
                    self.anomaly(cid, fid, seg, "echoed_key_mismatch", detail);
                }
                Some(_) => {}
                None => self.learn_key(cid, fid, seg, Side::Server, k, ""),
            }
        }
        let conn = &self.conns[cid];
        if !conn.established && conn.keys.iter().all(Option::is_some) {
            self.conns[cid].established = true;
            let subflow = self.flows[fid].index;
            self.event(cid, seg, EventKind::Established { subflow });
        }
        if let (Some(data_len), Some(h)) = (m.data_len, self.conns[cid].data[0].key_hash) {
            // Section 3.1: the data of an MP_CAPABLE starts at the sender's IDSN + 1, and at
            // relative subflow sequence number 1.
            let dsn = h.idsn.wrapping_add(1);
            self.set_mapping(
                cid,
                fid,
                seg,
                Side::Client,
                dsn,
                1,
                data_len,
                false,
                m.checksum,
            );
        }
    }

    /// Records a host's key; a different key for a host that has one is an anomaly.
    fn learn_key(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        side: Side,
        key: crate::mptcp::Key,
        mismatch: &str,
    ) {
        match self.conns[cid].key(side) {
            Some(known) if known != key => {
                let detail = format!("{mismatch}: {known} then {key}");
                self.anomaly(cid, fid, seg, "key_mismatch", detail);
            }
            Some(_) => {}
            None => {
                if let Some(token) = self.conns[cid].set_key(side, key) {
                    self.tokens.entry(token).or_insert(cid);
                }
            }
        }
    }

    pub(super) fn fall_back(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        reason: &'static str,
    ) {
        if self.conns[cid].fallback.is_none() {
            self.conns[cid].fallback = Some(reason);
            let subflow = self.flows[fid].index;
            self.event(cid, seg, EventKind::Fallback { subflow, reason });
        }
    }

    /// Every option but MP_CAPABLE, which `handshake` reads.
    pub(super) fn option(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        opt: &MptcpOption<'_>,
        side: Side,
    ) {
        let subflow = self.flows[fid].index;
        match opt {
            MptcpOption::MpCapable(_) => {}
            MptcpOption::MpJoin(j) => self.join(cid, fid, seg, j, side),
            MptcpOption::Dss(d) => self.dss(cid, fid, seg, d, side),
            MptcpOption::AddAddr(a) => self.add_addr(cid, fid, seg, a, side),
            MptcpOption::RemoveAddr(r) => {
                self.conns[cid].announced[side.index()].retain(|(id, ..)| !r.addr_ids.contains(id));
                let addr_ids = r.addr_ids.to_vec();
                self.event(cid, seg, EventKind::RemoveAddr { by: side, addr_ids });
            }
            MptcpOption::MpPrio(p) => {
                match p.addr_id {
                    // RFC 6824: the subflows of the sender's address with that ID.
                    Some(id) => {
                        for &f in &self.conns[cid].subflows {
                            let flow = &mut self.flows[f];
                            let sender_is_client =
                                flow.conn_side(super::report::Side::Client) == side;
                            let sender_id = if sender_is_client {
                                flow.client_addr_id
                            } else {
                                flow.server_addr_id
                            };
                            if sender_id == Some(id) {
                                flow.backup[side.index()] = p.backup;
                            }
                        }
                    }
                    // RFC 8684: the subflow it is sent on.
                    None => self.flows[fid].backup[side.index()] = p.backup,
                }
                self.event(
                    cid,
                    seg,
                    EventKind::MpPrio {
                        subflow,
                        by: side,
                        backup: p.backup,
                        addr_id: p.addr_id,
                    },
                );
            }
            MptcpOption::MpFail(f) => {
                self.event(
                    cid,
                    seg,
                    EventKind::MpFail {
                        subflow,
                        by: side,
                        dsn: f.dsn,
                    },
                );
                self.fall_back(cid, fid, seg, "mp_fail");
            }
            MptcpOption::MpFastclose(f) => {
                if let Some(key) = self.conns[cid].key(side.other())
                    && key != f.key
                {
                    let detail = format!(
                        "MP_FASTCLOSE carries key {}, but the receiver's key is {key}",
                        f.key
                    );
                    self.anomaly(cid, fid, seg, "fastclose_key_mismatch", detail);
                }
                self.conns[cid].fastclosed = true;
                self.event(cid, seg, EventKind::Fastclose { subflow, by: side });
            }
            MptcpOption::MpTcprst(r) => {
                self.flows[fid].reset_reason = Some(r.reason);
                let what = EventKind::MpTcprst {
                    subflow,
                    by: side,
                    reason: r.reason,
                    reason_name: r.reason_name(),
                    transient: r.transient,
                };
                self.event(cid, seg, what);
            }
            MptcpOption::Unknown(u) => {
                let detail = format!("option of subtype {} ({})", u.kind_subtype, u.raw_hex());
                self.anomaly(cid, fid, seg, "unknown_subtype", detail);
            }
        }
    }

    /// MP_JOIN (RFC 8684 §3.2): address IDs, backup, nonces; HMACs checked as they come.
    fn join(&mut self, cid: usize, fid: usize, seg: &Segment<'_>, j: &MpJoin, side: Side) {
        let flow_side = self.flows[fid].flow_side(seg);
        let subflow = self.flows[fid].index;
        let flow = &mut self.flows[fid];
        match j.form {
            JoinForm::Syn if flow_side == Side::Client => {
                let first = flow.nonce[0].is_none();
                flow.join_token = j.token;
                flow.nonce[0] = j.nonce;
                flow.client_addr_id = j.addr_id;
                flow.backup[side.index()] = j.backup.unwrap_or(false);
                if first {
                    let (addr_id, backup) = (j.addr_id.unwrap_or(0), j.backup.unwrap_or(false));
                    self.event(
                        cid,
                        seg,
                        EventKind::Join {
                            subflow,
                            by: side,
                            addr_id,
                            backup,
                        },
                    );
                    self.check_join_addr_id(cid, fid, seg, side, addr_id, (seg.src, seg.sport));
                }
            }
            JoinForm::SynAck if flow_side == Side::Server => {
                flow.nonce[1] = j.nonce;
                flow.server_addr_id = j.addr_id;
                flow.backup[side.index()] = j.backup.unwrap_or(false);
                if let Some(JoinHmac::Truncated(h)) = j.hmac {
                    flow.thmac = Some(h);
                    self.check_join_syn_ack(cid, fid, seg, h);
                }
            }
            JoinForm::Ack if flow_side == Side::Client => {
                if let Some(JoinHmac::Full(h)) = j.hmac
                    && self.check_join_ack(cid, fid, seg, &h)
                {
                    self.event(cid, seg, EventKind::JoinEstablished { subflow });
                }
            }
            _ => {
                let detail = format!(
                    "MP_JOIN {:?} form sent by the subflow's {:?}",
                    j.form, flow_side
                );
                self.anomaly(cid, fid, seg, "join_out_of_place", detail);
            }
        }
    }

    /// The same address ID for two different source addresses of one host is a reuse.
    fn check_join_addr_id(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        side: Side,
        addr_id: u8,
        addr: (std::net::IpAddr, u16),
    ) {
        let clash = self.conns[cid]
            .subflows
            .iter()
            .filter(|&&f| f != fid)
            .find_map(|&f| {
                let other = &self.flows[f];
                let (id, ep) = if other.conn_side(Side::Client) == side {
                    (other.client_addr_id, other.client)
                } else {
                    (other.server_addr_id, other.server)
                };
                (id == Some(addr_id) && ep.0 != addr.0).then_some(ep.0)
            });
        if let Some(old) = clash {
            let detail = format!(
                "address ID {addr_id} names {old} on another subflow and {} on this one",
                addr.0
            );
            self.anomaly(cid, fid, seg, "addr_id_reused", detail);
        }
    }

    /// DSS: data ACK, mapping, DATA_FIN, infinite mapping (RFC 8684 §3.3).
    fn dss(&mut self, cid: usize, fid: usize, seg: &Segment<'_>, d: &Dss, side: Side) {
        if let Some(raw) = d.data_ack {
            self.data_ack(cid, fid, seg, side.other(), raw, d.data_ack64());
        }
        let (Some(raw), Some(ssn), Some(data_len)) = (d.dsn, d.ssn, d.data_len) else {
            return;
        };
        // Expand a 4-byte DSN by the DSN's own flag `m`, never by the data ACK's `a`.
        let dsn = if d.dsn64() {
            raw
        } else {
            self.conns[cid].data[side.index()]
                .dsn_base()
                .map_or(raw, |base| expand(base, low_half(raw)))
        };
        if data_len == 0 {
            self.fall_back(cid, fid, seg, "infinite_mapping");
            return;
        }
        self.set_mapping(
            cid,
            fid,
            seg,
            side,
            dsn,
            ssn,
            data_len,
            d.data_fin(),
            d.checksum,
        );
        if d.data_fin() && !self.conns[cid].data[side.index()].data_fin {
            self.conns[cid].data[side.index()].data_fin = true;
            let subflow = self.flows[fid].index;
            let fin_dsn = dsn.wrapping_add(u64::from(data_len) - 1);
            self.event(
                cid,
                seg,
                EventKind::DataFin {
                    subflow,
                    by: side,
                    dsn: fin_dsn,
                },
            );
        }
    }

    /// A data ACK from the peer of `data_side`: advances what `data_side` knows delivered.
    fn data_ack(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        data_side: Side,
        raw: u64,
        wide: bool,
    ) {
        let space = &mut self.conns[cid].data[data_side.index()];
        // Expand a 4-byte data ACK by the data ACK's own flag `a`.
        let ack = if wide {
            raw
        } else {
            match space.ack_base() {
                Some(base) => expand(base, low_half(raw)),
                None => raw,
            }
        };
        let advanced = space
            .data_ack
            .is_none_or(|prev| ack.wrapping_sub(prev).cast_signed() > 0);
        if !advanced {
            return;
        }
        space.data_ack = Some(ack);
        space.waiting.data_acked(ack, seg.time_ns);
        if self.points
            && let Some(origin) = space.origin
        {
            let time = secs(seg.time_ns - self.first_ns.unwrap_or(seg.time_ns));
            let subflow = self.flows[fid].index;
            let point = SeqPoint {
                time,
                offset: ack.wrapping_sub(origin),
                len: 0,
                subflow,
                kind: "data_ack",
            };
            space.points.get_or_insert_with(Box::default).push(point);
        }
        let s = data_side.index();
        for &f in &self.conns[cid].subflows {
            let d = &mut self.flows[f].data[s];
            if d.recovered_ns.is_none()
                && d.dsn_end
                    .is_some_and(|end| end.wrapping_sub(ack).cast_signed() <= 0)
            {
                d.recovered_ns = Some(seg.time_ns);
            }
        }
    }

    /// Puts a mapping in force on the sender's direction of the subflow, and starts its
    /// checksum if it carries one.
    #[allow(clippy::too_many_arguments)]
    fn set_mapping(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        side: Side,
        dsn: u64,
        ssn: u32,
        data_len: u16,
        data_fin: bool,
        checksum: Option<u16>,
    ) {
        let conn = &mut self.conns[cid];
        conn.data[side.index()].mapped = true;
        conn.data[side.index()].last_dsn = Some(dsn);
        let checksums = conn.checksums;
        let flow_side = self.flows[fid].flow_side(seg);
        let payload = u32::from(data_len) - u32::from(data_fin);
        let dir = &mut self.flows[fid].dir[flow_side.index()];
        // Without the handshake the ISN is unknown: a mapping starts at its segment's
        // first byte, which gives it.
        if dir.isn.is_none() && seg.payload_len > 0 {
            dir.isn = Some(seg.seq.wrapping_sub(ssn));
        }
        dir.mapping = Some(Mapping { dsn, ssn, payload });
        match checksum {
            Some(c) => {
                self.checksum_start(cid, fid, seg, flow_side, dsn, ssn, data_len, payload, c);
            }
            None if checksums => {
                self.anomaly(
                    cid,
                    fid,
                    seg,
                    "missing_dss_checksum",
                    "checksums were negotiated, but this mapping has none".into(),
                );
            }
            None => {}
        }
    }

    /// ADD_ADDR (RFC 8684 §3.4.1): announcements, echoes, address-ID reuse, HMACs.
    fn add_addr(&mut self, cid: usize, fid: usize, seg: &Segment<'_>, a: &AddAddr, side: Side) {
        let echo = a.echo == Some(true);
        let announced = &self.conns[cid].announced;
        if echo {
            // An echo repeats an announcement of the peer's.
            let known = announced[side.other().index()]
                .iter()
                .any(|&(id, addr, port)| id == a.addr_id && addr == a.addr && port == a.port);
            if !known {
                let detail = format!(
                    "echo of address ID {} ({}) that the peer did not announce",
                    a.addr_id, a.addr
                );
                self.anomaly(cid, fid, seg, "add_addr_echo_unmatched", detail);
            }
        } else {
            let list = &announced[side.index()];
            if let Some(&(_, old, _)) = list
                .iter()
                .find(|&&(id, addr, _)| id == a.addr_id && addr != a.addr)
            {
                let detail = format!(
                    "address ID {} announced for {old}, then for {} without a REMOVE_ADDR",
                    a.addr_id, a.addr
                );
                self.anomaly(cid, fid, seg, "addr_id_reused", detail);
            }
            let list = &mut self.conns[cid].announced[side.index()];
            list.retain(|&(id, ..)| id != a.addr_id);
            // Address IDs are one byte: the list cannot grow past 256 entries.
            list.push((a.addr_id, a.addr, a.port));
        }
        let hmac = if echo || a.version == Version::V0 {
            None
        } else {
            Some(self.check_add_addr(cid, fid, seg, a, side))
        };
        let what = EventKind::AddAddr {
            by: side,
            addr_id: a.addr_id,
            addr: a.addr,
            port: a.port,
            echo,
            hmac,
        };
        self.event(cid, seg, what);
    }

    /// Data of a segment on a linked subflow: into the data sequence space by its mapping.
    /// Returns the data sequence range of the segment's mapped bytes.
    pub(super) fn map_data(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        opts: &SegmentOptions<'_>,
        side: Side,
    ) -> Option<(u64, u64)> {
        let flow = &self.flows[fid];
        let flow_side = flow.flow_side(seg);
        let rel = flow.relative(flow_side, seg.seq);
        let mapping = flow.dir[flow_side.index()].mapping;
        let index = u32::try_from(flow.index).unwrap_or(u32::MAX);
        let subflow = flow.index;
        if let (Some(rel), Some(m)) = (rel, mapping) {
            let off = rel.wrapping_sub(m.ssn);
            let mut mapped = None;
            if off < m.payload {
                let n = seg.payload_len.min(m.payload - off);
                let start = m.dsn.wrapping_add(u64::from(off));
                let end = start.wrapping_add(u64::from(n));
                let bin = self.bin(seg.time_ns);
                let time = secs(seg.time_ns - self.first_ns.unwrap_or(seg.time_ns));
                let space = &mut self.conns[cid].data[side.index()];
                let c = space.sent.record(start, end, index);
                if self.points {
                    // Offsets count from IDSN + 1, or from the first data seen without keys.
                    let origin = *space
                        .origin
                        .get_or_insert(space.key_hash.map_or(start, |k| k.idsn.wrapping_add(1)));
                    let offset = start.wrapping_sub(origin);
                    // Data from before the origin (seen late, without keys) has no place.
                    if offset.cast_signed() >= 0 {
                        let kind = if c.new > 0 {
                            "new"
                        } else if c.reinjected > 0 {
                            "reinjected"
                        } else {
                            "resent"
                        };
                        space
                            .points
                            .get_or_insert_with(Box::default)
                            .push(SeqPoint {
                                time,
                                offset,
                                len: n,
                                subflow,
                                kind,
                            });
                    }
                }
                space.data_bytes += c.new;
                if c.reinjected > 0 {
                    space.reinjections += 1;
                    space.reinjected_bytes += c.reinjected;
                }
                if let Some(bin) = bin {
                    space
                        .series
                        .get_or_insert_with(Default::default)
                        .add(bin, c.new);
                }
                let d = &mut self.flows[fid].data[side.index()];
                if d.dsn_end
                    .is_none_or(|e| end.wrapping_sub(e).cast_signed() > 0)
                {
                    d.dsn_end = Some(end);
                }
                mapped = Some((start, end));
            }
            self.checksum_feed(cid, fid, seg, flow_side, rel);
            return mapped;
        }
        // Data on the first subflow of a connection that never mapped any: the peers are
        // speaking plain TCP (RFC 8684 §3.7).
        let conn = &self.conns[cid];
        if conn.fallback.is_none()
            && !seg.options_cut
            && opts.len == 0
            && self.flows[fid].origin == Origin::Initial
            && !conn.data[side.index()].mapped
        {
            self.fall_back(cid, fid, seg, "data_without_mapping");
        }
        None
    }
}
