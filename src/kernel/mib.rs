//! The MPTCP MIB counters: what each one counts and which ones signal trouble.
//!
//! Upstream kernels export them as the `MPTcpExt` line of `/proc/net/netstat` (what `nstat`
//! shows); names and meanings from `net/mptcp/mib.c` (`mptcp_snmp_list`) and the comments
//! of `net/mptcp/mib.h`, up to Linux 6.18. The out-of-tree kernel (multipath-tcp/mptcp,
//! v0.9x) exported its own list in `/proc/net/mptcp_net/snmp` (`net/mptcp/mptcp_ctrl.c`);
//! its names that differ are described too.
//!
//! A name this table does not know is still shown, without a meaning.

use serde::Serialize;

/// How much attention a non-zero counter deserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Normal operation.
    Info,
    /// Worth a look when it grows: retransmissions, stale subflows, resets.
    Warn,
    /// Something failed: fallbacks to TCP, checksum or HMAC errors, refused joins, dropped
    /// ADD_ADDR or RM_ADDR.
    Trouble,
}

use Level::{Info, Trouble, Warn};

/// Name, meaning, level.
const COUNTERS: &[(&str, &str, Level)] = &[
    (
        "MPCapableSYNRX",
        "SYN with MP_CAPABLE received (passive MPTCP open attempts)",
        Info,
    ),
    (
        "MPCapableSYNTX",
        "SYN with MP_CAPABLE sent (active MPTCP open attempts)",
        Info,
    ),
    (
        "MPCapableSYNACKRX",
        "SYN/ACK with MP_CAPABLE received",
        Info,
    ),
    ("MPCapableACKRX", "third ACK with MP_CAPABLE received", Info),
    (
        "MPCapableFallbackACK",
        "server fell back to TCP: third ACK without MP_CAPABLE",
        Trouble,
    ),
    (
        "MPCapableFallbackSYNACK",
        "client fell back to TCP: SYN/ACK without MP_CAPABLE (peer or middlebox)",
        Trouble,
    ),
    (
        "MPCapableSYNTXDrop",
        "client fell back to TCP after its MP_CAPABLE SYNs were dropped",
        Trouble,
    ),
    (
        "MPCapableSYNTXDisabled",
        "MP_CAPABLE not sent: MPTCP paused after a blackhole was detected",
        Trouble,
    ),
    (
        "MPCapableEndpAttempt",
        "MP_CAPABLE SYN to a port-based endpoint refused",
        Warn,
    ),
    (
        "MPFallbackTokenInit",
        "fell back to TCP: no token could be allocated",
        Trouble,
    ),
    (
        "MPTCPRetrans",
        "segments retransmitted at the MPTCP level (reinjected)",
        Warn,
    ),
    (
        "MPJoinNoTokenFound",
        "MP_JOIN received with an unknown token",
        Trouble,
    ),
    ("MPJoinSynRx", "SYN with MP_JOIN received", Info),
    (
        "MPJoinSynBackupRx",
        "SYN with MP_JOIN and the backup flag received",
        Info,
    ),
    ("MPJoinSynAckRx", "SYN/ACK with MP_JOIN received", Info),
    (
        "MPJoinSynAckBackupRx",
        "SYN/ACK with MP_JOIN and the backup flag received",
        Info,
    ),
    (
        "MPJoinSynAckHMacFailure",
        "HMAC wrong in a SYN/ACK with MP_JOIN",
        Trouble,
    ),
    ("MPJoinAckRx", "third ACK with MP_JOIN received", Info),
    (
        "MPJoinAckHMacFailure",
        "HMAC wrong in an ACK with MP_JOIN",
        Trouble,
    ),
    (
        "MPJoinRejected",
        "MP_JOIN refused by the path manager (limits, or not allowed)",
        Trouble,
    ),
    ("MPJoinSynTx", "SYN with MP_JOIN sent", Info),
    (
        "MPJoinSynTxCreatSkErr",
        "no socket could be created for a new subflow",
        Trouble,
    ),
    (
        "MPJoinSynTxBindErr",
        "a new subflow could not bind() its address",
        Trouble,
    ),
    (
        "MPJoinSynTxConnectErr",
        "a new subflow could not connect()",
        Trouble,
    ),
    (
        "DSSNotMatching",
        "a new mapping did not match the previous one",
        Trouble,
    ),
    (
        "DSSCorruptionFallback",
        "DSS corruption detected: fell back to TCP",
        Trouble,
    ),
    (
        "DSSCorruptionReset",
        "DSS corruption detected: MP_JOIN subflow reset",
        Trouble,
    ),
    (
        "InfiniteMapTx",
        "infinite mapping sent (fallback after the handshake)",
        Trouble,
    ),
    (
        "InfiniteMapRx",
        "infinite mapping received (peer fell back)",
        Trouble,
    ),
    (
        "DSSNoMatchTCP",
        "DSS mapping did not match the TCP sequence numbers",
        Trouble,
    ),
    ("DataCsumErr", "DSS checksum failed", Trouble),
    (
        "OFOQueueTail",
        "segments appended to the MPTCP out-of-order queue",
        Info,
    ),
    (
        "OFOQueue",
        "segments inserted into the MPTCP out-of-order queue",
        Info,
    ),
    (
        "OFOMerge",
        "segments merged in the MPTCP out-of-order queue",
        Info,
    ),
    (
        "NoDSSInWindow",
        "segments outside the MPTCP receive window",
        Warn,
    ),
    (
        "DuplicateData",
        "segments dropped: data already received on another subflow",
        Warn,
    ),
    ("AddAddr", "ADD_ADDR received", Info),
    ("AddAddrTx", "ADD_ADDR sent", Info),
    (
        "AddAddrTxDrop",
        "ADD_ADDR not sent: out of resources",
        Trouble,
    ),
    ("EchoAdd", "ADD_ADDR echo received", Info),
    ("EchoAddTx", "ADD_ADDR echo sent", Info),
    (
        "EchoAddTxDrop",
        "ADD_ADDR echo not sent: out of resources",
        Trouble,
    ),
    ("PortAdd", "ADD_ADDR with a port received", Info),
    (
        "AddAddrDrop",
        "incoming ADD_ADDR dropped (add_addr_accepted limit, or invalid)",
        Trouble,
    ),
    (
        "MPJoinPortSynRx",
        "SYN with MP_JOIN to an announced port received",
        Info,
    ),
    (
        "MPJoinPortSynAckRx",
        "SYN/ACK with MP_JOIN from an announced port received",
        Info,
    ),
    (
        "MPJoinPortAckRx",
        "ACK with MP_JOIN to an announced port received",
        Info,
    ),
    (
        "MismatchPortSynRx",
        "SYN with MP_JOIN to a port that was not announced",
        Trouble,
    ),
    (
        "MismatchPortAckRx",
        "ACK with MP_JOIN to a port that was not announced",
        Trouble,
    ),
    ("RmAddr", "RM_ADDR received", Info),
    ("RmAddrDrop", "incoming RM_ADDR dropped", Trouble),
    ("RmAddrTx", "RM_ADDR sent", Info),
    (
        "RmAddrTxDrop",
        "RM_ADDR not sent: out of resources",
        Trouble,
    ),
    ("RmSubflow", "subflows removed", Info),
    ("MPPrioTx", "MP_PRIO sent (backup flag changed)", Info),
    ("MPPrioRx", "MP_PRIO received", Info),
    (
        "MPFailTx",
        "MP_FAIL sent (checksum failure on a subflow)",
        Trouble,
    ),
    ("MPFailRx", "MP_FAIL received", Trouble),
    (
        "MPFastcloseTx",
        "MP_FASTCLOSE sent (connection aborted)",
        Warn,
    ),
    (
        "MPFastcloseRx",
        "MP_FASTCLOSE received (peer aborted)",
        Warn,
    ),
    (
        "MPRstTx",
        "MP_TCPRST sent (subflow reset with a reason)",
        Warn,
    ),
    ("MPRstRx", "MP_TCPRST received", Warn),
    (
        "RcvPruned",
        "incoming packets dropped at the memory limit",
        Trouble,
    ),
    (
        "SubflowStale",
        "subflows marked stale: no progress while data was pending",
        Warn,
    ),
    ("SubflowRecover", "stale subflows active again", Info),
    (
        "SndWndShared",
        "a subflow's send window replaced by the connection's",
        Info,
    ),
    (
        "RcvWndShared",
        "a subflow's receive window replaced by the connection's",
        Info,
    ),
    (
        "RcvWndConflictUpdate",
        "receive window conflict between subflows, window updated",
        Info,
    ),
    (
        "RcvWndConflict",
        "receive window conflict between subflows",
        Info,
    ),
    (
        "MPCurrEstab",
        "MPTCP connections established now (a gauge, not a count)",
        Info,
    ),
    (
        "Blackhole",
        "firewall blackhole detected: MPTCP SYNs or data dropped on the path",
        Trouble,
    ),
    (
        "MPCapableDataFallback",
        "fell back to TCP: first data without DSS or MP_CAPABLE",
        Trouble,
    ),
    (
        "MD5SigFallback",
        "fell back to TCP: TCP MD5 signatures leave no option space",
        Trouble,
    ),
    (
        "DssFallback",
        "fell back to TCP: bad or missing DSS",
        Trouble,
    ),
    (
        "SimultConnectFallback",
        "fell back to TCP: simultaneous connect",
        Trouble,
    ),
    (
        "FallbackFailed",
        "fallback to TCP needed but impossible: connection reset",
        Trouble,
    ),
    ("WinProbe", "MPTCP-level zero window probes sent", Info),
    // The out-of-tree kernel's names (multipath-tcp/mptcp, /proc/net/mptcp_net/snmp).
    (
        "MPCapableRetransFallback",
        "fell back to TCP after SYN retransmissions (out-of-tree)",
        Trouble,
    ),
    (
        "MPTCPCsumEnabled",
        "connections with DSS checksums (out-of-tree)",
        Info,
    ),
    ("MPFailRX", "MP_FAIL received (out-of-tree)", Trouble),
    ("MPCsumFail", "DSS checksum failed (out-of-tree)", Trouble),
    ("MPFastcloseRX", "MP_FASTCLOSE received (out-of-tree)", Warn),
    ("MPFastcloseTX", "MP_FASTCLOSE sent (out-of-tree)", Warn),
    (
        "MPFallbackAckSub",
        "fallback on a subflow: ACK without DSS (out-of-tree)",
        Trouble,
    ),
    (
        "MPFallbackAckInit",
        "fallback on the initial subflow: ACK without DSS (out-of-tree)",
        Trouble,
    ),
    (
        "MPFallbackDataSub",
        "fallback on a subflow: data without DSS (out-of-tree)",
        Trouble,
    ),
    (
        "MPFallbackDataInit",
        "fallback on the initial subflow: data without DSS (out-of-tree)",
        Trouble,
    ),
    (
        "MPRemoveAddrSubDelete",
        "subflows removed after RM_ADDR (out-of-tree)",
        Info,
    ),
    (
        "MPJoinAlreadyFallenback",
        "MP_JOIN for a connection that fell back (out-of-tree)",
        Trouble,
    ),
    (
        "MPJoinAckMissing",
        "third ACK of an MP_JOIN missing (out-of-tree)",
        Trouble,
    ),
    (
        "MPJoinAckRTO",
        "MP_JOIN third ACK timed out (out-of-tree)",
        Warn,
    ),
    (
        "MPJoinAckRexmit",
        "MP_JOIN third ACK retransmitted (out-of-tree)",
        Warn,
    ),
    (
        "DSSTrimHead",
        "segments trimmed at the head of a mapping (out-of-tree)",
        Info,
    ),
    (
        "DSSSplitTail",
        "segments split at the tail of a mapping (out-of-tree)",
        Info,
    ),
    (
        "DSSPurgeOldSubSegs",
        "old subflow segments purged (out-of-tree)",
        Info,
    ),
    ("AddAddrRx", "ADD_ADDR received (out-of-tree)", Info),
    ("RemAddrRx", "REMOVE_ADDR received (out-of-tree)", Info),
    ("RemAddrTx", "REMOVE_ADDR sent (out-of-tree)", Info),
];

