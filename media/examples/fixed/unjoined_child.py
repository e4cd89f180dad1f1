"""Fixed: join every worker, using the loop variable.

Compare with ../unjoined_child.py.
"""
import multiprocessing as mp
import time


def work(n):
    time.sleep(0.05 * n)
    print(f"worker {n} finished")


if __name__ == "__main__":
    workers = []
    for n in range(4):
        p = mp.Process(target=work, args=(3 - n,))
        p.start()
        workers.append(p)
    for w in workers:
        w.join()  # FIX: join each worker
    print("all workers finished")  # now true
