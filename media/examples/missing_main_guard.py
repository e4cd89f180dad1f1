"""Missing `if __name__ == "__main__":` guard under the spawn start method.

spawn is the default on Windows and macOS (and forkserver, which behaves the
same way here, on Linux from Python 3.14). A spawned child re-imports this
file, so the child runs the module-level code below again, tries to start a
process of its own during its bootstrapping phase, and dies with
"RuntimeError: An attempt has been made to start a new process before the
current process has finished its bootstrapping phase". The worker never runs,
and the parent still exits with status 0. mpscope reports a `child-exception`
finding.

This file asks for spawn explicitly, so it fails the same way everywhere.
With fork (the Linux default before 3.14) the same mistake goes unnoticed;
"mpscope: Run Python File with Start Method..." lets you try spawn on any file.
Fixed version: fixed/missing_main_guard.py
"""
import multiprocessing as mp


def work():
    print("the worker ran")


# BUG: no main guard; this code runs again in every spawned child.
ctx = mp.get_context("spawn")
p = ctx.Process(target=work)
p.start()
p.join()
print("main done")
