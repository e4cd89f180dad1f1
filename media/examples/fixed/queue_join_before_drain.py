"""Fixed: read everything the child sends, then join it.

Compare with ../queue_join_before_drain.py.
"""
import multiprocessing as mp


def produce(results):
    results.put(b"x" * 10_000_000)


if __name__ == "__main__":
    results = mp.Queue()
    p = mp.Process(target=produce, args=(results,), name="producer")
    p.start()
    data = results.get()  # FIX: drain the queue first...
    p.join()  # ...then join: the child has nothing left to flush
    print(f"received {len(data)} bytes")
