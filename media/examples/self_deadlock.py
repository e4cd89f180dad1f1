"""Self-deadlock: a process re-acquires a Lock it already holds.

multiprocessing.Lock is not reentrant. save() holds the lock and calls
log_line(), which asks for the same lock again: the worker waits for itself
forever, and the parent waits in join(). mpscope reports a deadlock on the
line that re-acquires the lock, and the line where it was first acquired.

This program hangs on purpose: stop it with "mpscope: Stop Run" (or Ctrl+C).
Fixed version: fixed/self_deadlock.py
"""
import multiprocessing as mp


def log_line(lock, text):
    with lock:  # BUG: the caller already holds this lock
        print(text)


def save(lock, item):
    with lock:
        log_line(lock, f"saving {item}")


if __name__ == "__main__":
    lock = mp.Lock()
    p = mp.Process(target=save, args=(lock, "order-42"), name="saver")
    p.start()
    p.join()
    print("saved")
