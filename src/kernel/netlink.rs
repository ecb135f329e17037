//! The netlink socket and the request/reply loop: the only code in mptcpstat that talks netlink.
//!
//! Facts from `netlink(7)` and `include/uapi/linux/netlink.h`: every message starts with a
//! 16-byte `nlmsghdr` (length, type, flags, sequence, port) and is padded to 4 bytes; a dump
//! ends with `NLMSG_DONE`, a failure is an `NLMSG_ERROR` carrying a negative `errno`, an
//! acknowledgement is an `NLMSG_ERROR` with 0. Attributes are `nlattr` TLVs, also 4-aligned,
//! whose type may carry the `NLA_F_NESTED` flag.
//!
//! - [`Netlink`] owns the socket: [`Netlink::request`] sends one request and reads whole
//!   datagrams until the reply is complete, checking sequence numbers on the way.
//! - [`Reply`] keeps the received bytes as they came, so a reply can be recorded to
//!   `testdata/netlink/` and replayed into the same parsers.
//! - [`data_messages`] and [`attrs`] walk replies without copying; [`message`] and
//!   [`put_attr`] build requests. All three are pure.
//!
//! `netlink-packet-core` supplies the header and attribute views; its `DecodeError` is
//! turned into [`KernelError::Malformed`] here and goes no further.

use netlink_packet_core::{
    DefaultNla, Emitable, NLA_F_NESTED, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP,
    NLM_F_MULTIPART, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NetlinkBuffer,
    NetlinkHeader, NlaBuffer,
};
use netlink_sys::{Socket, SocketAddr, protocols};

use super::KernelError;

/// `NETLINK_SOCK_DIAG`, `NETLINK_GENERIC` or `NETLINK_ROUTE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    SockDiag,
    Generic,
    Route,
}

/// `MSG_TRUNC` (`include/linux/socket.h`): `recv` returns the datagram's real length even when
/// the buffer was shorter, so a truncation is seen rather than silently parsed.
const MSG_TRUNC: i32 = 0x20;

/// Receive buffer size. The kernel sizes dump datagrams by the reader's buffer but caps them
/// near 32 KiB (`netlink_recvmsg`, `max_recvmsg_len`); 64 KiB therefore holds any of them.
const RECV_BUFFER: usize = 64 * 1024;

/// Length of `struct nlmsghdr`.
pub const HEADER_LEN: usize = 16;

/// A netlink socket bound to the current network namespace (the one of the calling thread
/// when it was opened).
pub struct Netlink {
    socket: Socket,
    next_seq: u32,
    buf: Vec<u8>,
}

impl Netlink {
    /// Opens and binds a socket. Enter a namespace *before* calling this.
    pub fn open(protocol: Protocol) -> Result<Self, KernelError> {
        let proto = match protocol {
            Protocol::SockDiag => protocols::NETLINK_SOCK_DIAG,
            Protocol::Generic => protocols::NETLINK_GENERIC,
            Protocol::Route => protocols::NETLINK_ROUTE,
        };
        let mut socket =
            Socket::new(proto).map_err(|e| KernelError::os("opening a netlink socket", &e))?;
        socket
            .bind_auto()
            .map_err(|e| KernelError::os("binding a netlink socket", &e))?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(|e| KernelError::os("connecting a netlink socket", &e))?;
        // Ask for the kernel's explanation with each error; kernels before 4.12 ignore it.
        let _ = socket.set_ext_ack(true);
        Ok(Netlink {
            socket,
            next_seq: 1,
            buf: Vec::with_capacity(RECV_BUFFER),
        })
    }

    /// Sends `message` (built by [`message`]; its sequence number is filled in here) and
    /// returns the whole reply. `op` names the request in errors.
    ///
    /// A dump (`NLM_F_DUMP`) ends at `NLMSG_DONE`; a request with `NLM_F_ACK` ends at the
    /// acknowledgement; any other request ends with its first message that is not part of a
    /// multipart reply. An `NLMSG_ERROR` becomes [`KernelError::Netlink`].
    pub fn request(&mut self, op: &str, message: Vec<u8>) -> Result<Reply, KernelError> {
        let mut reply = Reply::default();
        self.request_each(op, message, |datagram| {
            reply.push(datagram);
            Ok(())
        })?;
        Ok(reply)
    }

