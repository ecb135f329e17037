# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mptcpstat_global_optspecs
    string join \n json color= h/help V/version
end

function __fish_mptcpstat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mptcpstat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mptcpstat_using_subcommand
    set -l cmd (__fish_mptcpstat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "status" -d 'Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "endpoints" -d 'Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "limits" -d 'Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "check" -d 'Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "counters" -d 'MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "conns" -d 'Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`)'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "monitor" -d 'Path manager events as they happen (like `ip mptcp monitor`), one line each'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "export" -d 'Status, counters and a connection summary as Prometheus metrics (textfile collector)'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "decode" -d 'Decode every MPTCP option in a capture, one line per packet'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "analyze" -d 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "man" -d 'Print a man page (roff): mptcpstat(1), or a command\'s'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand status" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand status" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand status" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand status" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand status" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -f -a "add" -d 'Add an endpoint (needs CAP_NET_ADMIN)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -f -a "delete" -d 'Delete an endpoint by id; id 0 (the initial subflow\'s address) also needs the address'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -f -a "set" -d 'Change an endpoint\'s backup or fullmesh flag; the other flags stay as they are'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -f -a "flush" -d 'Delete every endpoint'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and not __fish_seen_subcommand_from add delete set flush help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -l id -d 'Endpoint id (1-255); the kernel picks the next free one when absent' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -l port -d 'Port to announce and accept joins on (needs `signal`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -l dev -d 'Interface subflows from this address are bound to' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from delete" -l id -d 'Endpoint id' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from delete" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from delete" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -l id -d 'Endpoint id' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -l address -d 'Endpoint address, instead of the id' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -l port -d 'Endpoint port, with --address' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from flush" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from flush" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from flush" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from flush" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from flush" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an endpoint (needs CAP_NET_ADMIN)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an endpoint by id; id 0 (the initial subflow\'s address) also needs the address'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change an endpoint\'s backup or fullmesh flag; the other flags stay as they are'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from help" -f -a "flush" -d 'Delete every endpoint'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand endpoints; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -f -a "set" -d 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and not __fish_seen_subcommand_from set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -l subflows -d 'Additional subflows per connection (the kernel allows 0-8)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -l add-addr-accepted -d 'ADD_ADDR announcements accepted per connection (the kernel allows 0-8)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand limits; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -l pid -d 'Also check whether process PID\'s TCP sockets are MPTCP or plain TCP (looked up in the process\'s own network namespace)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -l program -d 'Also check the TCP sockets of every process named NAME (its `comm`, as `ps -C` matches it, or the file name of its argv[0])' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand check" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -s i -l interval -d 'Print the changes every SECS seconds (fractions allowed)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -s c -l count -d 'Stop after N samples (with --interval)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -s a -l all -d 'Show counters that are zero too'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand counters" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -l sport -d 'Only connections whose local port is PORT' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -l dport -d 'Only connections whose remote port is PORT' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -l addr -d 'Only connections with ADDR on either side, of the connection or of any subflow' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s w -l watch -d 'Repeat every SECS seconds with the throughput of each subflow over the interval, its share, RTT, RTT variance, cwnd and retransmits, and each connection\'s RTT spread: a table redrawn in place on a terminal, JSON Lines with --json' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s c -l count -d 'Stop after N reports (with --watch)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s l -l listening -d 'Only listening MPTCP sockets'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s a -l all -d 'All MPTCP sockets: listening and connected, in any state'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s 4 -l ipv4 -d 'Only IPv4 sockets'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s 6 -l ipv6 -d 'Only IPv6 sockets (including IPv4-mapped ones)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand conns" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -s c -l count -d 'Stop after N events' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -s t -l timeout -d 'Stop after SECS seconds (fractions allowed)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand monitor" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -s o -l output -d 'Write the metrics to FILE, atomically (a temporary file beside it, then renamed)' -r -F
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -s N -l netns -d 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -l no-subflows -d 'Leave out the per-subflow series; the per-path sums stay'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand export" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l subtype -d 'Only frames with an option of these subtypes (mp_capable, mp_join, dss, add_addr, remove_addr, mp_prio, mp_fail, mp_fastclose, mp_tcprst, unknown, malformed)' -r -f -a "mp_capable\t''
mp_join\t''
dss\t''
add_addr\t''
remove_addr\t''
mp_prio\t''
mp_fail\t''
mp_fastclose\t''
mp_tcprst\t''
unknown\t''
malformed\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l port -d 'Only frames to or from this port' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l host -d 'Only frames to or from this address' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l token -d 'Only frames of the MPTCP connection with this token (either host\'s, as `conns` and `analyze` show them), on all its subflows. The capture is read twice, so not from -' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -l interval -d 'Also report bytes and RTT per time bucket of SECS seconds (`series` in JSON). Where the capture\'s subflows would need millions of buckets, they widen (a `series_widened` anomaly says to what)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -l plot -d 'Draw one connection as an SVG file: its data-level time-sequence graph, throughput and RTT per subflow over time, with failover and address events marked' -r -F
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -l connection -d 'The connection to plot, by its number in the report (default: the one with the most data)' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -l max-connections -d 'Most connections to track; later ones are counted, not analyzed' -r
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand analyze" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand completions" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand completions" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand completions" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand man" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand man" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand man" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand man" -s V -l version -d 'Print version'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "status" -d 'Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "endpoints" -d 'Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "limits" -d 'Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "check" -d 'Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "counters" -d 'MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "conns" -d 'Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "monitor" -d 'Path manager events as they happen (like `ip mptcp monitor`), one line each'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "export" -d 'Status, counters and a connection summary as Prometheus metrics (textfile collector)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "decode" -d 'Decode every MPTCP option in a capture, one line per packet'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "analyze" -d 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "man" -d 'Print a man page (roff): mptcpstat(1), or a command\'s'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from status endpoints limits check counters conns monitor export decode analyze completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and __fish_seen_subcommand_from endpoints" -f -a "add" -d 'Add an endpoint (needs CAP_NET_ADMIN)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and __fish_seen_subcommand_from endpoints" -f -a "delete" -d 'Delete an endpoint by id; id 0 (the initial subflow\'s address) also needs the address'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and __fish_seen_subcommand_from endpoints" -f -a "set" -d 'Change an endpoint\'s backup or fullmesh flag; the other flags stay as they are'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and __fish_seen_subcommand_from endpoints" -f -a "flush" -d 'Delete every endpoint'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and __fish_seen_subcommand_from limits" -f -a "set" -d 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is'
