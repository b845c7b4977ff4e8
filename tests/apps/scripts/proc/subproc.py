import os, subprocess, signal, sys
print(subprocess.run(["/bin/busybox", "echo", "hi"], capture_output=True).stdout)
print(subprocess.check_output("echo $((6*7)) | /bin/busybox tr 4 X", shell=True))
p = subprocess.Popen(["/bin/busybox", "cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out, _ = p.communicate(b"through a pipe\n" * 1000)
print(len(out), p.returncode)
print(subprocess.run(["/bin/busybox", "sh", "-c", "exit 7"]).returncode)
try:
    subprocess.run(["/nonexistent/prog"])
except FileNotFoundError:
    print("FileNotFoundError")
r = subprocess.run(["/bin/busybox", "sleep", "10"], timeout=None) if False else None
p = subprocess.Popen(["/bin/busybox", "sleep", "10"])
p.send_signal(signal.SIGTERM)
print("killed", p.wait())
pid = os.fork()
if pid == 0:
    os._exit(5)
_, st = os.waitpid(pid, 0)
print("fork status", os.WEXITSTATUS(st))
