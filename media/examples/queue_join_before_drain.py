"""Join before drain: the parent joins a child that is still writing to a Queue.

A process that put data on a multiprocessing.Queue does not exit until a
background thread has pushed all of it into the underlying pipe. With a large
item the pipe fills up, the child waits for someone to read, and the parent
waits in join() for the child to exit: a hang. mpscope explains this hazard
at the join() line.

This program hangs on purpose: stop it with "mpscope: Stop Run" (or Ctrl+C).
Fixed version: fixed/queue_join_before_drain.py
"""
import multiprocessing as mp


def produce(results):
    results.put(b"x" * 10_000_000)  # 10 MB: far more than a pipe buffer holds


if __name__ == "__main__":
    results = mp.Queue()
    p = mp.Process(target=produce, args=(results,), name="producer")
    p.start()
    p.join()  # BUG: waits for the child before reading what it sent
    data = results.get()
    print(f"received {len(data)} bytes")
