"""Pool worker killed mid-task: Pool.map() waits forever for a lost result.

When a Pool worker dies in the middle of a task (killed by the out-of-memory
killer, a segfault in a C extension, or os._exit as here), the Pool starts a
new worker but the task is lost: map() never returns (CPython issue 96062).
mpscope reports that the Pool waits for a task whose worker is gone.

This program hangs on purpose: stop it with "mpscope: Stop Run" (or Ctrl+C).
Fixed version: fixed/pool_worker_killed.py
"""
import multiprocessing as mp
import os


def resize(size):
    if size > 1000:
        # Stands in for the kernel killing a worker that used too much memory.
        os._exit(137)  # BUG: the worker dies; its task is silently lost
    return size // 2


if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(resize, [10, 20, 5000, 40]))  # hangs here
