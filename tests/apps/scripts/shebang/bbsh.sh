#!/bin/busybox sh
# only shell builtins: no fork needed
n=0
for w in "$@"; do
  n=$((n + 1))
  echo "arg $n: $w"
done
i=1; acc=1
while [ $i -le 10 ]; do acc=$((acc * 2)); i=$((i + 1)); done
echo "2^10 = $acc"
case "$1" in
  a*) echo "starts with a" ;;
  *) echo "other" ;;
esac
exit 4