    /// Like [`Netlink::request`], but hands each datagram to `each` as it arrives instead of
    /// keeping them: a dump of many thousand sockets is parsed in 32 KiB pieces. Each
    /// datagram holds whole messages, so `each` can walk it with [`data_messages_in`].
    pub fn request_each(
        &mut self,
        op: &str,
        mut message: Vec<u8>,
        mut each: impl FnMut(&[u8]) -> Result<(), KernelError>,
    ) -> Result<(), KernelError> {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1).max(1);
        let flags = {
            let mut header = NetlinkBuffer::new_checked(&mut message[..]).map_err(|e| {
                KernelError::Malformed {
                    what: format!("{op} (request)"),
                    detail: e.to_string(),
                }
            })?;
            header.set_sequence_number(seq);
            header.flags()
        };
        self.socket
            .send(&message, 0)
            .map_err(|e| KernelError::os(format!("sending {op}"), &e))?;

        let end = End::of_request(flags);
        loop {
            self.buf.clear();
            let (len, _) = self
                .socket
                .recv_from(&mut self.buf, MSG_TRUNC)
                .map_err(|e| KernelError::os(format!("receiving the reply to {op}"), &e))?;
            if len > self.buf.len() {
                return Err(KernelError::Malformed {
                    what: op.to_owned(),
                    detail: format!(
                        "a {len}-byte datagram does not fit the {RECV_BUFFER}-byte buffer"
                    ),
                });
            }
            let complete = scan(&self.buf, seq, end).map_err(|e| with_op(e, op))?;
            each(&self.buf).map_err(|e| with_op(e, op))?;
            if complete {
                return Ok(());
            }
        }
    }
}

impl Netlink {
    /// Asks for a receive buffer of `bytes` (the kernel caps it at `net.core.rmem_max`);
    /// best effort, as a smaller buffer still works, only drops more under bursts.
    pub fn set_receive_buffer(&mut self, bytes: usize) {
        let _ = self.socket.set_rx_buf_sz(bytes);
    }

    /// Joins multicast group `group` (an id from the generic netlink controller), so that
    /// [`Netlink::recv_multicast`] receives what the kernel sends to it.
    pub fn add_membership(&mut self, group: u32) -> Result<(), KernelError> {
        self.socket
            .add_membership(group)
            .map_err(|e| KernelError::os(format!("joining netlink multicast group {group}"), &e))
    }

    /// Waits up to `timeout` for one datagram and returns it; `None` when the time ran out
    /// or a signal interrupted the wait, so that the caller can check its own clock and flags.
    ///
    /// Datagrams not sent by the kernel (port id 0) are dropped: only the kernel sends to
    /// the groups we join, and a message from anyone else is not an event. A receive buffer
    /// that overflowed (events were lost) is [`KernelError::Os`] with `ENOBUFS`; the socket
    /// stays usable after it.
    pub fn recv_multicast(
        &mut self,
        timeout: std::time::Duration,
    ) -> Result<Option<&[u8]>, KernelError> {
        use rustix::net::sockopt::{Timeout, set_socket_timeout};
        set_socket_timeout(&self.socket, Timeout::Recv, Some(timeout)).map_err(|e| {
            KernelError::Os {
                op: "setting a receive timeout".into(),
                errno: e.raw_os_error(),
            }
        })?;
        self.buf.clear();
        let from = match self.socket.recv_from(&mut self.buf, MSG_TRUNC) {
            Ok((len, from)) if len <= self.buf.len() => from,
            Ok((len, _)) => {
                return Err(malformed(
                    "a multicast message",
                    format!("a {len}-byte datagram does not fit the {RECV_BUFFER}-byte buffer"),
                ));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(KernelError::os("receiving netlink multicast messages", &e)),
        };
        if from.port_number() != 0 {
            return Ok(None);
        }
        Ok(Some(&self.buf))
    }
}

/// Names the request in a kernel refusal, which [`scan`] cannot know.
fn with_op(e: KernelError, op: &str) -> KernelError {
    match e {
        KernelError::Netlink { errno, message, .. } => KernelError::Netlink {
            op: op.to_owned(),
            errno,
            message,
        },
        KernelError::Malformed { detail, .. } => KernelError::Malformed {
            what: op.to_owned(),
            detail,
        },
        other => other,
    }
}

/// What ends a reply, from the request's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Done,
    Ack,
    FirstMessage,
}

