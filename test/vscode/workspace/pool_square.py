"""Squares numbers in a pool of worker processes: the smallest correct multiprocessing program."""
import multiprocessing


def square(n):
    return n * n


if __name__ == "__main__":
    with multiprocessing.Pool(processes=2) as pool:
        print(pool.map(square, range(10)))
