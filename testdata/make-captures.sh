#!/usr/bin/env bash
# Regenerates the MPTCP captures in testdata/pcap/ on the running kernel.
#
#   testdata/make-captures.sh                 # every scenario
#   testdata/make-captures.sh failover ipv6   # some of them
#   testdata/make-captures.sh --list          # scenario names and files
#
# Each scenario builds its own network namespaces (client and server, named
# mptcpstat-cap-<pid>-<n>) joined by two veth pairs (through a router
# namespace for the shaped scenario), configures MPTCP
# there only (limits, endpoints, namespace-local sysctls, tc), runs a scripted
# exchange with mptcp_peer.py, captures it with tcpdump (or dumpcap) in the
# client namespace, and records what the kernel itself reported while the
# connection was open (ss -Mni, ss -tni, ip mptcp monitor, nstat, mptcp_info)
# in pcap/<file>.facts.json, via capture_facts.py. Everything it creates is
# removed on exit, also on failure. Nothing runs in or changes the host
# namespace; all traffic stays inside the namespaces.
#
# KEEP_WORK=1 keeps the work directory (raw tool output) for a look;
# ALLOW_PEER_ERROR=1 goes on when an exchange fails, to see how far it got.
#
# Needs: root, a kernel with MPTCP, iproute2 (ip, ss, tc, nstat), tcpdump,
# Wireshark's command-line tools (tshark, mergecap, dumpcap), python3 >= 3.8.

set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/pcap
PEER=$HERE/mptcp_peer.py
FACTS=$HERE/capture_facts.py
PORT=4242
TAG="mptcpstat-cap-$$"

ALL_SCENARIOS=(
	two-subflows add-addr-join add-addr-port remove-addr backup-prio failover
	handover-backup fallback ipv6 checksum fastclose many-short two-subflows-pcapng
	any-sll2 shaped-two-paths join-rejected
)

declare -A FILE=(
	[two-subflows]=v1-two-subflows.pcap
	[add-addr-join]=v1-add-addr-join.pcap
	[add-addr-port]=v1-add-addr-port.pcap
	[remove-addr]=v1-remove-addr.pcap
	[backup-prio]=v1-backup-prio.pcap
	[failover]=v1-failover.pcap
	[handover-backup]=v1-handover-backup.pcap
	[fallback]=v1-fallback.pcap
	[ipv6]=v1-ipv6.pcap
	[checksum]=v1-checksum.pcap
	[fastclose]=v1-fastclose.pcap
	[many-short]=v1-many-short.pcap
	[two-subflows-pcapng]=v1-two-subflows.pcapng
	[any-sll2]=v1-any-sll2.pcap
	[shaped-two-paths]=v1-shaped-two-paths.pcap
	[join-rejected]=v1-join-rejected.pcap
)

NS_CREATED=()   # every namespace this run made, for cleanup
PIDS=()         # every background process this run started
NS_COUNT=0
WORK=""

die() { echo "make-captures: $*" >&2; exit 1; }
now() { date +%s.%N | cut -c1-17; }

# reap PID: wait for a background process of ours and forget it, so that
# cleanup never signals a process id that may since have been reused.
reap() {
	local pid=$1 rc=0 p keep=()
	wait "$pid" 2>/dev/null || rc=$?
	for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
	return "$rc"
}

cleanup() {
	local pid ns
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
	for ns in "${NS_CREATED[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NS_CREATED=()
}
on_exit() {
	cleanup
	[ -n "$WORK" ] && [ -z "${KEEP_WORK:-}" ] && rm -rf "$WORK"
	return 0
}
trap on_exit EXIT
trap 'exit 130' INT TERM

preflight() {
	[ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces)"
	local t
	for t in ip ss tc nstat tcpdump tshark mergecap dumpcap capinfos python3 timeout; do
		command -v "$t" >/dev/null || die "$t not found; install iproute2, tcpdump, tshark and python3"
	done
	[ -r /proc/sys/net/mptcp/enabled ] || die "this kernel has no MPTCP (/proc/sys/net/mptcp missing)"
}

# ---------------------------------------------------------------- logging --