/// The meaning and level of a counter; `None` for a name this version does not know.
#[must_use]
pub fn describe(name: &str) -> Option<(&'static str, Level)> {
    COUNTERS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, meaning, level)| (*meaning, *level))
}

/// The level of a counter; unknown names are [`Level::Info`].
#[must_use]
pub fn level(name: &str) -> Level {
    describe(name).map_or(Info, |(_, l)| l)
}

/// What kind of trouble a counter reports, so that `check` can explain counters together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Connections that ran as plain TCP: MP_CAPABLE missing or stripped, blackholes.
    Fallback,
    /// Data-level integrity: DSS checksum failures, MP_FAIL, mappings that do not match.
    Checksum,
    /// MP_JOIN subflows refused or not opened: unknown tokens, bad HMACs, limits, errors.
    Join,
    /// ADD_ADDR and RM_ADDR dropped.
    Address,
    /// Anything else.
    Other,
}

/// The group of a counter, from its name (upstream and out-of-tree names alike).
#[must_use]
pub fn group(name: &str) -> Group {
    if name.contains("Fallback")
        || name.contains("Fallenback")
        || name.starts_with("InfiniteMap")
        || name.starts_with("MPCapableSYNTX")
        || name == "Blackhole"
    {
        Group::Fallback
    } else if name.contains("Csum") || name.starts_with("MPFail") || name.starts_with("DSS") {
        Group::Checksum
    } else if name.starts_with("MPJoin") || name.starts_with("MismatchPort") {
        Group::Join
    } else if name.contains("AddAddr") || name.contains("AddTx") || name.starts_with("RmAddr") {
        Group::Address
    } else {
        Group::Other
    }
}

