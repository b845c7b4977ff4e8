#!/usr/bin/env bash
# tests/cli/completion.sh - tools/completion/alcove.bash, sourced in bash: `alcove ` offers
# exactly the commands of main.c's table, `alcove volume ` / `alcove image ` the
# subcommands the sources dispatch on, and `alcove CMD -` every option its parser accepts
# (tests/cli/cli_options.py reads them from the C sources); option values complete too.
set -u
cd "$(dirname "$0")/../.."
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
# shellcheck source=/dev/null
source tools/completion/alcove.bash
complete -p alcove >/dev/null 2>&1 && ok registered || bad registered "no completion for alcove"

# comp WORD...: the completions for the command line WORD... (the last word is completed).
comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _alcove alcove "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }

table=$(python3 tests/cli/cli_options.py)
cmds=$(printf '%s\n' "$table" | cut -d';' -f1)
got=$(comp alcove "")
want=$(sorted $cmds --help)
[ "$got" = "$want" ] && ok complete_commands || bad complete_commands "got [$got], want [$want]"
got=$(comp alcove vo)
[ "$got" = volume ] && ok complete_command_prefix || bad complete_command_prefix "[$got]"
for c in volume image config; do
    subs=$(printf '%s\n' "$table" | awk -F';' -v c=$c '$1 == c { print $2 }')
    got=$(comp alcove $c "")
    want=$(sorted $subs --help)
    [ "$got" = "$want" ] && ok "complete_${c}_subcommands" || bad "complete_${c}_subcommands" "got [$got], want [$want]"
done
# Every parser option of each command is offered after `alcove CMD -` (for image and
# volume: after one of their subcommands).
while IFS=';' read -r cmd subs opts; do
    offered=""
    if [ -n "$subs" ] && [ "$cmd" != config ]; then
        for s in $subs; do offered="$offered $(comp alcove "$cmd" "$s" -)"; done
        [ "$cmd" = image ] && offered="$offered --help -h"
    else
        [ "$cmd" = config ] && offered=$(comp alcove config check -) || offered=$(comp alcove "$cmd" -)
    fi
    missing=""
    for o in $opts; do
        [ "$o" = -h ] && continue   # the short form of --help, which is offered
        case " $offered " in *" $o "*) ;; *) missing="$missing $o" ;; esac
    done
    [ -z "$missing" ] && ok "complete_options_$cmd" || bad "complete_options_$cmd" "not offered:$missing"
done <<< "$table"
got=$(comp alcove run --net "")
[ "$got" = "host loopback none" ] && ok complete_net_values || bad complete_net_values "[$got]"
got=$(comp alcove run --log t)
[ "$got" = trace ] && ok complete_log_values || bad complete_log_values "[$got]"
got=$(comp alcove build --instance tools/comp)
[ "$got" = tools/completion ] && ok complete_instance_dir || bad complete_instance_dir "[$got]"
got=$(comp alcove exec -- tools/completion/alc)
[ "$got" = tools/completion/alcove.bash ] && ok complete_after_dashdash || bad complete_after_dashdash "[$got]"
# make install puts it where bash-completion finds it.
D=$(mktemp -d)
if make -s install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1 &&
   cmp -s "$D/usr/share/bash-completion/completions/alcove" tools/completion/alcove.bash &&
   [ -x "$D/usr/bin/alcove" ] && [ -x "$D/usr/bin/alcove-direct" ]; then ok make_install
else bad make_install "$(find "$D" -type f | tr '\n' ' ')"; fi
rm -rf "$D"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
