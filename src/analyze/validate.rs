//! The checks no other tool makes: MP_JOIN and ADD_ADDR HMACs, DSS checksums.
//!
//! - MP_JOIN (RFC 8684 §3.2): the SYN-ACK carries the leftmost 64 bits of the listener's HMAC
//!   (Key = listener's key + initiator's key, Msg = listener's nonce + initiator's nonce), the
//!   third ACK the leftmost 160 bits of the initiator's (keys and nonces the other way round).
//! - ADD_ADDR (§3.4.1): the rightmost 64 bits of HMAC(sender's key + receiver's key, address
//!   ID + address + port). Early Linux kernels sent the leftmost 64 bits; a match on those is
//!   counted apart (`ok_leftmost`), so that the difference is seen, not hidden.
//! - DSS checksum (§3.3.1): summed over the segments of the mapping as they come, on the bytes
//!   the capture kept. When the snapshot length cut a byte of it, the result is "not
//!   verifiable", never "bad".

use crate::capture::Segment;
use crate::mptcp::crypto::{self, Checksum};
use crate::mptcp::{AddAddr, Hmac64, Hmac160, Version};

use super::Analyzer;
use super::report::Side;
use super::subflow::{PendingChecksum, before};

impl Analyzer {
    /// Keys and nonces of a join, as (initiator's, listener's), when all are known.
    #[allow(clippy::type_complexity)]
    fn join_material(
        &self,
        cid: usize,
        fid: usize,
    ) -> Option<(
        Version,
        (crate::mptcp::Key, crate::mptcp::Nonce),
        (crate::mptcp::Key, crate::mptcp::Nonce),
    )> {
        let conn = &self.conns[cid];
        let flow = &self.flows[fid];
        let initiator = flow.conn_side(Side::Client);
        let version = conn.version.unwrap_or(Version::V1);
        Some((
            version,
            (conn.key(initiator)?, flow.nonce[0]?),
            (conn.key(initiator.other())?, flow.nonce[1]?),
        ))
    }

    pub(super) fn check_join_syn_ack(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        got: Hmac64,
    ) {
        let expected = self
            .join_material(cid, fid)
            .and_then(|(v, (ki, ni), (kl, nl))| {
                crypto::join_hmac(v, kl, ki, nl, ni).map(|d| d.leftmost64())
            });
        match expected {
            Some(e) if e == got => self.conns[cid].validation.join_hmac.ok += 1,
            Some(e) => {
                self.conns[cid].validation.join_hmac.bad += 1;
                let detail =
                    format!("MP_JOIN SYN-ACK HMAC {got}, expected {e} from the keys and nonces");
                self.anomaly(cid, fid, seg, "bad_join_hmac", detail);
            }
            None => self.conns[cid].validation.join_hmac.not_verifiable += 1,
        }
    }

    /// Returns whether the HMAC is good or could not be checked (the join goes ahead).
    pub(super) fn check_join_ack(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        got: &Hmac160,
    ) -> bool {
        let expected = self
            .join_material(cid, fid)
            .and_then(|(v, (ki, ni), (kl, nl))| {
                crypto::join_hmac(v, ki, kl, ni, nl).map(|d| d.leftmost160())
            });
        match expected {
            Some(e) if e == *got => {
                self.conns[cid].validation.join_hmac.ok += 1;
                true
            }
            Some(e) => {
                self.conns[cid].validation.join_hmac.bad += 1;
                let detail =
                    format!("MP_JOIN ACK HMAC {got}, expected {e} from the keys and nonces");
                self.anomaly(cid, fid, seg, "bad_join_hmac", detail);
                false
            }
            None => {
                self.conns[cid].validation.join_hmac.not_verifiable += 1;
                true
            }
        }
    }

