"""Fixed: use a reentrant lock (RLock) where a holder may lock again.

An RLock can be acquired again by the process (and thread) that holds it.
Another fix: keep the lock in one place, and let log_line() assume it is held.
Compare with ../self_deadlock.py.
"""
import multiprocessing as mp


def log_line(lock, text):
    with lock:
        print(text)


def save(lock, item):
    with lock:
        log_line(lock, f"saving {item}")


if __name__ == "__main__":
    lock = mp.RLock()  # FIX: reentrant
    p = mp.Process(target=save, args=(lock, "order-42"), name="saver")
    p.start()
    p.join()
    print("saved")
