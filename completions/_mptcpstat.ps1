
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mptcpstat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mptcpstat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mptcpstat' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints')
            [CompletionResult]::new('endpoints', 'endpoints', [CompletionResultType]::ParameterValue, 'Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them')
            [CompletionResult]::new('limits', 'limits', [CompletionResultType]::ParameterValue, 'Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix')
            [CompletionResult]::new('counters', 'counters', [CompletionResultType]::ParameterValue, 'MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning')
            [CompletionResult]::new('conns', 'conns', [CompletionResultType]::ParameterValue, 'Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`)')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Path manager events as they happen (like `ip mptcp monitor`), one line each')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Status, counters and a connection summary as Prometheus metrics (textfile collector)')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Decode every MPTCP option in a capture, one line per packet')
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff): mptcpstat(1), or a command''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mptcpstat;status' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;endpoints' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an endpoint (needs CAP_NET_ADMIN)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an endpoint by id; id 0 (the initial subflow''s address) also needs the address')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change an endpoint''s backup or fullmesh flag; the other flags stay as they are')
            [CompletionResult]::new('flush', 'flush', [CompletionResultType]::ParameterValue, 'Delete every endpoint')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mptcpstat;endpoints;add' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Endpoint id (1-255); the kernel picks the next free one when absent')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to announce and accept joins on (needs `signal`)')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Interface subflows from this address are bound to')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;endpoints;delete' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Endpoint id')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;endpoints;set' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Endpoint id')
            [CompletionResult]::new('--address', '--address', [CompletionResultType]::ParameterName, 'Endpoint address, instead of the id')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Endpoint port, with --address')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;endpoints;flush' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;endpoints;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an endpoint (needs CAP_NET_ADMIN)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an endpoint by id; id 0 (the initial subflow''s address) also needs the address')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change an endpoint''s backup or fullmesh flag; the other flags stay as they are')
            [CompletionResult]::new('flush', 'flush', [CompletionResultType]::ParameterValue, 'Delete every endpoint')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mptcpstat;endpoints;help;add' {
            break
        }
        'mptcpstat;endpoints;help;delete' {
            break
        }
        'mptcpstat;endpoints;help;set' {
            break
        }
        'mptcpstat;endpoints;help;flush' {
            break
        }
        'mptcpstat;endpoints;help;help' {
            break
        }
        'mptcpstat;limits' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mptcpstat;limits;set' {
            [CompletionResult]::new('--subflows', '--subflows', [CompletionResultType]::ParameterName, 'Additional subflows per connection (the kernel allows 0-8)')
            [CompletionResult]::new('--add-addr-accepted', '--add-addr-accepted', [CompletionResultType]::ParameterName, 'ADD_ADDR announcements accepted per connection (the kernel allows 0-8)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;limits;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mptcpstat;limits;help;set' {
            break
        }
        'mptcpstat;limits;help;help' {
            break
        }
        'mptcpstat;check' {
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Also check whether process PID''s TCP sockets are MPTCP or plain TCP (looked up in the process''s own network namespace)')
            [CompletionResult]::new('--program', '--program', [CompletionResultType]::ParameterName, 'Also check the TCP sockets of every process named NAME (its `comm`, as `ps -C` matches it, or the file name of its argv[0])')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;counters' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Print the changes every SECS seconds (fractions allowed)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Print the changes every SECS seconds (fractions allowed)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after N samples (with --interval)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after N samples (with --interval)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Show counters that are zero too')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show counters that are zero too')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;conns' {
            [CompletionResult]::new('--sport', '--sport', [CompletionResultType]::ParameterName, 'Only connections whose local port is PORT')
            [CompletionResult]::new('--dport', '--dport', [CompletionResultType]::ParameterName, 'Only connections whose remote port is PORT')
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Only connections with ADDR on either side, of the connection or of any subflow')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Repeat every SECS seconds with the throughput of each subflow over the interval, its share, RTT, RTT variance, cwnd and retransmits, and each connection''s RTT spread: a table redrawn in place on a terminal, JSON Lines with --json')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Repeat every SECS seconds with the throughput of each subflow over the interval, its share, RTT, RTT variance, cwnd and retransmits, and each connection''s RTT spread: a table redrawn in place on a terminal, JSON Lines with --json')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after N reports (with --watch)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after N reports (with --watch)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only listening MPTCP sockets')
            [CompletionResult]::new('--listening', '--listening', [CompletionResultType]::ParameterName, 'Only listening MPTCP sockets')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'All MPTCP sockets: listening and connected, in any state')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'All MPTCP sockets: listening and connected, in any state')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4 sockets')
            [CompletionResult]::new('--ipv4', '--ipv4', [CompletionResultType]::ParameterName, 'Only IPv4 sockets')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6 sockets (including IPv4-mapped ones)')
            [CompletionResult]::new('--ipv6', '--ipv6', [CompletionResultType]::ParameterName, 'Only IPv6 sockets (including IPv4-mapped ones)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;monitor' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after N events')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after N events')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Stop after SECS seconds (fractions allowed)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop after SECS seconds (fractions allowed)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the metrics to FILE, atomically (a temporary file beside it, then renamed)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the metrics to FILE, atomically (a temporary file beside it, then renamed)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--netns', '--netns', [CompletionResultType]::ParameterName, 'Network namespace to query: a name from `ip netns list`, a path such as /proc/PID/ns/net, or a PID (like `ip -n` and `ss -N`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--no-subflows', '--no-subflows', [CompletionResultType]::ParameterName, 'Leave out the per-subflow series; the per-path sums stay')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;decode' {
            [CompletionResult]::new('--subtype', '--subtype', [CompletionResultType]::ParameterName, 'Only frames with an option of these subtypes (mp_capable, mp_join, dss, add_addr, remove_addr, mp_prio, mp_fail, mp_fastclose, mp_tcprst, unknown, malformed)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Only frames to or from this port')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Only frames to or from this address')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Only frames of the MPTCP connection with this token (either host''s, as `conns` and `analyze` show them), on all its subflows. The capture is read twice, so not from -')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;analyze' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Also report bytes and RTT per time bucket of SECS seconds (`series` in JSON). Where the capture''s subflows would need millions of buckets, they widen (a `series_widened` anomaly says to what)')
            [CompletionResult]::new('--plot', '--plot', [CompletionResultType]::ParameterName, 'Draw one connection as an SVG file: its data-level time-sequence graph, throughput and RTT per subflow over time, with failover and address events marked')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'The connection to plot, by its number in the report (default: the one with the most data)')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most connections to track; later ones are counted, not analyzed')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in tables and lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table (JSON Lines for commands that stream)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mptcpstat;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Is MPTCP enabled here, and how is it set up: sysctls, limits, endpoints')
            [CompletionResult]::new('endpoints', 'endpoints', [CompletionResultType]::ParameterValue, 'Path manager endpoints (like `ip mptcp endpoint`); add, delete, change them')
            [CompletionResult]::new('limits', 'limits', [CompletionResultType]::ParameterValue, 'Path manager limits (like `ip mptcp limits`): subflows and ADD_ADDRs accepted')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Why is MPTCP not used, or only one subflow? Every check, one line each, with the fix')
            [CompletionResult]::new('counters', 'counters', [CompletionResultType]::ParameterValue, 'MPTCP MIB counters (MPTcpExt, as `nstat` shows them), each with its meaning')
            [CompletionResult]::new('conns', 'conns', [CompletionResultType]::ParameterValue, 'Open MPTCP connections with local and remote tokens and their subflows (`ss -M` + `ss -ti`)')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Path manager events as they happen (like `ip mptcp monitor`), one line each')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Status, counters and a connection summary as Prometheus metrics (textfile collector)')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Decode every MPTCP option in a capture, one line per packet')
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff): mptcpstat(1), or a command''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mptcpstat;help;status' {
            break
        }
        'mptcpstat;help;endpoints' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an endpoint (needs CAP_NET_ADMIN)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an endpoint by id; id 0 (the initial subflow''s address) also needs the address')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change an endpoint''s backup or fullmesh flag; the other flags stay as they are')
            [CompletionResult]::new('flush', 'flush', [CompletionResultType]::ParameterValue, 'Delete every endpoint')
            break
        }
        'mptcpstat;help;endpoints;add' {
            break
        }
        'mptcpstat;help;endpoints;delete' {
            break
        }
        'mptcpstat;help;endpoints;set' {
            break
        }
        'mptcpstat;help;endpoints;flush' {
            break
        }
        'mptcpstat;help;limits' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change the limits (needs CAP_NET_ADMIN); a limit not given stays as it is')
            break
        }
        'mptcpstat;help;limits;set' {
            break
        }
        'mptcpstat;help;check' {
            break
        }
        'mptcpstat;help;counters' {
            break
        }
        'mptcpstat;help;conns' {
            break
        }
        'mptcpstat;help;monitor' {
            break
        }
        'mptcpstat;help;export' {
            break
        }
        'mptcpstat;help;decode' {
            break
        }
        'mptcpstat;help;analyze' {
            break
        }
        'mptcpstat;help;completions' {
            break
        }
        'mptcpstat;help;man' {
            break
        }
        'mptcpstat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
