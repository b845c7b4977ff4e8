declare -A m=([a]=1 [b]=2 [c]=3)
for k in $(printf '%s\n' "${!m[@]}" | sort); do echo "$k=${m[$k]}"; done
f() { local x=$1; echo $((x * 2)); }
echo "f: $(f 21)"
arr=(one two three); echo "${#arr[@]} ${arr[1]}"
cat <<< "here string"
mapfile -t lines < <(seq 3); echo "lines ${#lines[@]}"
{ sleep 0.05; echo coproc-ish; } &
wait
echo "pipestatus: $(false | true; echo ${PIPESTATUS[@]})"
echo "${BASH_VERSINFO[0]}"