# SCN: the scenario's work directory. cmdlog records every command that
# configures the namespaces, in order, with the role it ran as.
# Paths inside the work directory are logged as bare file names.
cmdlog() { printf '%s\t%s\t%s\n' "$(now)" "$1" "${2//$SCN\//}" >>"$SCN/commands.tsv"; }

# run ROLE CMD...: run CMD inside the role's namespace and log it.
run() {
	local role=$1
	shift
	cmdlog "$role" "$*"
	ip netns exec "${NS[$role]}" "$@"
}

# event NAME ROLE CMD...: like run, and record the epoch time just before and
# just after the command as a named event.
event() {
	local name=$1 role=$2 t0 t1
	shift 2
	t0=$(now)
	run "$role" "$@"
	t1=$(now)
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$t0" "$t1" "$role" "$*" >>"$SCN/events.tsv"
}

# ------------------------------------------------------------- topology --

declare -A NS
# new_namespaces [EXTRA_ROLE...]: client and server, plus e.g. a router.
new_namespaces() {
	local role
	NS=()
	for role in client server "$@"; do
		NS_COUNT=$((NS_COUNT + 1))
		NS[$role]="$TAG-$NS_COUNT"
		ip netns add "${NS[$role]}"
		NS_CREATED+=("${NS[$role]}")
		cmdlog host "ip netns add ${NS[$role]}   # $role"
		run "$role" ip link set lo up
	done
}

# links FAMILY: two veth pairs, client vc1/vc2 <-> server vs1/vs2.
#   path 1: client 10.0.1.1 / fd00:1::1  <->  server 10.0.1.2 / fd00:1::2
#   path 2: client 10.0.2.1 / fd00:2::1  <->  server 10.0.2.2 / fd00:2::2
# gso_max_segs 1 keeps TSO/GSO from building super-packets, so the capture
# holds wire-sized segments, as on a real link.
links() {
	local fam=$1 i
	for i in 1 2; do
		run client ip link add "vc$i" type veth peer name "vs$i" netns "${NS[server]}"
		run client ip link set "vc$i" gso_max_segs 1
		run server ip link set "vs$i" gso_max_segs 1
		if [ "$fam" = 4 ]; then
			run client ip addr add "10.0.$i.1/24" dev "vc$i"
			run server ip addr add "10.0.$i.2/24" dev "vs$i"
		else
			run client ip -6 addr add "fd00:$i::1/64" dev "vc$i" nodad
			run server ip -6 addr add "fd00:$i::2/64" dev "vs$i" nodad
		fi
		run client ip link set "vc$i" up
		run server ip link set "vs$i" up
	done
}

limits() {
	run client ip mptcp limits set subflows "$1" add_addr_accepted "$2"
	run server ip mptcp limits set subflows "$1" add_addr_accepted "$2"
}

# ---------------------------------------------------------------- capture --

CAP_PIDS=()
CAP_FILES=()
CAP_SNAP=0

