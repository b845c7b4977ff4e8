import multiprocessing as mp
def sq(x): return x * x
def child(q): q.put("from child")
if __name__ == "__main__":
    mp.set_start_method("fork")
    with mp.Pool(2) as pool:
        print(sum(pool.map(sq, range(1000))))
    q = mp.Queue(); p = mp.Process(target=child, args=(q,)); p.start()
    print(q.get()); p.join(); print("exitcode", p.exitcode)
    v = mp.Value("i", 0)
    def inc(v):
        for _ in range(100):
            with v.get_lock(): v.value += 1
    ps = [mp.Process(target=inc, args=(v,)) for _ in range(2)]
    [p.start() for p in ps]; [p.join() for p in ps]
    print("shared value", v.value)
