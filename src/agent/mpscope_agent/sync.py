"""Synchronisation-primitive instrumentation (owned by the deadlock engineer, issue 5).

install(agent) is called in every process of the run (see ../README.md for the Agent API).
Patch multiprocessing.synchronize (Lock, RLock, Semaphore, Condition, Event, Barrier) with
agent.when_imported("multiprocessing.synchronize", ...). Keep the uncontended path in-process:
no message per acquire.
"""


def install(agent):
    pass
