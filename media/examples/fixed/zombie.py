"""Fixed: join every child before the parent moves on to other work.

join() reaps the child, so no zombie is left behind while the parent goes on
with other work. Compare with ../zombie.py.
"""
import multiprocessing as mp
import time


def work(n):
    print(f"worker {n} done")


if __name__ == "__main__":
    workers = [mp.Process(target=work, args=(n,)) for n in range(3)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()  # FIX: reap each child; its exit code is now known
        assert p.exitcode == 0, f"{p.name} failed with exit code {p.exitcode}"
    time.sleep(0.2)  # the "other work" no longer leaves zombies behind
    print("parent done")
