# SPDX-License-Identifier: Apache-2.0
# bash completion for portpicker and its applet links (pick, check, serve,
# release, run).
# make install-links also installs this file under each applet's name, which
# is where bash-completion's on-demand loader looks; it binds only the name it
# was loaded as, so another package's `pick` keeps its own completion.

_portpicker_options() {
    case $1 in
    pick) echo "-h --help -V --version -n --count -r --range -x --exclude --prefer --fence -e --env -s --server -t --timeout -f --fallback --tcp --udp -4 --ipv4 -6 --ipv6 --host" ;;
    check) echo "-h --help -V --version -l --listening -w --wait -q --quiet --server-up --leases --metrics --json -s --server -t --timeout --tcp --udp -4 --ipv4 -6 --ipv6 --host" ;;
    # BEGIN serve
    serve) echo "-h --help -V --version -a --address --portserver_address --portserver_unix_socket_address -p --pool --portserver_static_pool --state --pidfile --metrics-file --socket-mode --max-leases-per-uid --max-connections-per-uid --no-pidfd -q --quiet -v --verbose --debug" ;;
    # END serve
    release) echo "-h --help -V --version -s --server -t --timeout" ;;
    run) echo "-h --help -V --version --tcp --udp -e --env --backlog --host -4 --ipv4 -6 --ipv6 -s --server -t --timeout" ;;
    esac
}

# Options that take a value: nothing to complete from a word list.
_portpicker_takes_value() {
    case $1 in
    -n|--count|-r|--range|-x|--exclude|--prefer|-w|--wait|--host|-s|--server|-t|--timeout) return 0 ;;
    --backlog) return 0 ;;
    # BEGIN serve values
    -a|--address|--portserver_address|--portserver_unix_socket_address) return 0 ;;
    -p|--pool|--portserver_static_pool|--socket-mode|--max-leases-per-uid|--max-connections-per-uid) return 0 ;;
    --state|--pidfile|--metrics-file) return 0 ;;
    # END serve values
    esac
    return 1
}

# Adds the file names that start with $1 to COMPREPLY.
_portpicker_files() {
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$1")
}

# Completes a value for option $1, or returns 1 for an option without one.
_portpicker_value() {
    local cur=$2
    case $1 in
    -s|--server|-a|--address|--portserver_address|--portserver_unix_socket_address)
        mapfile -t COMPREPLY < <(compgen -W "${PORTSERVER_ADDRESS-} @unittest-portserver" -- "$cur")
        [[ $cur == @* ]] || _portpicker_files "$cur"
        ;;
    --state|--pidfile|--metrics-file) COMPREPLY=(); _portpicker_files "$cur" ;;
    *) _portpicker_takes_value "$1" ;;
    esac
}

_portpicker() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local applet=${COMP_WORDS[0]##*/}
    if [ "$applet" = portpicker ]; then
        if [ "$COMP_CWORD" -eq 1 ]; then
            mapfile -t COMPREPLY < <(compgen -W "pick check serve release run help version -h --help -V --version" -- "$cur")
            return
        fi
        applet=${COMP_WORDS[1]}
        if [ "$applet" = help ]; then
            [ "$COMP_CWORD" -eq 2 ] &&
                mapfile -t COMPREPLY < <(compgen -W "pick check serve release run" -- "$cur")
            return
        fi
    fi
    # run: the words after "--" are the command's, completed as commands.
    if [ "$applet" = run ] && [[ " ${COMP_WORDS[*]:0:COMP_CWORD} " == *" -- "* ]]; then
        mapfile -t COMPREPLY < <(compgen -c -- "$cur")
        return
    fi
    # run --tcp/--udp NAME: no word list; --tcp is a flag for pick and check.
    [ "$applet" = run ] && [[ $prev == --tcp || $prev == --udp || $prev == -e || $prev == --env ]] && return
    _portpicker_value "$prev" "$cur" && return
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_portpicker_options "$applet")" -- "$cur")
    fi
}

_portpicker_name=${BASH_SOURCE[0]##*/}
_portpicker_name=${_portpicker_name%.bash}
complete -F _portpicker "$_portpicker_name"
unset _portpicker_name