# capture KIND SNAPLEN IFACE...: KIND is tcpdump (one process per interface,
# Ethernet, merged by time afterwards), any (tcpdump -i any, Linux cooked v2)
# or dumpcap (one pcapng with an interface block per interface). tcpdump
# captures only TCP (filter "tcp").
capture() {
	local kind=$1 snap=$2 i f pid
	shift 2
	CAP_SNAP=$snap
	CAP_PIDS=()
	CAP_FILES=()
	local ifs_json filter='"tcp"' format=pcap linktype=EN10MB merged=false
	case $kind in
	any) ifs_json='["any"]'; linktype=LINUX_SLL2 ;;
	*) ifs_json="[$(printf '"%s",' "$@" | sed 's/,$//')]" ;;
	esac
	[ "$kind" = dumpcap ] && { filter=null; format=pcapng; }
	[ "$kind" = tcpdump ] && [ $# -gt 1 ] && merged=true
	FACTS_EXTRA+=("capture={\"tool\": \"${kind/any/tcpdump}\", \"namespace\": \"client\", \"interfaces\": $ifs_json, \"snaplen\": $snap, \"filter\": $filter, \"format\": \"$format\", \"linktype\": \"$linktype\", \"merged_with_mergecap\": $merged}")
	case $kind in
	tcpdump)
		for i in "$@"; do
			f="$SCN/cap-$i.pcap"
			cmdlog client "tcpdump -i $i --immediate-mode -s $snap -U -w $f tcp"
			ip netns exec "${NS[client]}" tcpdump -i "$i" --immediate-mode -s "$snap" -U -w "$f" tcp 2>"$SCN/tcpdump-$i.err" &
			pid=$!
			PIDS+=("$pid")
			CAP_PIDS+=("$pid")
			CAP_FILES+=("$f")
			wait_for_text "$SCN/tcpdump-$i.err" "listening on"
		done
		;;
	any)
		f="$SCN/cap-any.pcap"
		cmdlog client "tcpdump -i any -y LINUX_SLL2 --immediate-mode -s $snap -U -w $f tcp"
		ip netns exec "${NS[client]}" tcpdump -i any -y LINUX_SLL2 --immediate-mode -s "$snap" -U -w "$f" tcp 2>"$SCN/tcpdump-any.err" &
		pid=$!
		PIDS+=("$pid")
		CAP_PIDS+=("$pid")
		CAP_FILES+=("$f")
		wait_for_text "$SCN/tcpdump-any.err" "listening on"
		;;
	dumpcap)
		local ifargs=()
		for i in "$@"; do ifargs+=(-i "$i"); done
		f="$SCN/cap.pcapng"
		# -s before the first -i applies to every interface. No capture
		# filter: the file also holds the ARP and ICMPv6 (MLD, router
		# solicitation) frames of the fresh links.
		cmdlog client "dumpcap -s $snap ${ifargs[*]} -w $f"
		ip netns exec "${NS[client]}" dumpcap -s "$snap" "${ifargs[@]}" -w "$f" 2>"$SCN/dumpcap.err" &
		pid=$!
		PIDS+=("$pid")
		CAP_PIDS+=("$pid")
		CAP_FILES+=("$f")
		wait_for_text "$SCN/dumpcap.err" "Capturing on"
		sleep 0.5
		;;
	esac
}

wait_for_text() {
	local file=$1 text=$2 n
	for n in $(seq 100); do
		grep -q "$text" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$file" >&2 || true
	die "capture did not start ($file)"
}

# stop_capture DEST: stop cleanly (SIGTERM: tcpdump and dumpcap flush and
# close the file) and write DEST.
stop_capture() {
	local dest=$1 pid
	# let the last packets reach the capture tool (a TPACKET_V3 ring block
	# can hold them for up to its timeout) before it is told to stop
	sleep 1.5
	for pid in "${CAP_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${CAP_PIDS[@]}"; do
		reap "$pid" || true
	done
	rm -f "$dest"
	if [ "${#CAP_FILES[@]}" -gt 1 ]; then
		# -s keeps the capture's snaplen in the merged file's header
		cmdlog host "mergecap -F pcap -s $CAP_SNAP -w $(basename "$dest") ${CAP_FILES[*]##*/}"
		mergecap -F pcap -s "$CAP_SNAP" -w "$dest" "${CAP_FILES[@]}"
	else
		cp "${CAP_FILES[0]}" "$dest"
	fi
	chmod 644 "$dest"
}

# ------------------------------------------------------- kernel's reports --

MON_PIDS=()
start_monitors() {
	local role pid
	MON_PIDS=()
	for role in client server; do
		cmdlog "$role" "ip -ts mptcp monitor"
		TZ=UTC ip netns exec "${NS[$role]}" ip -ts mptcp monitor >"$SCN/monitor-$role.txt" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		MON_PIDS+=("$pid")
	done
	sleep 0.3
}

stop_monitors() {
	local pid
	sleep 0.5
	for pid in "${MON_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${MON_PIDS[@]}"; do
		reap "$pid" || true
	done
}

# snapshot LABEL: what the kernel reports now, in both namespaces. May run
# in the background (a sampler during a transfer): files are named by time.
snapshot() {
	local label=$1 role what t
	for role in client server; do
		for what in "ss -Mni" "ss -tni"; do
			t=$(now)
			{
				printf '# time=%s role=%s label=%s cmd=%s\n' "$t" "$role" "$label" "$what"
				# shellcheck disable=SC2086
				ip netns exec "${NS[$role]}" $what
			} >"$SCN/snap-$t-$role-${what#ss -}.txt"
		done
	done
}

