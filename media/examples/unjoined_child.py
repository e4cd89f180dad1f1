"""Unjoined children: a join loop that joins only the last process.

The loop below uses the stale variable `p` instead of the loop variable, so
only the last worker is joined. The parent prints "all workers finished" while
the others are still working; they are only joined implicitly when the
interpreter exits. mpscope reports an `unjoined` finding for each of them at
the line that started it.

Fixed version: fixed/unjoined_child.py
"""
import multiprocessing as mp
import time


def work(n):
    time.sleep(0.5 + n * 0.3)
    print(f"worker {n} finished")


if __name__ == "__main__":
    workers = []
    for n in range(4):
        p = mp.Process(target=work, args=(3 - n,))
        p.start()
        workers.append(p)
    for w in workers:
        p.join()  # BUG: joins `p` (the last worker) four times, never `w`
    print("all workers finished")  # not true: some are still running
