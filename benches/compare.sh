#!/usr/bin/env bash
# Times mptcpstat on a capture against reading the file, tcpdump and tshark, with peak memory:
#
#   benches/compare.sh CAPTURE [RUNS]
#
# Each command runs RUNS times (default 3) after one warm-up read of the file; the median wall
# time and the largest peak RSS are printed, with packets/s and the ratio to `cat`. Make a large
# capture with benches/make-big-capture.sh. tcpdump and tshark (apt install tshark) are
# optional; tshark reads the file with MPTCP analysis on, as its users would for this job.
set -euo pipefail
file=${1:?usage: compare.sh CAPTURE [RUNS]}
runs=${2:-3}
bin=${MPTCPSTAT:-target/release/mptcpstat}
[ -x "$bin" ] || cargo build --release --quiet
packets=$(capinfos -c -M "$file" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')
bytes=$(stat -c %s "$file")
cat "$file" >/dev/null # warm the page cache

# measure NAME CMD...: median wall seconds and max RSS (KiB) over the runs.
measure() {
	local name=$1 i
	shift
	local times=() rss=0 t m out start
	out=$(mktemp)
	for i in $(seq "$runs"); do
		# Wall time in nanoseconds (GNU time rounds to 10 ms, too coarse for cat).
		start=$(date +%s%N)
		/usr/bin/time -o "$out" -f '%M' "$@" >/dev/null 2>&1 || true
		t=$((($(date +%s%N) - start) / 1000))
		read -r m <"$out"
		times+=("$(printf '%d.%06d' $((t / 1000000)) $((t % 1000000)))")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	rm -f "$out"
	t=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	printf '%s\t%s\t%s\n' "$name" "$t" "$rss"
}

{
	measure "cat FILE >/dev/null" cat "$file"
	measure "mptcpstat decode" "$bin" decode "$file"
	measure "mptcpstat decode --json" "$bin" decode --json "$file"
	measure "mptcpstat analyze" "$bin" analyze "$file"
	measure "mptcpstat analyze --json" "$bin" analyze --json "$file"
	if command -v tcpdump >/dev/null; then
		measure "tcpdump -nn -r" tcpdump -nn -r "$file"
	fi
	if command -v tshark >/dev/null; then
		runs=1 measure "tshark -T fields -e frame.number" tshark -r "$file" -T fields -e frame.number
		runs=1 measure "tshark mptcp.analyze_mptcp -e mptcp.stream" tshark -r "$file" -o mptcp.analyze_mptcp:TRUE -T fields -e mptcp.stream
		runs=1 measure "tshark -V (decode all)" tshark -r "$file" -V
	fi
} | awk -F'\t' -v packets="$packets" -v bytes="$bytes" '
	NR == 1 { cat = $2 }
	{ rows[NR] = $0; name[NR] = $1; t[NR] = $2; rss[NR] = $3 }
	END {
		printf "%d packets, %.1f MB\n", packets, bytes / 1e6
		printf "%-44s %9s %12s %9s %9s %10s\n", "command", "seconds", "packets/s", "MB/s", "x cat", "peak RSS"
		for (i = 1; i <= NR; i++) {
			s = t[i] > 0 ? t[i] : 0.001
			printf "%-44s %9.4f %12.0f %9.1f %9.1f %7.1f MB\n", name[i], t[i], packets / s, bytes / s / 1e6, s / (cat > 0 ? cat : 0.001), rss[i] / 1024
		}
	}'