impl End {
    fn of_request(flags: u16) -> Self {
        if flags & NLM_F_DUMP == NLM_F_DUMP {
            End::Done
        } else if flags & NLM_F_ACK != 0 {
            End::Ack
        } else {
            End::FirstMessage
        }
    }
}

/// Checks one received datagram: sequence numbers, errors, and whether the reply is complete.
fn scan(datagram: &[u8], seq: u32, end: End) -> Result<bool, KernelError> {
    for m in messages(datagram) {
        let m = m?;
        if m.seq != seq {
            return Err(KernelError::Sequence {
                expected: seq,
                got: m.seq,
            });
        }
        match m.kind {
            NLMSG_DONE => {
                done_code(m.payload, m.flags)?;
                return Ok(true);
            }
            NLMSG_ERROR => {
                error_code(m.payload, m.flags)?;
                return Ok(true); // an acknowledgement
            }
            NLMSG_NOOP | NLMSG_OVERRUN => {}
            _ if end == End::FirstMessage && m.flags & NLM_F_MULTIPART == 0 => return Ok(true),
            _ => {}
        }
    }
    Ok(false)
}

/// The bytes of one reply: its datagrams, concatenated. Messages carry their own lengths and
/// are 4-aligned, so the concatenation walks exactly like the datagrams did; it is also the
/// format of the recorded fixtures in `testdata/netlink/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    bytes: Vec<u8>,
}

impl Reply {
    /// A reply read back from a fixture or built by hand.
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Reply { bytes }
    }

    /// The bytes, for recording a fixture.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn push(&mut self, datagram: &[u8]) {
        self.bytes.extend_from_slice(datagram);
        self.bytes.resize(align4(self.bytes.len()), 0);
    }
}

/// One netlink message, borrowed from a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

/// Every message in `bytes`, in order, including control messages.
///
/// A header that does not fit, or a length that points past the end, ends the walk with
/// [`KernelError::Malformed`]; up to 3 trailing zero bytes of padding are accepted.
pub fn messages(bytes: &[u8]) -> impl Iterator<Item = Result<Message<'_>, KernelError>> {
    let mut pos = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        let rest = bytes.get(pos..).filter(|r| !r.is_empty() && !failed)?;
        if rest.len() < 4 && rest.iter().all(|&b| b == 0) {
            return None;
        }
        match NetlinkBuffer::new_checked(rest) {
            Ok(buf) => {
                let len = buf.length() as usize; // checked: HEADER_LEN <= len <= rest.len()
                let payload = rest.get(HEADER_LEN..len).unwrap_or_default();
                pos += align4(len).max(HEADER_LEN);
                Some(Ok(Message {
                    kind: buf.message_type(),
                    flags: buf.flags(),
                    seq: buf.sequence_number(),
                    payload,
                }))
            }
            Err(e) => {
                failed = true;
                Some(Err(malformed(
                    "a netlink message",
                    format!("at byte {pos}: {e}"),
                )))
            }
        }
    })
}

/// The data messages of a reply: stops at `NLMSG_DONE` or an acknowledgement, turns an
/// `NLMSG_ERROR` into [`KernelError::Netlink`] (with `op` "netlink request"), skips no-ops.
pub fn data_messages(reply: &Reply) -> impl Iterator<Item = Result<Message<'_>, KernelError>> {
    data_messages_in(&reply.bytes)
}

/// [`data_messages`] of raw bytes: one datagram, or several concatenated.
pub fn data_messages_in(bytes: &[u8]) -> impl Iterator<Item = Result<Message<'_>, KernelError>> {
    let mut inner = messages(bytes);
    let mut finished = false;
    std::iter::from_fn(move || {
        while !finished {
            let m = match inner.next()? {
                Ok(m) => m,
                Err(e) => {
                    finished = true;
                    return Some(Err(e));
                }
            };
            match m.kind {
                NLMSG_DONE => {
                    finished = true;
                    if let Err(e) = done_code(m.payload, m.flags) {
                        return Some(Err(e));
                    }
                }
                NLMSG_ERROR => {
                    finished = true;
                    if let Err(e) = error_code(m.payload, m.flags) {
                        return Some(Err(e));
                    }
                }
                NLMSG_NOOP | NLMSG_OVERRUN => {}
                _ => return Some(Ok(m)),
            }
        }
        None
    })
}

