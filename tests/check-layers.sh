#!/bin/sh
# Layering check: the core executable links no libc symbol (nothing undefined at all), and
# no object outside pal/ contains a `syscall` instruction.
set -u
B=${1:-build}
fail=0
und=$(nm -u "$B/alcove-direct" 2>/dev/null)
if [ -n "$und" ]; then
    echo "check-layers: the core has undefined symbols (libc leaking in?):"; echo "$und"; fail=1
fi
for f in "$B"/obj/libos/*/*.o "$B"/obj/common/*.o "$B"/ossl/*.o; do
    if objdump -d "$f" | grep -qE '\ssyscall\b|\ssysenter\b|int\s+\$0x80'; then
        echo "check-layers: $f makes a host system call; only pal/ may"; fail=1
    fi
done
for f in "$B"/obj/libos/*/*.o "$B"/obj/common/*.o; do
    bad=$(nm -u "$f" | awk '{print $2}' | grep -Ev '^(pal_|libos_|al_|memcpy$|memmove$|memset$|memcmp$|__popcountdi2$|crypto_|randombytes_|sodium_|SHA256_)' | \
          while read -r s; do nm --defined-only "$B"/obj/libos/*/*.o "$B"/obj/common/*.o | grep -qw "$s" || echo "$s"; done)
    if [ -n "$bad" ]; then
        echo "check-layers: $f uses symbols defined nowhere in the core: $bad"; fail=1
    fi
done
# The libc names kernel/sodium_shim.c defines for libsodium: no other core object may use them.
shims="malloc free abort raise open close read fcntl fstat poll mmap munmap mprotect madvise mlock munlock getrandom sysconf __errno_location __stack_chk_fail __assert_fail __explicit_bzero_chk pthread_mutex_lock pthread_mutex_unlock"
for f in "$B"/obj/libos/*/*.o "$B"/obj/common/*.o; do
    case $f in */sodium_shim.c.o) continue ;; esac
    for s in $(nm -u "$f" | awk '{print $2}'); do
        for x in $shims; do
            if [ "$s" = "$x" ]; then echo "check-layers: $f calls $s (a libc name only libsodium may use)"; fail=1; fi
        done
    done
done
if [ $fail -eq 0 ]; then echo "check-layers: ok (core is freestanding; host syscalls only in pal/)"; fi
exit $fail
