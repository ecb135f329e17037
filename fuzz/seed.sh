#!/bin/sh
# Seeds the fuzz corpora from testdata/ (run from anywhere; corpora are not committed).
#   fuzz/seed.sh                      captures and netlink replies into fuzz/corpus/<target>/
#   TESTDATA=/other/testdata fuzz/seed.sh   seeds from another copy of testdata/
set -eu
fuzz=$(cd "$(dirname "$0")" && pwd)
testdata=${TESTDATA:-$(dirname "$fuzz")/testdata}
corpus="$fuzz/corpus"
mkdir -p "$corpus/read_capture" "$corpus/analyze" "$corpus/decode_options" \
    "$corpus/sock_diag" "$corpus/mptcp_pm" "$corpus/rtnetlink" "$corpus/analyze_structured"

# Captures: whole files for the readers; the largest are cut to their first 64 KiB, which
# keeps each run fast and still holds handshakes and data.
find "$testdata" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | while read -r f; do
    name=$(basename "$f")
    head -c 65536 "$f" > "$corpus/read_capture/$name"
    cp "$corpus/read_capture/$name" "$corpus/analyze/$name"
done

# Options areas: the TCP options of every frame of the captures, as tshark shows them.
if command -v tshark > /dev/null; then
    find "$testdata" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | while read -r f; do
        tshark -r "$f" -Y 'tcp.options' -T fields -e tcp.options 2> /dev/null
    done | sort -u | head -n 2000 | while read -r hex; do
        [ -n "$hex" ] || continue
        printf '%s' "$hex" | tr -d ':' | xxd -r -p > "$corpus/decode_options/$(printf '%s' "$hex" | sha1sum | cut -c1-16)"
    done
fi

# Netlink replies, recorded from the kernel (host byte order).
for f in "$testdata"/netlink/sock_diag-*.bin; do
    [ -e "$f" ] && cp "$f" "$corpus/sock_diag/"
done
for f in "$testdata"/netlink/genl-*.bin; do
    [ -e "$f" ] && cp "$f" "$corpus/mptcp_pm/"
done
# The rtnetlink dumps, each alone, and all in one: each without its NLMSG_DONE (20 bytes),
# then one, so that the route lookup has links, addresses, routes and rules together.
for f in "$testdata"/netlink/rtnl-*.bin; do
    [ -e "$f" ] && cp "$f" "$corpus/rtnetlink/"
done
if ls "$testdata"/netlink/rtnl-*.bin > /dev/null 2>&1; then
    for f in "$testdata"/netlink/rtnl-*.bin; do head -c -20 "$f"; done > "$corpus/rtnetlink/all.bin"
    tail -c 20 "$testdata/netlink/rtnl-links.bin" >> "$corpus/rtnetlink/all.bin"
fi
# An MPTCP dump without its NLMSG_DONE (20 bytes), then the TCP dump: both parsers find work.
for side in client server; do
    m="$testdata/netlink/sock_diag-mptcp-$side.bin"
    t="$testdata/netlink/sock_diag-tcp-$side.bin"
    if [ -e "$m" ] && [ -e "$t" ]; then
        { head -c -20 "$m"; cat "$t"; } > "$corpus/sock_diag/both-$side.bin"
    fi
done
echo "seeded $(find "$corpus" -type f | wc -l) files under $corpus"
