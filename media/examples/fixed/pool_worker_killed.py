"""Fixed: refuse oversized work with an exception, and use an executor that
notices dead workers.

An exception in a task reaches the parent. concurrent.futures'
ProcessPoolExecutor raises BrokenProcessPool when a worker dies, instead of
waiting forever, and a timeout bounds the wait either way.
Compare with ../pool_worker_killed.py.
"""
import concurrent.futures as cf


def resize(size):
    if size > 1000:
        raise ValueError(f"image of size {size} is too large")  # FIX: fail loudly
    return size // 2


if __name__ == "__main__":
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(resize, s): s for s in [10, 20, 5000, 40]}
        for future in cf.as_completed(futures, timeout=30):
            try:
                print(futures[future], "->", future.result())
            except ValueError as err:
                print(futures[future], "-> skipped:", err)
