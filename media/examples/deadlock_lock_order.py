"""Lock-order deadlock: two processes take the same two locks in opposite order.

The "transfer" process holds `accounts` and waits for `audit_log`; the "audit"
process holds `audit_log` and waits for `accounts`. Neither can go on, and the
parent waits for both in join(): the whole program hangs. mpscope names the
cycle, marks the waiting lines in the editor, and draws it in the run report.

This program hangs on purpose: stop it with "mpscope: Stop Run" (or Ctrl+C).
Fixed version: fixed/deadlock_lock_order.py
"""
import multiprocessing as mp


def transfer(accounts, audit_log, both_ready):
    with accounts:
        both_ready.wait()  # make sure the other process holds its first lock
        with audit_log:  # BUG: waits forever, "audit" holds audit_log
            print("transfer recorded")


def audit(accounts, audit_log, both_ready):
    with audit_log:
        both_ready.wait()
        with accounts:  # BUG: opposite order; waits forever for accounts
            print("audit done")


if __name__ == "__main__":
    accounts, audit_log = mp.Lock(), mp.Lock()
    both_ready = mp.Barrier(2)
    workers = [
        mp.Process(target=transfer, args=(accounts, audit_log, both_ready), name="transfer"),
        mp.Process(target=audit, args=(accounts, audit_log, both_ready), name="audit"),
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print("done")