# sampler LABEL COUNT INTERVAL: COUNT snapshots, INTERVAL seconds apart, in
# the background.
sampler() {
	local label=$1 count=$2 interval=$3 pid
	(
		for i in $(seq "$count"); do
			snapshot "$label-$i"
			sleep "$interval"
		done
	) &
	pid=$!
	PIDS+=("$pid")
}

# state LABEL: configuration as the kernel reports it.
state() {
	local label=$1 role
	for role in "${!NS[@]}"; do
		{
			echo "## ip mptcp limits show"
			ip netns exec "${NS[$role]}" ip mptcp limits show
			echo "## ip mptcp endpoint show"
			ip netns exec "${NS[$role]}" ip mptcp endpoint show
			echo "## sysctl net.mptcp"
			ip netns exec "${NS[$role]}" sysctl net.mptcp 2>/dev/null
			echo "## sysctl net.ipv4.tcp_congestion_control"
			ip netns exec "${NS[$role]}" sysctl net.ipv4.tcp_congestion_control
			echo "## ip -br addr"
			ip netns exec "${NS[$role]}" ip -br addr
			echo "## tc -s qdisc"
			ip netns exec "${NS[$role]}" tc -s qdisc show
			echo "## nstat -as"
			ip netns exec "${NS[$role]}" nstat -as
		} >"$SCN/state-$label-$role.txt" 2>&1
	done
}

# ------------------------------------------------------------- exchange --

CLIENT_ARGS=()
SERVER_ARGS=()
FACTS_EXTRA=()
DEADLINE=60

# exchange HANDLER: run server and client peers; while they run, call
# HANDLER NAME for every mark/note they write, then release the mark.
exchange() {
	local handler=$1 spid cpid name f seen=" " rc_s=0 rc_c=0 n
	local sync="$SCN/sync"
	mkdir -p "$sync"
	cmdlog server "timeout $DEADLINE python3 mptcp_peer.py server --sync $sync --ready $sync/server-ready --stats $SCN/peer-server.json ${SERVER_ARGS[*]}"
	timeout "$DEADLINE" ip netns exec "${NS[server]}" python3 "$PEER" server \
		--sync "$sync" --ready "$sync/server-ready" --stats "$SCN/peer-server.json" \
		"${SERVER_ARGS[@]}" 2>"$SCN/peer-server.err" &
	spid=$!
	PIDS+=("$spid")
	for n in $(seq 200); do
		[ -e "$sync/server-ready" ] && break
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.05
	done
	[ -e "$sync/server-ready" ] || { cat "$SCN/peer-server.err" >&2; die "server peer did not start"; }
	cmdlog client "timeout $DEADLINE python3 mptcp_peer.py client --sync $sync --stats $SCN/peer-client.json ${CLIENT_ARGS[*]}"
	timeout "$DEADLINE" ip netns exec "${NS[client]}" python3 "$PEER" client \
		--sync "$sync" --stats "$SCN/peer-client.json" \
		"${CLIENT_ARGS[@]}" 2>"$SCN/peer-client.err" &
	cpid=$!
	PIDS+=("$cpid")
	while kill -0 "$cpid" 2>/dev/null || kill -0 "$spid" 2>/dev/null; do
		for f in "$sync"/*; do
			[ -e "$f" ] || continue
			name=${f##*/}
			case $name in *.go | *.tmp | server-ready) continue ;; esac
			[[ $seen == *" $name "* ]] && continue
			seen+="$name "
			"$handler" "$name"
			: >"$f.go"
		done
		sleep 0.02
	done
	reap "$cpid" || rc_c=$?
	reap "$spid" || rc_s=$?
	if [ "$rc_c" != 0 ] || [ "$rc_s" != 0 ]; then
		cat "$SCN/peer-client.err" "$SCN/peer-server.err" >&2
		[ -n "${ALLOW_PEER_ERROR:-}" ] || die "peer failed (client rc=$rc_c, server rc=$rc_s)"
	fi
}

# The default handler: a mark named snap* takes a snapshot.
on_mark_default() {
	case $1 in
	snap*) snapshot "$1" ;;
	esac
}

