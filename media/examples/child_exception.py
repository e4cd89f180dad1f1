"""Lost child exception: a worker crashes, and the parent never notices.

An uncaught exception in a child process is printed on stderr, and the child
exits with code 1, but nothing reaches the parent: join() returns normally and
the program exits with status 0. mpscope reports a `child-exception` finding
at the line that raised (in the child) and at the line that started the child.

Fixed version: fixed/child_exception.py
"""
import multiprocessing as mp


def parse(records):
    total = 0
    for r in records:
        total += int(r)  # raises ValueError on "n/a"
    print(f"total = {total}")


if __name__ == "__main__":
    p = mp.Process(target=parse, args=(["1", "2", "n/a"],))
    p.start()
    p.join()  # BUG: exitcode is never checked, so the crash is lost
    print("report written")  # ...from data that was never computed
