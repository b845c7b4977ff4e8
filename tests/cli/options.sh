#!/usr/bin/env bash
# tests/cli/options.sh - docs/cli.md and the --help texts against the CLI's own parsers:
# every command of main.c's table has a section in docs/cli.md; every option its parser
# compares arguments with (tests/cli/cli_options.py reads them from the C sources) is in
# that section and in `alcove CMD --help`; every subcommand is in the section; and every
# option a table row of the section documents is one the parser accepts (no stale docs).
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
DOC=docs/cli.md
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# The section of docs/cli.md whose "## " heading names `alcove CMD`.
section() {
    awk -v c="\`alcove $1" '/^## /{ on = index($0, c) > 0 } on' "$DOC"
}
table=$(python3 tests/cli/cli_options.py) || { echo "FAIL extract"; echo "0 passed, 1 failed"; exit 1; }
[ "$(printf '%s\n' "$table" | wc -l)" -ge 12 ] && ok extract_commands || bad extract_commands "$(printf '%s' "$table" | wc -l) commands"
grep -q '`--help` (or `-h`)' "$DOC" && ok doc_help_option || bad doc_help_option "--help/-h not described"
while IFS=';' read -r cmd subs opts; do
    sec=$(section "$cmd")
    if [ -z "$sec" ]; then bad "doc_section_$cmd" "no '## ... \`alcove $cmd' heading in $DOC"; continue; fi
    ok "doc_section_$cmd"
    help=$("$ALCOVE" "$cmd" --help 2>&1)
    missing_doc=""; missing_help=""
    for o in $opts; do
        case $o in --help|-h) continue ;; esac
        printf '%s\n' "$sec" | grep -qE -- "\`$o[] \`,]" || missing_doc="$missing_doc $o"
        printf '%s\n' "$help" | grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" || missing_help="$missing_help $o"
    done
    [ -z "$missing_doc" ] && ok "doc_options_$cmd" || bad "doc_options_$cmd" "not in $DOC:$missing_doc"
    [ -z "$missing_help" ] && ok "help_options_$cmd" || bad "help_options_$cmd" "not in alcove $cmd --help:$missing_help"
    missing_sub=""
    for s in $subs; do
        printf '%s\n' "$sec" | grep -q -- "alcove $cmd $s" || missing_sub="$missing_sub $s"
    done
    [ -z "$missing_sub" ] && ok "doc_subcommands_$cmd" || bad "doc_subcommands_$cmd" "not in $DOC:$missing_sub"
    # Table rows: | `--opt ...`[, `-o ...`] | ... : each option named there must be parsed
    # (by one of the commands the section's heading names).
    all=""
    for c in $(printf '%s\n' "$sec" | head -1 | grep -oE '`alcove [a-z]+' | sed 's/.* //'); do
        all="$all $(printf '%s\n' "$table" | awk -F';' -v c="$c" '$1 == c { print $3 }')"
    done
    stale=""
    for o in $(printf '%s\n' "$sec" | grep -E '^\| `-' | cut -d'|' -f2 | grep -oE -- '`-[-A-Za-z]+' | tr -d '`'); do
        [ "$o" = "--" ] && continue
        case " $all " in *" $o "*) ;; *) stale="$stale $o" ;; esac
    done
    [ -z "$stale" ] && ok "doc_not_stale_$cmd" || bad "doc_not_stale_$cmd" "documented but not parsed:$stale"
done <<< "$table"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