/// Counters that hold a current value rather than a running count; a delta can be negative.
#[must_use]
pub fn is_gauge(name: &str) -> bool {
    name == "MPCurrEstab"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = COUNTERS.iter().map(|(n, _, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn every_counter_of_the_recorded_kernel_is_described() {
        // testdata/proc/6.18/net/netstat is a copy of this kernel's file.
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/proc/6.18/net/netstat"
        ))
        .unwrap();
        let header = text.lines().find(|l| l.starts_with("MPTcpExt:")).unwrap();
        for name in header.split_whitespace().skip(1) {
            assert!(describe(name).is_some(), "{name} has no meaning");
        }
    }

    #[test]
    fn every_trouble_counter_has_a_group_that_fits_its_meaning() {
        assert_eq!(group("MPCapableFallbackACK"), Group::Fallback);
        assert_eq!(group("MPCapableSYNTXDrop"), Group::Fallback);
        assert_eq!(group("InfiniteMapRx"), Group::Fallback);
        assert_eq!(group("DSSCorruptionFallback"), Group::Fallback);
        assert_eq!(group("DataCsumErr"), Group::Checksum);
        assert_eq!(group("MPFailRx"), Group::Checksum);
        assert_eq!(group("DSSNoMatchTCP"), Group::Checksum);
        assert_eq!(group("MPJoinAckHMacFailure"), Group::Join);
        assert_eq!(group("MismatchPortSynRx"), Group::Join);
        assert_eq!(group("AddAddrDrop"), Group::Address);
        assert_eq!(group("EchoAddTxDrop"), Group::Address);
        assert_eq!(group("RmAddrTxDrop"), Group::Address);
        assert_eq!(group("RcvPruned"), Group::Other);
        // Each group's words appear in the meanings of its trouble counters.
        for (name, meaning, level) in COUNTERS {
            if *level != Trouble {
                continue;
            }
            let words: &[&str] = match group(name) {
                Group::Fallback => &[
                    "fell back",
                    "fallback",
                    "blackhole",
                    "MP_CAPABLE not sent",
                    "infinite mapping",
                    "peer fell back",
                ],
                Group::Checksum => &["checksum", "MP_FAIL", "mapping", "DSS"],
                Group::Join => &["MP_JOIN", "subflow", "HMAC"],
                Group::Address => &["ADD_ADDR", "RM_ADDR"],
                Group::Other => &[""],
            };
            assert!(
                words.iter().any(|w| meaning.contains(w)),
                "{name} ({meaning}) is in {:?}",
                group(name)
            );
        }
    }

    #[test]
    fn trouble_is_what_the_kernel_calls_failures() {
        assert_eq!(level("MPCapableFallbackACK"), Level::Trouble);
        assert_eq!(level("DataCsumErr"), Level::Trouble);
        assert_eq!(level("MPJoinNoTokenFound"), Level::Trouble);
        assert_eq!(level("AddAddrDrop"), Level::Trouble);
        assert_eq!(level("MPJoinSynRx"), Level::Info);
        assert_eq!(level("SomethingNew"), Level::Info);
    }
}