# ------------------------------------------------------------- scenarios --
# Each scenario sets DESC, builds the namespaces, and calls capture/exchange.
# Peer plans: see mptcp_peer.py.

# bulk PLAN helpers: the client sends 1000 bytes first (a v1 client is only
# fully established, and its path manager only opens subflows, once data has
# flowed), waits for the extra subflow, then sends the rest and receives.
client_bulk() { # UP DOWN [extra steps after the transfer]
	echo "send:1000,waitsub:1,mark:snap-established,send:$(($1 - 1000)),recv:$2,mark:snap-after-transfer${3:+,$3},close"
}
server_bulk() { # UP DOWN
	echo "recv:$1,send:$2,recvall,close"
}

two_subflow_setup() { # FAMILY
	new_namespaces
	links "$1"
	limits 2 2
	if [ "$1" = 4 ]; then
		run client ip mptcp endpoint add 10.0.2.1 dev vc2 id 1 subflow
	else
		run client ip mptcp endpoint add fd00:2::1 dev vc2 id 1 subflow
	fi
}

sc_two-subflows() {
	DESC="Two subflows with data both ways. The client has a subflow endpoint on its second address (10.0.2.1 dev vc2), so its path manager joins from 10.0.2.1 to the server's initial address 10.0.1.2 over the second veth pair; 300000 bytes each way."
	two_subflow_setup 4
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 300000 300000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 300000 300000)")
	exchange on_mark_default
}

sc_two-subflows-pcapng() {
	DESC="Like v1-two-subflows.pcap (100000 bytes each way), captured natively as pcapng by dumpcap (Wireshark's capture engine, as used by tshark) on both client interfaces at once: one section, two interface description blocks (vc1, vc2), nanosecond timestamps, interface statistics blocks at the end; no capture filter, so ARP and ICMPv6 frames are in it too."
	two_subflow_setup 4
	state before
	capture dumpcap 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 100000 100000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 100000 100000)")
	exchange on_mark_default
}

sc_any-sll2() {
	DESC="Two subflows (50000 bytes each way) captured with tcpdump -i any -y LINUX_SLL2 in the client namespace: Linux cooked v2 headers (linktype 276) with the interface index of vc1/vc2."
	two_subflow_setup 4
	state before
	capture any 200
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 50000 50000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 50000 50000)")
	exchange on_mark_default
}

sc_ipv6() {
	DESC="IPv6, two subflows: the server's signal endpoint fd00:2::2 (id 1) is announced with an IPv6 ADD_ADDR, and the client joins it from fd00:2::1; 150000 bytes each way. (A client subflow endpoint on fd00:2::1 towards the server's initial address fd00:1::2 does not work here: the server answers neighbour solicitations for fd00:1::2 only on vs1.)"
	new_namespaces
	links 6
	limits 2 2
	run server ip mptcp endpoint add fd00:2::2 dev vs2 id 1 signal
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--family 6 --addr :: --port $PORT --plan "$(server_bulk 150000 150000)")
	CLIENT_ARGS=(--family 6 --addr fd00:1::2 --port $PORT --plan "$(client_bulk 150000 150000)")
	exchange on_mark_default
}

sc_checksum() {
	DESC="net.mptcp.checksum_enabled=1 on both sides (MP_CAPABLE with the checksum-required flag, DSS with checksums); two subflows; 8000 bytes each way, captured whole (snaplen 1600) so every DSS checksum can be verified."
	new_namespaces
	run client sysctl -qw net.mptcp.checksum_enabled=1
	run server sysctl -qw net.mptcp.checksum_enabled=1
	links 4
	limits 2 2
	run client ip mptcp endpoint add 10.0.2.1 dev vc2 id 1 subflow
	state before
	capture tcpdump 1600 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 8000 8000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 8000 8000)")
	exchange on_mark_default
}

sc_add-addr-join() {
	DESC="The server's signal endpoint 10.0.2.2 (id 1) is announced with ADD_ADDR (HMAC), echoed by the client, which joins it from 10.0.2.1 (MP_JOIN SYN / SYN-ACK / ACK); 100000 bytes each way."
	new_namespaces
	links 4
	limits 2 2
	run server ip mptcp endpoint add 10.0.2.2 dev vs2 id 1 signal
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 100000 100000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 100000 100000)")
	exchange on_mark_default
}

