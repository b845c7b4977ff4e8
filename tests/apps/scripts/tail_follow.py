# `tail -f --pid` against a writer: a forked child appends numbered lines to a file with
# short pauses and exits; coreutils tail follows the file (inotify, or polling) and ends
# once the writer is gone. tail's output is printed. argv[1] is the scratch directory.
import os, subprocess, sys, time

p = os.path.join(sys.argv[1], "out", "log.txt")
with open(p, "w") as f:
    f.write("line 0\n")
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w)
    os.read(r, 1)  # wait until tail runs
    for i in range(1, 21):
        with open(p, "a") as f:
            f.write("line %d\n" % i)
        time.sleep(0.01)
    os._exit(0)
os.close(r)
t = subprocess.Popen(["/usr/bin/tail", "-n", "+1", "-s", "0.05", "-f", "--pid=%d" % pid, p],
                     stdout=subprocess.PIPE)
time.sleep(0.2)
os.write(w, b"x")
os.waitpid(pid, 0)  # reaped: tail's --pid check now sees it gone
out, _ = t.communicate(timeout=20)
sys.stdout.write(out.decode())
print("tail exit", t.returncode)
