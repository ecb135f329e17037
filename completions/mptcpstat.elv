
use builtin;
use str;

set edit:completion:arg-completer[mptcpstat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mptcpstat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mptcpstat'= {
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints'
            cand endpoints 'Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them'
            cand limits 'Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted'
            cand check 'Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix'
            cand counters 'MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning'
            cand conns 'Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`)'
            cand monitor 'Path manager events as they happen (like `ip mptcp monitor`), one line each'
            cand export 'Status, counters and a connection summary as Prometheus metrics (textfile collector)'
            cand decode 'Decode every MPTCP option in a capture, one line per packet'
            cand analyze 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff): mptcpstat(1), or a command''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;status'= {
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;endpoints'= {
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add an endpoint (needs CAP_NET_ADMIN)'
            cand delete 'Delete an endpoint by id; id 0 (the initial subflow''s address) also needs the address'
            cand set 'Change an endpoint''s backup or fullmesh flag; the other flags stay as they are'
            cand flush 'Delete every endpoint'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;endpoints;add'= {
            cand --id 'Endpoint id (1-255); the kernel picks the next free one when absent'
            cand --port 'Port to announce and accept joins on (needs `signal`)'
            cand --dev 'Interface subflows from this address are bound to'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;endpoints;delete'= {
            cand --id 'Endpoint id'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;endpoints;set'= {
            cand --id 'Endpoint id'
            cand --address 'Endpoint address, instead of the id'
            cand --port 'Endpoint port, with --address'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;endpoints;flush'= {
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;endpoints;help'= {
            cand add 'Add an endpoint (needs CAP_NET_ADMIN)'
            cand delete 'Delete an endpoint by id; id 0 (the initial subflow''s address) also needs the address'
            cand set 'Change an endpoint''s backup or fullmesh flag; the other flags stay as they are'
            cand flush 'Delete every endpoint'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;endpoints;help;add'= {
        }
        &'mptcpstat;endpoints;help;delete'= {
        }
        &'mptcpstat;endpoints;help;set'= {
        }
        &'mptcpstat;endpoints;help;flush'= {
        }
        &'mptcpstat;endpoints;help;help'= {
        }
        &'mptcpstat;limits'= {
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;limits;set'= {
            cand --subflows 'Additional subflows per connection (the kernel allows 0-8)'
            cand --add-addr-accepted 'ADD_ADDR announcements accepted per connection (the kernel allows 0-8)'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;limits;help'= {
            cand set 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;limits;help;set'= {
        }
        &'mptcpstat;limits;help;help'= {
        }
        &'mptcpstat;check'= {
            cand --pid 'Also check whether process PID''s TCP sockets are MPTCP or plain TCP (looked up in the process''s own network namespace)'
            cand --program 'Also check the TCP sockets of every process named NAME (its `comm`, as `ps -C` matches it, or the file name of its argv[0])'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;counters'= {
            cand -i 'Print the changes every SECS seconds (fractions allowed)'
            cand --interval 'Print the changes every SECS seconds (fractions allowed)'
            cand -c 'Stop after N samples (with --interval)'
            cand --count 'Stop after N samples (with --interval)'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand -a 'Show counters that are zero too'
            cand --all 'Show counters that are zero too'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;conns'= {
            cand --sport 'Only connections whose local port is PORT'
            cand --dport 'Only connections whose remote port is PORT'
            cand --addr 'Only connections with ADDR on either side, of the connection or of any subflow'
            cand -w 'Repeat every SECS seconds with the throughput of each subflow over the interval, its share, RTT, RTT variance, cwnd and retransmits, and each connection''s RTT spread: a table redrawn in place on a terminal, JSON Lines with --json'
            cand --watch 'Repeat every SECS seconds with the throughput of each subflow over the interval, its share, RTT, RTT variance, cwnd and retransmits, and each connection''s RTT spread: a table redrawn in place on a terminal, JSON Lines with --json'
            cand -c 'Stop after N reports (with --watch)'
            cand --count 'Stop after N reports (with --watch)'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand -l 'Only listening MPTCP sockets'
            cand --listening 'Only listening MPTCP sockets'
            cand -a 'All MPTCP sockets: listening and connected, in any state'
            cand --all 'All MPTCP sockets: listening and connected, in any state'
            cand -4 'Only IPv4 sockets'
            cand --ipv4 'Only IPv4 sockets'
            cand -6 'Only IPv6 sockets (including IPv4-mapped ones)'
            cand --ipv6 'Only IPv6 sockets (including IPv4-mapped ones)'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;monitor'= {
            cand -c 'Stop after N events'
            cand --count 'Stop after N events'
            cand -t 'Stop after SECS seconds (fractions allowed)'
            cand --timeout 'Stop after SECS seconds (fractions allowed)'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;export'= {
            cand -o 'Write the metrics to FILE, atomically (a temporary file beside it, then renamed)'
            cand --output 'Write the metrics to FILE, atomically (a temporary file beside it, then renamed)'
            cand -N 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --netns 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)'
            cand --color 'When to use colour in tables and lines'
            cand --no-subflows 'Leave out the per-subflow series; the per-path sums stay'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;decode'= {
            cand --subtype 'Only frames with an option of these subtypes (mp_capable, mp_join, dss, add_addr, remove_addr, mp_prio, mp_fail, mp_fastclose, mp_tcprst, unknown, malformed)'
            cand --port 'Only frames to or from this port'
            cand --host 'Only frames to or from this address'
            cand --token 'Only frames of the MPTCP connection with this token (either host''s, as `conns` and `analyze` show them), on all its subflows. The capture is read twice, so not from -'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;analyze'= {
            cand --interval 'Also report bytes and RTT per time bucket of SECS seconds (`series` in JSON). Where the capture''s subflows would need millions of buckets, they widen (a `series_widened` anomaly says to what)'
            cand --plot 'Draw one connection as an SVG file: its data-level time-sequence graph, throughput and RTT per subflow over time, with failover and address events marked'
            cand --connection 'The connection to plot, by its number in the report (default: the one with the most data)'
            cand --max-connections 'Most connections to track; later ones are counted, not analyzed'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;completions'= {
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;man'= {
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;help'= {
            cand status 'Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints'
            cand endpoints 'Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them'
            cand limits 'Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted'
            cand check 'Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix'
            cand counters 'MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning'
            cand conns 'Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`)'
            cand monitor 'Path manager events as they happen (like `ip mptcp monitor`), one line each'
            cand export 'Status, counters and a connection summary as Prometheus metrics (textfile collector)'
            cand decode 'Decode every MPTCP option in a capture, one line per packet'
            cand analyze 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff): mptcpstat(1), or a command''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;help;status'= {
        }
        &'mptcpstat;help;endpoints'= {
            cand add 'Add an endpoint (needs CAP_NET_ADMIN)'
            cand delete 'Delete an endpoint by id; id 0 (the initial subflow''s address) also needs the address'
            cand set 'Change an endpoint''s backup or fullmesh flag; the other flags stay as they are'
            cand flush 'Delete every endpoint'
        }
        &'mptcpstat;help;endpoints;add'= {
        }
        &'mptcpstat;help;endpoints;delete'= {
        }
        &'mptcpstat;help;endpoints;set'= {
        }
        &'mptcpstat;help;endpoints;flush'= {
        }
        &'mptcpstat;help;limits'= {
            cand set 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is'
        }
        &'mptcpstat;help;limits;set'= {
        }
        &'mptcpstat;help;check'= {
        }
        &'mptcpstat;help;counters'= {
        }
        &'mptcpstat;help;conns'= {
        }
        &'mptcpstat;help;monitor'= {
        }
        &'mptcpstat;help;export'= {
        }
        &'mptcpstat;help;decode'= {
        }
        &'mptcpstat;help;analyze'= {
        }
        &'mptcpstat;help;completions'= {
        }
        &'mptcpstat;help;man'= {
        }
        &'mptcpstat;help;help'= {
        }
    ]
    $completions[$command]
}
