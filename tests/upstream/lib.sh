# tests/upstream/lib.sh - what busybox.sh and python.sh share (sourced, bash).

# Kill every process of session SID: a run's first process is started with setsid, and the
# enclave's processes and the tests' children stay in its session.
kill_session() {
    local p
    for p in $(ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'); do
        kill -KILL "$p" 2>/dev/null
    done
}

# wait_run PID LOG LIMIT: wait for PID (a session leader) for at most LIMIT seconds, or 5 s
# after alcove reports an internal error in LOG (the enclave may then hang rather than
# exit), then kill what is left of its session (daemons, a hung enclave).  Sets RUN_RC
# (137 when it had to kill) and RUN_WHY (empty, "timeout" or "alcove internal error").
wait_run() {
    local pid=$1 log=$2 limit=$3
    local t0=$SECONDS panic_at=
    RUN_WHY=
    while kill -0 "$pid" 2>/dev/null; do
        if [ $((SECONDS - t0)) -ge "$limit" ]; then RUN_WHY=timeout; break; fi
        if [ -z "$panic_at" ] && grep -qs 'alcove: internal error' "$log"; then panic_at=$SECONDS; fi
        if [ -n "$panic_at" ] && [ $((SECONDS - panic_at)) -ge 5 ]; then
            RUN_WHY="alcove internal error"
            break
        fi
        sleep 0.5
    done
    if [ -n "$RUN_WHY" ]; then
        kill_session "$pid"; wait "$pid" 2>/dev/null; RUN_RC=137
    else
        wait "$pid"; RUN_RC=$?; kill_session "$pid"
    fi
}
