"""Orphan: the parent dies first, and its child is re-parented.

os._exit() skips multiprocessing's exit handling, which would otherwise wait
for (join) the child. The child keeps running with a new parent (PID 1, or a
"subreaper" such as systemd --user), printing into a terminal whose program has
already "finished". mpscope reports an `orphan` finding with the line where the
child was started and the line where the parent exited.

The child ends by itself after about 5 seconds.
Fixed version: fixed/orphan.py
"""
import multiprocessing as mp
import os
import time


def background_job():
    for i in range(5):
        print(f"child (pid {os.getpid()}) still running, parent is now {os.getppid()}")
        time.sleep(1)


if __name__ == "__main__":
    child = mp.Process(target=background_job)
    child.start()
    time.sleep(0.5)
    print("parent exits now")
    os._exit(0)  # BUG: exits without joining (or stopping) the child
