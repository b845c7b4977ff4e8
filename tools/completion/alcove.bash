# tools/completion/alcove.bash - bash completion for the alcove CLI (docs/cli.md).
#   source tools/completion/alcove.bash
# or install it as /usr/share/bash-completion/completions/alcove (`make install` does).
# Completes commands, the subcommands of config/image/volume, each command's options
# (tests/cli/completion.sh checks them against the CLI's parsers), and files or
# directories for the options that take them.  Works with or without the
# bash-completion package (_init_completion is used only when present).

_alcove_commands="new add config build measure run package start exec stop image volume"

# The options of a command (and subcommand).
_alcove_options() {
    case $1 in
    new) echo "--help" ;;
    add) echo "--instance --to --tree --bom --nss --gconv --help" ;;
    config) echo "--instance --help" ;;
    build) echo "--instance --sign-key --help" ;;
    measure) echo "--instance --help" ;;
    run) echo "--instance --package --root --image --image-hash --overlay --volume --key-file
               --state-dir --mount --tmpfs --env --cwd --hostname --max-procs --max-threads --net
               --net-listen --net-connect --log --no-rewrite --help --" ;;
    package) echo "--instance -o --help" ;;
    start) echo "--instance --help" ;;
    exec) echo "--instance --cwd --env --help --" ;;
    stop) echo "--instance --force --help" ;;
    image)
        case $2 in
        pack) echo "-o --output --force -f --uuid --salt --mtime --all-root --help" ;;
        verify|ls) echo "--hash --help" ;;
        *) echo "--help" ;;
        esac ;;
    volume)
        case $2 in
        keygen) echo "" ;;
        create) echo "--size --key-file --uid --gid --state-dir --force" ;;
        check|inspect|export) echo "--key-file --state-dir" ;;
        import) echo "--key-file --size --state-dir --force" ;;
        esac ;;
    esac
}

_alcove_subcommands() {
    case $1 in
    config) echo "check" ;;
    image) echo "pack verify ls" ;;
    volume) echo "keygen create check inspect export import" ;;
    esac
}

_alcove() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    COMPREPLY=()
    if [ "$cword" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$_alcove_commands --help" -- "$cur"))
        return
    fi
    local cmd=${words[1]} sub="" i
    local subs
    subs=$(_alcove_subcommands "$cmd")
    if [ -n "$subs" ]; then
        if [ "$cword" -eq 2 ]; then
            COMPREPLY=($(compgen -W "$subs --help" -- "$cur"))
            return
        fi
        sub=${words[2]}
    fi
    # After `--` (run, exec): the program and its arguments.
    for ((i = 2; i < cword; i++)); do
        if [ "${words[i]}" = "--" ]; then
            COMPREPLY=($(compgen -f -- "$cur"))
            return
        fi
    done
    # The value of an option.
    case $prev in
    --instance|--root|--tree|--state-dir|--to)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --image|--package|--sign-key|--key-file|--overlay|--bom|-o|--output)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --net)
        COMPREPLY=($(compgen -W "none loopback host" -- "$cur")); return ;;
    --log)
        COMPREPLY=($(compgen -W "quiet warn info trace" -- "$cur")); return ;;
    --image-hash|--hash|--uuid|--salt|--mtime|--size|--uid|--gid|--max-procs|--max-threads|\
    --env|--cwd|--mount|--tmpfs|--volume|--net-listen|--net-connect)
        return ;;   # free-form values
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_alcove_options "$cmd" "$sub")" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _alcove alcove