sc_add-addr-port() {
	DESC="Like v1-add-addr-join.pcap, but the server's signal endpoint has a port: 10.0.2.2 port $((PORT + 1)) (id 1). The kernel opens a listener on that port, the ADD_ADDR carries the port, and the client joins 10.0.2.2:$((PORT + 1))."
	new_namespaces
	links 4
	limits 2 2
	run server ip mptcp endpoint add 10.0.2.2 dev vs2 id 1 port $((PORT + 1)) signal
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 20000 20000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 20000 20000)")
	exchange on_mark_default
}

on_mark_remove_addr() {
	case $1 in
	remove)
		event endpoint_delete server ip mptcp endpoint delete id 1
		sleep 0.5
		;;
	*) on_mark_default "$1" ;;
	esac
}

sc_remove-addr() {
	DESC="The server announces 10.0.2.2 (id 1), the client joins it; 50000 bytes each way; then the server's endpoint is deleted during the connection (ip mptcp endpoint delete id 1): REMOVE_ADDR for id 1 and the subflow's close; then 50000 more bytes each way on the initial subflow."
	new_namespaces
	links 4
	limits 2 2
	run server ip mptcp endpoint add 10.0.2.2 dev vs2 id 1 signal
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "recv:50000,send:50000,recv:50000,send:50000,recvall,close")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 50000 50000 "mark:remove,mark:snap-after-remove,send:50000,recv:50000")")
	exchange on_mark_remove_addr
}

on_mark_backup_prio() {
	case $1 in
	nobackup)
		event endpoint_nobackup client ip mptcp endpoint change id 1 nobackup
		sleep 0.3
		;;
	backup)
		event endpoint_backup client ip mptcp endpoint change id 1 backup
		sleep 0.3
		;;
	*) on_mark_default "$1" ;;
	esac
}

sc_backup-prio() {
	DESC="The client's subflow endpoint 10.0.2.1 dev vc2 (id 1) is a backup endpoint: its MP_JOIN SYN has the backup bit. 50000 bytes each way, then 'ip mptcp endpoint change id 1 nobackup' (MP_PRIO backup=0), 50000 bytes each way, then 'change id 1 backup' (MP_PRIO backup=1), 50000 bytes each way."
	new_namespaces
	links 4
	limits 2 2
	run client ip mptcp endpoint add 10.0.2.1 dev vc2 id 1 subflow backup
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "recv:50000,send:50000,recv:50000,send:50000,recv:50000,send:50000,recvall,close")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "$(client_bulk 50000 50000 "mark:nobackup,mark:snap-nobackup,send:50000,recv:50000,mark:backup,mark:snap-backup,send:50000,recv:50000")")
	exchange on_mark_backup_prio
}

on_mark_failover() {
	case $1 in
	sending)
		sleep 1.0
		event link_down server ip link set vs1 down
		;;
	*) on_mark_default "$1" ;;
	esac
}

sc_failover() {
	DESC="Two subflows (client subflow endpoint 10.0.2.1 dev vc2). The client sends for 3 s paced at 150000 bytes/s; 1 s into it the first path's link goes down at the server end (ip link set vs1 down: the client's vc1 loses carrier). Data continues on the second subflow; the first subflow gets no more ACKs."
	two_subflow_setup 4
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "recvall,close")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "send:1000,waitsub:1,mark:snap-established,note:sending,sendfor:3:150000,mark:snap-after-failover,close")
	exchange on_mark_failover
}

on_mark_handover() {
	case $1 in
	sending)
		sleep 1.0
		event link_down client ip link set vc1 down
		;;
	*) on_mark_default "$1" ;;
	esac
}

sc_handover-backup() {
	DESC="Phone-like: path 1 (vc1, 10.0.1.1) is the WiFi, path 2 (vc2, 10.0.2.1) the cellular, joined as a backup subflow (client endpoint 10.0.2.1 dev vc2 subflow backup). The server sends (a download) for 4 s paced at 100000 bytes/s; 1 s into it the client's WiFi interface goes down (ip link set vc1 down in the client namespace). Data continues on the backup subflow without a reconnect."
	new_namespaces
	links 4
	limits 2 2
	run client ip mptcp endpoint add 10.0.2.1 dev vc2 id 1 subflow backup
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "recv:1000,note:sending,sendfor:4:100000,close")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "send:1000,waitsub:1,mark:snap-established,recvall,mark:snap-after-handover,close")
	exchange on_mark_handover
}

