"""Fixed: the parent waits for its child before it exits.

Return from the main block normally (or call sys.exit) instead of os._exit(),
and join the child first, so that it never outlives its parent.
Compare with ../orphan.py.
"""
import multiprocessing as mp
import os
import time


def background_job():
    for i in range(2):
        print(f"child (pid {os.getpid()}) running, parent is {os.getppid()}")
        time.sleep(0.1)


if __name__ == "__main__":
    child = mp.Process(target=background_job)
    child.start()
    child.join()  # FIX: wait for the child; no orphan is left behind
    print("parent exits now")
