
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
            cand decode 'Decode every MPTCP option in a capture, one line per packet'
            cand analyze 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff): mptcpstat(1), or a command''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mptcpstat;decode'= {
            cand --subtype 'Only frames with an option of these subtypes (mp_capable, mp_join, dss, add_addr, remove_addr, mp_prio, mp_fail, mp_fastclose, mp_tcprst, unknown, malformed)'
            cand --port 'Only frames to or from this port'
            cand --host 'Only frames to or from this address'
            cand --color 'When to use colour in tables and lines'
            cand --json 'Print JSON instead of a table (JSON Lines for commands that stream)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mptcpstat;analyze'= {
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
            cand decode 'Decode every MPTCP option in a capture, one line per packet'
            cand analyze 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff): mptcpstat(1), or a command''s'
            cand help 'Print this message or the help of the given subcommand(s)'
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
