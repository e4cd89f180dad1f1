"""Fixed: every process takes the locks in one global order.

Both functions now take `accounts` first and `audit_log` second, so no cycle
can form. (Another fix: acquire(timeout=...) and back off.)
Compare with ../deadlock_lock_order.py.
"""
import multiprocessing as mp


def transfer(accounts, audit_log):
    with accounts:
        with audit_log:
            print("transfer recorded")


def audit(accounts, audit_log):
    with accounts:  # FIX: same order as transfer(): accounts, then audit_log
        with audit_log:
            print("audit done")


if __name__ == "__main__":
    accounts, audit_log = mp.Lock(), mp.Lock()
    workers = [
        mp.Process(target=transfer, args=(accounts, audit_log), name="transfer"),
        mp.Process(target=audit, args=(accounts, audit_log), name="audit"),
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print("done")