/// `NLMSG_ERROR`: a negative `errno` fails, 0 acknowledges.
fn error_code(payload: &[u8], flags: u16) -> Result<(), KernelError> {
    let code = i32_at(payload, 0).ok_or_else(|| {
        malformed(
            "NLMSG_ERROR",
            format!("{} bytes, no error code", payload.len()),
        )
    })?;
    if code == 0 {
        return Ok(());
    }
    // After the code the kernel echoes the request: only its header when NLM_F_CAPPED,
    // else all of it. Extended-ack attributes follow when NLM_F_ACK_TLVS.
    let echoed = if flags & NLM_F_CAPPED != 0 {
        Some(HEADER_LEN)
    } else {
        u32_at(payload, 4).and_then(|l| usize::try_from(l).ok())
    };
    let message = echoed
        .filter(|_| flags & NLM_F_ACK_TLVS != 0)
        .and_then(|len| payload.get(4 + align4(len)..))
        .and_then(extack_message);
    Err(KernelError::Netlink {
        op: "netlink request".into(),
        errno: code.saturating_abs(),
        message,
    })
}

/// `NLMSG_DONE` carries an `int`: negative when the dump failed half-way, then maybe
/// extended-ack attributes. Very old kernels send it empty.
fn done_code(payload: &[u8], flags: u16) -> Result<(), KernelError> {
    match i32_at(payload, 0) {
        Some(code) if code < 0 => Err(KernelError::Netlink {
            op: "netlink dump".into(),
            errno: code.saturating_abs(),
            message: payload
                .get(4..)
                .filter(|_| flags & NLM_F_ACK_TLVS != 0)
                .and_then(extack_message),
        }),
        _ => Ok(()),
    }
}

/// `NLMSGERR_ATTR_MSG` (`linux/netlink.h`): the kernel's own words, as `ip` prints them after
/// "Error:". Sent when the socket enabled `NETLINK_EXT_ACK`.
fn extack_message(tlvs: &[u8]) -> Option<String> {
    const NLMSGERR_ATTR_MSG: u16 = 1;
    attrs(tlvs, "extended acknowledgement")
        .map_while(Result::ok)
        .find(|a| a.kind == NLMSGERR_ATTR_MSG)
        .map(|a| string(a.value))
        .filter(|m| !m.is_empty())
}

/// One attribute, borrowed. `kind` has the `NLA_F_NESTED` and byte-order flags removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr<'a> {
    pub kind: u16,
    pub value: &'a [u8],
}

/// The attributes in `bytes`. A length that points past the end fails with
/// [`KernelError::Malformed`] naming `what`; trailing bytes too short for a header are padding.
pub fn attrs<'a>(
    bytes: &'a [u8],
    what: &'static str,
) -> impl Iterator<Item = Result<Attr<'a>, KernelError>> {
    let mut pos = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        let rest = bytes.get(pos..).filter(|r| r.len() >= 4 && !failed)?;
        match NlaBuffer::new_checked(rest) {
            Ok(nla) => {
                let len = usize::from(nla.length()); // checked: 4 <= len <= rest.len()
                pos += align4(len);
                Some(Ok(Attr {
                    kind: nla.kind(),
                    value: rest.get(4..len).unwrap_or_default(),
                }))
            }
            Err(e) => {
                failed = true;
                Some(Err(malformed(
                    what,
                    format!("attribute at byte {pos}: {e}"),
                )))
            }
        }
    })
}

/// A request: `nlmsghdr` (sequence 0, set by [`Netlink::request`]) followed by `payload`.
#[must_use]
pub fn message(kind: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
    let mut header = NetlinkHeader::default();
    header.message_type = kind;
    header.flags = flags;
    // Requests are a few hundred bytes at most: the length always fits.
    header.length = u32::try_from(HEADER_LEN + payload.len()).unwrap_or(u32::MAX);
    let mut buf = vec![0; HEADER_LEN];
    header.emit(&mut buf);
    buf.extend_from_slice(payload);
    buf
}

