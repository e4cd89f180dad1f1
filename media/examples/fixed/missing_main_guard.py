"""Fixed: module-level code that starts processes sits under the main guard.

A spawned child imports this file as "__mp_main__", so the guarded block runs
only in the parent. Compare with ../missing_main_guard.py.
"""
import multiprocessing as mp


def work():
    print("the worker ran")


if __name__ == "__main__":  # FIX: only the parent starts processes
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=work)
    p.start()
    p.join()
    print("main done")
