import threading, queue
lock = threading.Lock(); counter = [0]
def work():
    for _ in range(20000):
        with lock:
            counter[0] += 1
ts = [threading.Thread(target=work) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print("counter", counter[0])
q = queue.Queue()
def producer():
    for i in range(1000): q.put(i)
    q.put(None)
total = 0
t = threading.Thread(target=producer); t.start()
while (item := q.get()) is not None: total += item
t.join(); print("queue total", total)
cv = threading.Condition(); ready = []
def waiter():
    with cv:
        cv.wait_for(lambda: ready)
        print("woken with", ready[0])
w = threading.Thread(target=waiter); w.start()
with cv: ready.append(42); cv.notify()
w.join()
ev = threading.Event(); print("event wait timeout", ev.wait(0.05))
