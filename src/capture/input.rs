//! The one read buffer under the capture formats: bytes from any [`Read`], kept in a single
//! `Vec` that grows only for a record bigger than it, up to [`MAX_RECORD`], and only as fast
//! as the record's bytes arrive: at most twice what the input really holds.
//!
//! Readers ask for `n` contiguous bytes with [`Input::fill`], look at them with
//! [`Input::bytes`], and step past them with [`Input::consume`]. Memory stays flat whatever
//! the file size: the buffer holds at most one record plus what the last `read` brought in.

use std::io::{self, Read};

/// The buffer's starting size: large enough that a `read` brings in many small frames.
const INITIAL_BUFFER: usize = 256 * 1024;

/// The largest record (pcap record data, or whole pcapng block) the reader accepts. Real
/// frames are at most 256 KiB (libpcap's and Wireshark's limit); a larger length read from a
/// file is corruption, never a reason to allocate.
pub(crate) const MAX_RECORD: usize = 16 * 1024 * 1024;

/// Room for the largest record header on top of [`MAX_RECORD`].
const MAX_BUFFER: usize = MAX_RECORD + 64;

pub(crate) struct Input<R> {
    inner: R,
    buf: Vec<u8>,
    /// `buf[start..end]` holds the bytes read but not consumed.
    start: usize,
    end: usize,
    /// The file offset of `buf[start]`.
    offset: u64,
    eof: bool,
}

impl<R: Read> Input<R> {
    pub(crate) fn new(inner: R) -> Self {
        Input {
            inner,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
        }
    }

    /// Makes `n` bytes available (at most [`MAX_RECORD`] and a header) and returns how many
    /// are: fewer than `n` only at the end of the input.
    #[inline]
    pub(crate) fn fill(&mut self, n: usize) -> io::Result<usize> {
        let have = self.end - self.start;
        if have >= n {
            return Ok(have);
        }
        self.fill_slow(n.min(MAX_BUFFER))
    }

    fn fill_slow(&mut self, n: usize) -> io::Result<usize> {
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end - self.start < n && !self.eof {
            if self.end == self.buf.len() {
                // Grow as the bytes arrive, never ahead of them: a length field that claims
                // more than the input holds costs nothing. Here `end < n <= MAX_BUFFER`.
                let size = self.buf.len().saturating_mul(2).min(MAX_BUFFER);
                self.buf.resize(size, 0);
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.start)
    }

    /// The bytes available, as [`fill`](Self::fill) last made them.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Steps past `n` available bytes.
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// Steps past everything available: the input ended inside a record.
    pub(crate) fn consume_all(&mut self) {
        self.consume(self.end - self.start);
    }

    /// The file offset of the first available byte: bytes consumed so far.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }
}

/// The byte order of a pcap file or pcapng section. Callers check lengths first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    #[inline]
    pub(crate) fn u16(self, b: &[u8], at: usize) -> u16 {
        let v = [b[at], b[at + 1]];
        match self {
            Endian::Little => u16::from_le_bytes(v),
            Endian::Big => u16::from_be_bytes(v),
        }
    }

    #[inline]
    pub(crate) fn u32(self, b: &[u8], at: usize) -> u32 {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        match self {
            Endian::Little => u32::from_le_bytes(v),
            Endian::Big => u32::from_be_bytes(v),
        }
    }

    #[inline]
    pub(crate) fn u64(self, b: &[u8], at: usize) -> u64 {
        let mut v = [0; 8];
        v.copy_from_slice(&b[at..at + 8]);
        match self {
            Endian::Little => u64::from_le_bytes(v),
            Endian::Big => u64::from_be_bytes(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most `chunk` bytes per read, as a pipe may.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.chunk).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn short_reads_are_gathered_and_offsets_counted() {
        let data: Vec<u8> = (0..=255).collect();
        let mut input = Input::new(Trickle {
            data: &data,
            chunk: 3,
        });
        assert!(input.fill(10).unwrap() >= 10);
        assert_eq!(&input.bytes()[..10], &data[..10]);
        input.consume(10);
        assert_eq!(input.offset(), 10);
        assert_eq!(input.fill(246).unwrap(), 246, "all that is left");
        assert_eq!(input.bytes()[0], 10);
        input.consume(240);
        assert_eq!(input.fill(100).unwrap(), 6, "only 6 bytes are left");
        input.consume_all();
        assert_eq!(input.offset(), 256);
    }

    #[test]
    fn grows_for_a_big_record_but_never_past_the_cap() {
        let data = vec![7u8; INITIAL_BUFFER * 3];
        let mut input = Input::new(&data[..]);
        assert!(input.fill(INITIAL_BUFFER * 2 + 1).unwrap() > INITIAL_BUFFER * 2);
        // Doubled twice: 256 KiB, 512 KiB, 1 MiB.
        assert_eq!(input.buf.len(), INITIAL_BUFFER * 4);
        let mut endless = Input::new(io::repeat(1));
        assert_eq!(endless.fill(usize::MAX).unwrap(), MAX_BUFFER);
        assert_eq!(endless.buf.len(), MAX_BUFFER);
    }

    #[test]
    fn a_length_the_input_does_not_hold_allocates_nothing() {
        // A record header that claims 16 MiB, in an input of 100 bytes.
        let data = [9u8; 100];
        let mut input = Input::new(&data[..]);
        assert_eq!(input.fill(MAX_RECORD).unwrap(), 100);
        assert_eq!(input.buf.len(), INITIAL_BUFFER);
    }

    #[test]
    fn read_errors_pass_through_and_interrupts_are_retried() {
        struct Flaky(u8);
        impl Read for Flaky {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                match self.0 {
                    1 => Err(io::ErrorKind::Interrupted.into()),
                    2 => {
                        buf[0] = 42;
                        Ok(1)
                    }
                    _ => Err(io::Error::new(io::ErrorKind::PermissionDenied, "denied")),
                }
            }
        }
        let mut input = Input::new(Flaky(0));
        assert_eq!(input.fill(1).unwrap(), 1);
        assert_eq!(input.bytes(), [42]);
        let err = input.fill(2).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    }
}