sc_fallback() {
	DESC="An MPTCP client (IPPROTO_MPTCP) connects to a plain TCP server: the SYN has MP_CAPABLE, the SYN-ACK has none, and the connection falls back to TCP; 20000 bytes each way."
	new_namespaces
	links 4
	state before
	capture tcpdump 200 vc1
	start_monitors
	SERVER_ARGS=(--proto tcp --addr 0.0.0.0 --port $PORT --plan "$(server_bulk 20000 20000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "send:20000,recv:20000,mark:snap-after-transfer,close")
	exchange on_mark_default
}

sc_fastclose() {
	DESC="Abortive close: two subflows (client subflow endpoint 10.0.2.1 dev vc2), 10000 bytes each way, then the client sets SO_LINGER {1, 0} on its MPTCP socket and closes it."
	two_subflow_setup 4
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 10000 10000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "send:1000,waitsub:1,mark:snap-established,send:9000,recv:10000,mark:snap-before-close,linger0,close")
	exchange on_mark_default
}

sc_many-short() {
	DESC="200 short MPTCP connections, one after another, on one path (no endpoints): connect, send 16 bytes, receive 16 bytes, close. Snaplen 96."
	new_namespaces
	links 4
	state before
	capture tcpdump 96 vc1
	start_monitors
	SERVER_ARGS=(--count 200 --addr 0.0.0.0 --port $PORT --plan "recv:16,send:16,recvall,close")
	CLIENT_ARGS=(--count 200 --addr 10.0.1.2 --port $PORT --plan "send:16,recv:16,close")
	exchange on_mark_default
}

on_mark_shaped() {
	case $1 in
	bulk) sampler bulk 5 0.5 ;;
	*) on_mark_default "$1" ;;
	esac
}

sc_join-rejected() {
	DESC="The client has a subflow endpoint (10.0.2.1 dev vc2) but the server's limits allow no extra subflow (ip mptcp limits set subflows 0 add_addr_accepted 0 on the server): the server refuses the MP_JOIN. 20000 bytes each way on the initial subflow."
	new_namespaces
	links 4
	run client ip mptcp limits set subflows 2 add_addr_accepted 2
	run server ip mptcp limits set subflows 0 add_addr_accepted 0
	run client ip mptcp endpoint add 10.0.2.1 dev vc2 id 1 subflow
	state before
	capture tcpdump 200 vc1 vc2
	start_monitors
	SERVER_ARGS=(--addr 0.0.0.0 --port $PORT --plan "$(server_bulk 20000 20000)")
	CLIENT_ARGS=(--addr 10.0.1.2 --port $PORT --plan "send:1000,sleep:0.3,mark:snap-after-join,send:19000,recv:20000,close")
	exchange on_mark_default
}

# Three namespaces: client - router - server, two disjoint routed paths.
#   path 1: client vc1 10.0.1.1 - 10.0.1.254 rc1 [router] rs1 10.0.3.254 - 10.0.3.2 vs1 server
#   path 2: client vc2 10.0.2.1 - 10.0.2.254 rc2 [router] rs2 10.0.4.254 - 10.0.4.2 vs2 server
# The bottleneck queues sit on the router's egress towards the server, so
# they fill as a real bottleneck does (a qdisc on the sender's own interface
# would be held short by TCP Small Queues).
routed_links() {
	local i
	new_namespaces router
	run router sysctl -qw net.ipv4.ip_forward=1
	for i in 1 2; do
		run client ip link add "vc$i" type veth peer name "rc$i" netns "${NS[router]}"
		run server ip link add "vs$i" type veth peer name "rs$i" netns "${NS[router]}"
		run client ip link set "vc$i" gso_max_segs 1
		run server ip link set "vs$i" gso_max_segs 1
		run router ip link set "rc$i" gso_max_segs 1
		run router ip link set "rs$i" gso_max_segs 1
		run client ip addr add "10.0.$i.1/24" dev "vc$i"
		run router ip addr add "10.0.$i.254/24" dev "rc$i"
		run router ip addr add "10.0.$((i + 2)).254/24" dev "rs$i"
		run server ip addr add "10.0.$((i + 2)).2/24" dev "vs$i"
		run client ip link set "vc$i" up
		run server ip link set "vs$i" up
		run router ip link set "rc$i" up
		run router ip link set "rs$i" up
		run client ip route add "10.0.$((i + 2)).0/24" via "10.0.$i.254" dev "vc$i"
		run server ip route add "10.0.$i.0/24" via "10.0.$((i + 2)).254" dev "vs$i"
	done
}

