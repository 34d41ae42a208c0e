# bash completion for portpicker and its applet links (pick, check, serve, release)

_portpicker_options() {
    case $1 in
    pick) echo "-h --help -V --version -n --count -r --range -x --exclude --fence -e --env -s --server -t --timeout -f --fallback --tcp --udp -4 --ipv4 -6 --ipv6 --host" ;;
    check) echo "-h --help -V --version -l --listening -w --wait -q --quiet --server-up --leases --json -s --server -t --timeout --tcp --udp -4 --ipv4 -6 --ipv6 --host" ;;
    # BEGIN serve
    serve) echo "-h --help -V --version -a --address --portserver_address --portserver_unix_socket_address -p --pool --portserver_static_pool --state --pidfile --socket-mode --max-leases-per-uid --max-connections-per-uid --no-pidfd -q --quiet -v --verbose --debug" ;;
    # END serve
    release) echo "-h --help -V --version -s --server -t --timeout" ;;
    esac
}

# Options that take a value: nothing to complete from a word list.
_portpicker_takes_value() {
    case $1 in
    -n|--count|-r|--range|-x|--exclude|-w|--wait|--host|-s|--server|-t|--timeout) return 0 ;;
    # BEGIN serve values
    -a|--address|--portserver_address|--portserver_unix_socket_address) return 0 ;;
    -p|--pool|--portserver_static_pool|--socket-mode|--max-leases-per-uid|--max-connections-per-uid) return 0 ;;
    --state|--pidfile) return 0 ;;
    # END serve values
    esac
    return 1
}

_portpicker() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local applet=${COMP_WORDS[0]##*/}
    if [ "$applet" = portpicker ]; then
        if [ "$COMP_CWORD" -eq 1 ]; then
            mapfile -t COMPREPLY < <(compgen -W "pick check serve release help version -h --help -V --version" -- "$cur")
            return
        fi
        applet=${COMP_WORDS[1]}
        if [ "$applet" = help ]; then
            [ "$COMP_CWORD" -eq 2 ] &&
                mapfile -t COMPREPLY < <(compgen -W "pick check serve release" -- "$cur")
            return
        fi
    fi
    _portpicker_takes_value "$prev" && return
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_portpicker_options "$applet")" -- "$cur")
    fi
}

complete -F _portpicker portpicker pick check serve release