/// Appends one attribute, padded to 4 bytes.
pub fn put_attr(buf: &mut Vec<u8>, kind: u16, value: &[u8]) {
    emit(buf, &DefaultNla::new(kind, value.to_vec()));
}

/// Appends a nested attribute (`NLA_F_NESTED` set) holding the attributes in `inner`.
pub fn put_nested(buf: &mut Vec<u8>, kind: u16, inner: &[u8]) {
    emit(buf, &DefaultNla::new(kind | NLA_F_NESTED, inner.to_vec()));
}

fn emit(buf: &mut Vec<u8>, nla: &DefaultNla) {
    let start = buf.len();
    buf.resize(start + nla.buffer_len(), 0);
    nla.emit(&mut buf[start..]);
}

pub(crate) fn malformed(what: &str, detail: impl Into<String>) -> KernelError {
    KernelError::Malformed {
        what: what.to_owned(),
        detail: detail.into(),
    }
}

#[must_use]
pub(crate) fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// Host-order integers at a byte offset; `None` past the end. Netlink uses host order
/// except where a field says `__be`.
pub(crate) fn u8_at(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(crate) fn u16_be_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(crate) fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// An attribute's value as an integer of exactly its size; `None` for any other length.
pub(crate) fn exact_u8(v: &[u8]) -> Option<u8> {
    match v {
        [b] => Some(*b),
        _ => None,
    }
}

pub(crate) fn exact_u16(v: &[u8]) -> Option<u16> {
    Some(u16::from_ne_bytes(v.try_into().ok()?))
}

pub(crate) fn exact_u32(v: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(v.try_into().ok()?))
}

pub(crate) fn exact_u64(v: &[u8]) -> Option<u64> {
    Some(u64::from_ne_bytes(v.try_into().ok()?))
}

/// A NUL-terminated (or not) string attribute, lossily decoded.
pub(crate) fn string(v: &[u8]) -> String {
    let v = v.split(|&b| b == 0).next().unwrap_or_default();
    String::from_utf8_lossy(v).into_owned()
}

