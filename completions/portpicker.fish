# SPDX-License-Identifier: Apache-2.0
# fish completion for portpicker. make install-links also installs this file
# as pick.fish, check.fish, ... so that fish loads it for the applet links;
# it then completes the command it was loaded for (the file's name), and
# never binds a name it was not installed under.
set -l cmd (string replace -r '\.fish$' '' -- (string replace -r '.*/' '' -- (status current-filename)))

# Is APPLET being completed, as `portpicker APPLET` or through its link?
function __portpicker_applet_is --argument-names applet
    set -l words (commandline -opc)
    set -l first (string replace -r '.*/' '' -- $words[1])
    test "$first" = $applet; and return 0
    test "$first" = portpicker; and test "$words[2]" = $applet
end

# Server addresses: $PORTSERVER_ADDRESS, the default abstract name, and paths.
function __portpicker_addresses
    set -q PORTSERVER_ADDRESS; and printf '%s\t%s\n' $PORTSERVER_ADDRESS PORTSERVER_ADDRESS
    printf '%s\t%s\n' @unittest-portserver 'the default abstract name'
    __fish_complete_path (commandline -ct)
end

# __portpicker_opt CMD APPLET SHORT LONG VALUE DESCRIPTION: one option. VALUE
# is empty for a flag, "file", "address", or any other word for a value that
# has nothing to offer.
function __portpicker_opt --argument-names cmd applet short long value desc
    set -l args -c $cmd -n "__portpicker_applet_is $applet" -d $desc
    test -n "$short"; and set -a args -s $short
    test -n "$long"; and set -a args -l $long
    switch "$value"
        case ''
        case file
            set -a args -r
        case address
            set -a args -x -a '(__portpicker_addresses)'
        case '*'
            set -a args -x
    end
    complete $args
end

if test $cmd = portpicker
    complete -c portpicker -n __fish_use_subcommand -f -s h -l help -d 'show help'
    complete -c portpicker -n __fish_use_subcommand -f -s V -l version -d 'show the version'
    complete -c portpicker -n __fish_use_subcommand -f -a help -d 'show help, or an applet\'s'
    complete -c portpicker -n __fish_use_subcommand -f -a version -d 'show the version'
    complete -c portpicker -n '__fish_seen_subcommand_from help' -f -a 'pick check serve release run'
    complete -c portpicker -n __fish_use_subcommand -f -a pick -d 'print an unused port'
    complete -c portpicker -n __fish_use_subcommand -f -a check -d 'is a port free? is something listening?'
    complete -c portpicker -n __fish_use_subcommand -f -a serve -d 'run the port server daemon'
    complete -c portpicker -n __fish_use_subcommand -f -a release -d 'give a port back to the port server'
    complete -c portpicker -n __fish_use_subcommand -f -a run -d 'run a command on bound sockets'
end

for applet in pick check serve release run
    __portpicker_opt $cmd $applet h help '' 'show help'
    __portpicker_opt $cmd $applet V version '' 'show the version'
end
for applet in pick check
    __portpicker_opt $cmd $applet '' tcp '' 'probe TCP only'
    __portpicker_opt $cmd $applet '' udp '' 'probe UDP only'
    __portpicker_opt $cmd $applet 4 ipv4 '' 'probe IPv4 only'
    __portpicker_opt $cmd $applet 6 ipv6 '' 'probe IPv6 only'
    __portpicker_opt $cmd $applet '' host addr 'probe this numeric address'
end
for applet in pick check release run
    __portpicker_opt $cmd $applet s server address 'the port server address'
    __portpicker_opt $cmd $applet t timeout seconds 'give up on the server after SECONDS'
end

__portpicker_opt $cmd pick e env '' 'the words are NAMEs: print NAME_PORT=PORT'
__portpicker_opt $cmd pick f fallback '' 'pick locally if the server fails'
__portpicker_opt $cmd pick n count n 'print N distinct ports'
__portpicker_opt $cmd pick r range list 'pick from LO-HI,...'
__portpicker_opt $cmd pick x exclude list 'never pick these ports'
__portpicker_opt $cmd pick '' prefer ports 'take the first of these ports that is free'
__portpicker_opt $cmd pick '' fence '' 'hold by listening, as python_portpicker'

__portpicker_opt $cmd check l listening '' 'is something accepting TCP connections?'
__portpicker_opt $cmd check w wait seconds 'poll until yes or SECONDS pass'
__portpicker_opt $cmd check q quiet '' 'print nothing; the exit code answers'
__portpicker_opt $cmd check '' server-up '' 'is a port server up?'
__portpicker_opt $cmd check '' leases '' 'print the live leases'
__portpicker_opt $cmd check '' metrics '' 'print the metrics as OpenMetrics text'
__portpicker_opt $cmd check '' json '' 'with --leases or --server-up: JSON'

__portpicker_opt $cmd serve a address address 'listen on @NAME or a socket path'
__portpicker_opt $cmd serve '' portserver_address address 'the same as --address'
__portpicker_opt $cmd serve '' portserver_unix_socket_address address 'the same as --address'
__portpicker_opt $cmd serve p pool list 'ports to hand out (LO-HI,...)'
__portpicker_opt $cmd serve '' portserver_static_pool list 'the same as --pool'
__portpicker_opt $cmd serve '' state file 'keep leases in FILE across restarts'
__portpicker_opt $cmd serve '' pidfile file 'write the pid to FILE'
__portpicker_opt $cmd serve '' metrics-file file 'rewrite FILE with the metrics every 5 s'
__portpicker_opt $cmd serve '' socket-mode mode 'octal permissions of a socket path'
__portpicker_opt $cmd serve '' max-leases-per-uid n 'leases one user may hold'
__portpicker_opt $cmd serve '' max-connections-per-uid n 'connections one user may hold open'
__portpicker_opt $cmd serve '' no-pidfd '' 'poll /proc start times instead of pidfds'
__portpicker_opt $cmd serve q quiet '' 'log only start, stop, counters, warnings, errors'
__portpicker_opt $cmd serve v verbose '' 'also log debug lines'
__portpicker_opt $cmd serve '' debug '' 'the same as --verbose'

__portpicker_opt $cmd run '' tcp name 'a TCP socket at the next fd, bound and listening'
__portpicker_opt $cmd run '' udp name 'a UDP socket at the next fd, bound'
__portpicker_opt $cmd run e env name 'a port for NAME_PORT only, no socket'
__portpicker_opt $cmd run '' backlog n 'listen backlog of the TCP sockets'
__portpicker_opt $cmd run '' host addr 'bind this numeric address'
__portpicker_opt $cmd run 4 ipv4 '' 'bind IPv4 only'
__portpicker_opt $cmd run 6 ipv6 '' 'bind IPv6 only'
