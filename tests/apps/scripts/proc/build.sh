# make -j2 building a small C program with Debian's gcc (gcc -> cc1 -> as -> ld)
set -e
mkdir -p "$1"/build && cd "$1"/build && export TMPDIR="$1"
printf 'int f(void);\n#include <stdio.h>\nint main(void){printf("f=%%d\\n", f());return 0;}\n' > a.c
printf 'int f(void){return 42;}\n' > b.c
printf 'prog: a.o b.o\n\tgcc -o prog a.o b.o\n%%.o: %%.c\n\tgcc -O1 -c $< -o $@\n' > Makefile
make -s -j2
./prog
