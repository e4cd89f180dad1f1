"""Fixed: check each child's exit code, and send results (or errors) back.

A Pool or ProcessPoolExecutor does this for you: an exception in a task is
raised again in the parent by .result() / .get(). Here the worker skips bad
records and the parent checks exitcode. Compare with ../child_exception.py.
"""
import multiprocessing as mp
import sys


def parse(records):
    total = 0
    for r in records:
        try:
            total += int(r)
        except ValueError:
            print(f"skipping bad record {r!r}")  # FIX: handle bad input
    print(f"total = {total}")


if __name__ == "__main__":
    p = mp.Process(target=parse, args=(["1", "2", "n/a"],))
    p.start()
    p.join()
    if p.exitcode != 0:  # FIX: a crash in the child is not silent any more
        sys.exit(f"{p.name} failed with exit code {p.exitcode}")
    print("report written")
