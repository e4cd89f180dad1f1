"""Counts the primes below 1,000,000 in four worker processes with Pool.map.

A correct multiprocessing program: the work is a top-level function (so it can be pickled),
the pool is created under the `if __name__ == "__main__":` guard (required by the spawn start
method used on Windows and macOS), and the `with` block closes the pool and waits for its
workers. Run it with mpscope to watch the parent and its four workers in the Processes view.
"""
import multiprocessing
import os


def count_primes(bounds):
    """Counts the primes in [start, stop) by trial division: slow on purpose, so it shows up."""
    start, stop = bounds
    count = 0
    for n in range(max(start, 2), stop):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            count += 1
    return count


def chunks(limit, parts):
    step = limit // parts
    return [(i * step, limit if i == parts - 1 else (i + 1) * step) for i in range(parts)]


if __name__ == "__main__":
    print(f"parent {os.getpid()}: starting 4 workers")
    with multiprocessing.Pool(processes=4) as pool:
        counts = pool.map(count_primes, chunks(1_000_000, 8))
    print(f"primes below 1,000,000: {sum(counts)}")  # 78498
