"""Zombie children: finished, but never reaped while the parent keeps running.

Each worker finishes in a fraction of a second, but the parent never calls
join(). Until the parent exits, every finished worker stays in the process table
as a zombie ("Z" / <defunct>). mpscope marks them in the Processes view and
reports a `zombie` finding at the line that started them.

The program ends by itself after about 8 seconds.
Fixed version: fixed/zombie.py
"""
import multiprocessing as mp
import time


def work(n):
    print(f"worker {n} done")


if __name__ == "__main__":
    workers = [mp.Process(target=work, args=(n,)) for n in range(3)]
    for p in workers:
        p.start()  # BUG: nobody joins these processes while the parent runs
    # The parent now does "other work" (a server loop, a long computation...).
    # Meanwhile the finished workers are zombies.
    time.sleep(8)
    print("parent done")