/// Shared by the tests of the parsers: a reply of hand-made messages, or a recorded one.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// One message with `kind`, `flags` and a payload, as the kernel would frame it.
    pub fn msg(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut m = message(kind, flags, payload);
        NetlinkBuffer::new(&mut m[..]).set_sequence_number(seq);
        m.resize(align4(m.len()), 0);
        m
    }

    pub fn done(seq: u32) -> Vec<u8> {
        msg(NLMSG_DONE, NLM_F_MULTIPART, seq, &0i32.to_ne_bytes())
    }

    pub fn error(seq: u32, errno: i32) -> Vec<u8> {
        let mut payload = (-errno).to_ne_bytes().to_vec();
        payload.extend_from_slice(&[0; 16]); // the request's header, echoed
        msg(NLMSG_ERROR, 0, seq, &payload)
    }

    pub fn reply(parts: &[Vec<u8>]) -> Reply {
        Reply::from_bytes(parts.concat())
    }

    /// A reply recorded from the kernel: `testdata/netlink/NAME` (see its README).
    pub fn fixture(name: &str) -> Reply {
        let path = format!("{}/testdata/netlink/{name}", env!("CARGO_MANIFEST_DIR"));
        Reply::from_bytes(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
    }
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use hex_literal::hex;
    use proptest::prelude::*;

    use super::testing::*;
    use super::*;

    #[test]
    fn builds_a_request_header() {
        let m = message(20, 0x301, &[1, 2, 3, 4]);
        assert_eq!(
            m,
            hex!(
                "14 00 00 00" // nlmsg_len 20
                "14 00"       // nlmsg_type 20 (SOCK_DIAG_BY_FAMILY)
                "01 03"       // NLM_F_REQUEST | NLM_F_DUMP
                "00 00 00 00" // sequence, filled in when sent
                "00 00 00 00" // port: the kernel's
                "01 02 03 04"
            )
        );
    }

    #[test]
    fn attributes_are_padded_and_nested_flagged() {
        let mut inner = Vec::new();
        put_attr(&mut inner, 2, &[7]);
        let mut buf = Vec::new();
        put_nested(&mut buf, 1, &inner);
        assert_eq!(
            buf,
            hex!(
                "0c 00 01 80" // len 12, type 1 | NLA_F_NESTED
                "05 00 02 00" // len 5, type 2
                "07 00 00 00" // value 7, 3 bytes padding
            )
        );
        let outer: Vec<_> = attrs(&buf, "test").collect::<Result<_, _>>().unwrap();
        assert_eq!(outer.len(), 1);
        assert_eq!(outer[0].kind, 1);
        let inner: Vec<_> = attrs(outer[0].value, "test")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            inner,
            vec![Attr {
                kind: 2,
                value: &[7]
            }]
        );
    }

    #[test]
    fn attribute_longer_than_its_buffer_is_malformed() {
        let buf = hex!("10 00 01 00 aa bb"); // says 16 bytes, has 6
        let got: Vec<_> = attrs(&buf, "test").collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], Err(KernelError::Malformed { what, .. }) if what == "test"));
    }

    #[test]
    fn data_messages_stop_at_done_and_report_errors() {
        let r = reply(&[
            msg(20, NLM_F_MULTIPART, 1, &[1; 4]),
            done(1),
            msg(20, 0, 1, &[2; 4]),
        ]);
        let got: Vec<_> = data_messages(&r).collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].payload, &[1; 4]);

        let r = reply(&[error(1, super::super::EPERM)]);
        let got: Vec<_> = data_messages(&r).collect();
        assert_eq!(
            got,
            vec![Err(KernelError::Netlink {
                op: "netlink request".into(),
                errno: 1,
                message: None
            })]
        );
    }

    #[test]
    fn extended_ack_message_is_kept() {
        // Crafted like the kernel's reply to a DEL_ADDR of an unknown id, with NETLINK_EXT_ACK:
        // flags NLM_F_CAPPED | NLM_F_ACK_TLVS, the request header only, then NLMSGERR_ATTR_MSG.
        let mut payload = (-22i32).to_ne_bytes().to_vec();
        payload.extend_from_slice(&message(0x1d, 5, &[])); // the echoed request header
        put_attr(&mut payload, 1, b"address not found\0");
        let r = reply(&[msg(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 1, &payload)]);
        assert_eq!(
            data_messages(&r).collect::<Vec<_>>(),
            vec![Err(KernelError::Netlink {
                op: "netlink request".into(),
                errno: 22,
                message: Some("address not found".into()),
            })]
        );
    }

    #[test]
    fn scan_checks_sequence_and_end() {
        let dg = [msg(20, NLM_F_MULTIPART, 7, &[0; 4]), done(7)].concat();
        assert_eq!(scan(&dg, 7, End::Done), Ok(true));
        assert_eq!(scan(&dg[..20], 7, End::Done), Ok(false));
        assert_eq!(
            scan(&dg, 8, End::Done),
            Err(KernelError::Sequence {
                expected: 8,
                got: 7
            })
        );
        // A single non-multipart answer ends a plain request.
        assert_eq!(
            scan(&msg(30, 0, 3, &[0; 4]), 3, End::FirstMessage),
            Ok(true)
        );
        assert_eq!(
            scan(&error(3, super::super::EINVAL), 3, End::Ack),
            Err(KernelError::Netlink {
                op: "netlink request".into(),
                errno: 22,
                message: None
            })
        );
    }

    #[test]
    fn truncated_message_is_malformed_not_a_panic() {
        let m = msg(20, NLM_F_MULTIPART, 1, &[0; 8]);
        let got: Vec<_> = messages(&m[..m.len() - 3]).collect();
        assert!(matches!(
            got.as_slice(),
            [Err(KernelError::Malformed { .. })]
        ));
    }

    proptest! {
        #[test]
        fn walking_any_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            let r = Reply::from_bytes(data.clone());
            for m in data_messages(&r).flatten() {
                for a in attrs(m.payload, "fuzz").flatten() {
                    let _ = attrs(a.value, "fuzz").count();
                }
            }
            let _ = scan(&data, 1, End::Done);
        }
    }
}
