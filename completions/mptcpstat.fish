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
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "decode" -d 'Decode every MPTCP option in a capture, one line per packet'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "analyze" -d 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "man" -d 'Print a man page (roff): mptcpstat(1), or a command\'s'
complete -c mptcpstat -n "__fish_mptcpstat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l color -d 'When to use colour in tables and lines' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -l json -d 'Print JSON instead of a table (JSON Lines for commands that stream)'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -s h -l help -d 'Print help'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand decode" -s V -l version -d 'Print version'
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
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from decode analyze completions man help" -f -a "decode" -d 'Decode every MPTCP option in a capture, one line per packet'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from decode analyze completions man help" -f -a "analyze" -d 'Rebuild the MPTCP connections of a capture: subflows, events, checks, anomalies'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from decode analyze completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from decode analyze completions man help" -f -a "man" -d 'Print a man page (roff): mptcpstat(1), or a command\'s'
complete -c mptcpstat -n "__fish_mptcpstat_using_subcommand help; and not __fish_seen_subcommand_from decode analyze completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