    /// Checks a v1 ADD_ADDR that is not an echo; returns the verdict for its event.
    pub(super) fn check_add_addr(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        a: &AddAddr,
        side: Side,
    ) -> &'static str {
        let keys = (self.conns[cid].key(side), self.conns[cid].key(side.other()));
        let Some(got) = a.hmac else {
            let detail = format!(
                "ADD_ADDR for {} without an HMAC and without the echo flag",
                a.addr
            );
            self.anomaly(cid, fid, seg, "add_addr_without_hmac", detail);
            return "missing";
        };
        let counts = &mut self.conns[cid].validation.add_addr_hmac;
        let (Some(ks), Some(kr)) = keys else {
            counts.not_verifiable += 1;
            return "not_verifiable";
        };
        let d = crypto::add_addr_hmac(ks, kr, a.addr_id, a.addr, a.port);
        if d.rightmost64() == got {
            counts.ok += 1;
            "ok"
        } else if d.leftmost64() == got {
            *counts.ok_leftmost.get_or_insert(0) += 1;
            "ok_leftmost"
        } else {
            counts.bad += 1;
            let detail = format!(
                "ADD_ADDR for {} (ID {}) has HMAC {got}, expected {} from the keys",
                a.addr,
                a.addr_id,
                d.rightmost64()
            );
            self.anomaly(cid, fid, seg, "bad_add_addr_hmac", detail);
            "bad"
        }
    }

    /// A new mapping with a checksum: sums start over (a mapping left unfinished before it
    /// is not verifiable).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn checksum_start(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        flow_side: Side,
        dsn: u64,
        ssn: u32,
        data_len: u16,
        payload: u32,
        checksum: u16,
    ) {
        let pending = PendingChecksum {
            frame: seg.frame,
            dsn,
            ssn,
            data_len,
            checksum,
            sum: Checksum::default(),
            next: ssn,
            end: ssn.wrapping_add(payload),
            cut: false,
        };
        let old = self.flows[fid].dir[flow_side.index()]
            .checksum
            .replace(pending);
        if let Some(old) = old {
            if old.next != old.end && !(old.dsn == dsn && old.ssn == ssn) {
                self.conns[cid].validation.dss_checksum.not_verifiable += 1;
            } else if old.next != old.end {
                // The same mapping again (each segment of a split GSO packet repeats it):
                // keep summing where the first one got to.
                self.flows[fid].dir[flow_side.index()].checksum = Some(old);
            }
        }
        if payload == 0 {
            self.checksum_finish(cid, fid, flow_side);
        }
    }

    /// Sums the bytes of a segment that fall in the pending mapping of its direction.
    pub(super) fn checksum_feed(
        &mut self,
        cid: usize,
        fid: usize,
        seg: &Segment<'_>,
        flow_side: Side,
        rel: u32,
    ) {
        let Some(p) = &mut self.flows[fid].dir[flow_side.index()].checksum else {
            return;
        };
        let seg_end = rel.wrapping_add(seg.payload_len);
        let from = if before(p.next, rel) {
            p.cut = true; // a hole: part of the mapping is not in the capture
            rel
        } else {
            p.next
        };
        let to = if before(p.end, seg_end) {
            p.end
        } else {
            seg_end
        };
        if !before(from, to) {
            return; // summed already (a retransmission), or past the mapping
        }
        let offset = from.wrapping_sub(rel) as usize;
        let bytes = seg
            .payload
            .get(offset..offset + to.wrapping_sub(from) as usize);
        match bytes {
            Some(b) if !p.cut => p.sum.add(b),
            _ => p.cut = true, // the snapshot length cut it
        }
        p.next = to;
        if p.next == p.end {
            self.checksum_finish(cid, fid, flow_side);
        }
    }

    fn checksum_finish(&mut self, cid: usize, fid: usize, flow_side: Side) {
        let Some(p) = self.flows[fid].dir[flow_side.index()].checksum.take() else {
            return;
        };
        let counts = &mut self.conns[cid].validation.dss_checksum;
        if p.cut {
            counts.not_verifiable += 1;
        } else if p.sum.dss_matches(p.dsn, p.ssn, p.data_len, p.checksum) {
            counts.ok += 1;
        } else {
            counts.bad += 1;
            let expected = p.sum.dss_value(p.dsn, p.ssn, p.data_len);
            let time = self.rel(self.last_ns);
            let subflow = Some(self.flows[fid].index);
            let conn = &mut self.conns[cid];
            if conn.anomalies.len() < self.limits.anomalies_per_connection {
                conn.anomalies.push(super::report::Anomaly {
                    kind: "bad_dss_checksum",
                    frame: Some(p.frame),
                    time: Some(time),
                    subflow,
                    detail: format!(
                        "DSS checksum {:04x} for DSN {} ({} bytes), expected {expected:04x}",
                        p.checksum, p.dsn, p.data_len
                    ),
                });
            } else {
                conn.suppressed += 1;
            }
        }
    }
}