sc_shaped-two-paths() {
	DESC="Two routed paths through a router namespace, shaped with tbf on the router's egress towards the server: path 1 (client 10.0.1.1 - server 10.0.3.2) 20 Mbit/s with a 50 ms queue, path 2 (client 10.0.2.1 - server 10.0.4.2, announced by the server's signal endpoint and joined by the client) 5 Mbit/s with a deep 400 ms queue, so path 2's RTT grows under load. Congestion control cubic (TCP_CONGESTION on the sockets; a namespace may not make cubic its default). The client sends for 2.5 s as fast as it can; snaplen 128. ss snapshots every 0.5 s during the transfer."
	routed_links
	limits 2 2
	run server ip mptcp endpoint add 10.0.4.2 dev vs2 id 1 signal
	run router tc qdisc add dev rs1 root tbf rate 20mbit burst 20kb latency 50ms
	run router tc qdisc add dev rs2 root tbf rate 5mbit burst 10kb latency 400ms
	FACTS_EXTRA+=('shaping={"where": "router egress towards the server (shapes client-to-server data)", "paths": [{"router_dev": "rs1", "client_addr": "10.0.1.1", "server_addr": "10.0.3.2", "rate_bit_s": 20000000, "burst_bytes": 20480, "latency_ms": 50, "queue_limit_bytes_approx": 145480}, {"router_dev": "rs2", "client_addr": "10.0.2.1", "server_addr": "10.0.4.2", "rate_bit_s": 5000000, "burst_bytes": 10240, "latency_ms": 400, "queue_limit_bytes_approx": 260240}], "send_duration_s": 2.5, "note": "tbf limit = rate * latency + burst; the limit the kernel took and its drop counters are in config.router.*.raw[\"tc -s qdisc\"]"}')
	state before
	capture tcpdump 128 vc1 vc2
	start_monitors
	SERVER_ARGS=(--cc cubic --addr 0.0.0.0 --port $PORT --plan "recvall,close")
	CLIENT_ARGS=(--cc cubic --addr 10.0.3.2 --port $PORT --plan "send:1000,waitsub:1,mark:snap-established,note:bulk,sendfor:2.5,mark:snap-after-bulk,close")
	exchange on_mark_shaped
}

main() {
	local list=() s
	if [ "${1:-}" = --list ]; then
		for s in "${ALL_SCENARIOS[@]}"; do printf '%-22s %s\n' "$s" "${FILE[$s]}"; done
		return 0
	fi
	preflight
	if [ $# -eq 0 ]; then list=("${ALL_SCENARIOS[@]}"); else list=("$@"); fi
	for s in "${list[@]}"; do
		[ -n "${FILE[$s]:-}" ] || die "unknown scenario '$s' (try --list)"
	done
	mkdir -p "$OUT"
	WORK=$(mktemp -d /tmp/mptcpstat-cap.XXXXXX)
	for s in "${list[@]}"; do
		SCN="$WORK/$s"
		mkdir -p "$SCN"
		: >"$SCN/events.tsv"
		DESC=""
		FACTS_EXTRA=()
		echo "== $s -> pcap/${FILE[$s]}"
		"sc_$s"
		stop_monitors
		state after
		stop_capture "$OUT/${FILE[$s]}"
		cleanup
		local extra=() x
		for x in "${FACTS_EXTRA[@]}"; do extra+=(--extra "$x"); done
		python3 "$FACTS" --scenario "$s" --description "$DESC" --work "$SCN" \
			--capture "$OUT/${FILE[$s]}" --out "$OUT/${FILE[$s]}.facts.json" "${extra[@]}"
	done
}

main "$@"
