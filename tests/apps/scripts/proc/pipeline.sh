# busybox sh: pipelines, redirections, subshells, $(...), background jobs and wait
set -e
cd "$1"
echo "pipe: $(seq 1 100 | grep 7 | wc -l)"
printf 'b\na\nc\n' > in.txt
sort < in.txt > out.txt 2>/dev/null; cat out.txt
( cd /; echo "subshell pwd $(pwd)" ); echo "back in $(pwd)"
x=$( (echo inner; exit 3) ) || echo "status $? out $x"
sleep 0.1 & p1=$!
( echo bg-output > bg.txt ) & p2=$!
wait $p1; wait $p2; cat bg.txt
for i in 1 2 3; do echo "n$i"; done | tac 2>/dev/null || true
seq 1 20 | xargs -n 5 echo
find "$1"/tree -type f -name '*.txt' -exec wc -c {} \; | sort
exec 3> fd3.txt; echo via-fd3 >&3; exec 3>&-; cat fd3.txt
trap 'echo trapped' USR1; kill -USR1 $$
false || echo "or works"
true && echo "and works"
echo done
