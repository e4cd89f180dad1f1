"""Stack dumps on request (deadlock detection, issue 5).

The runner asks with {"t": "dump_stacks", "id": N} and the wake signal; the handler runs in the
main thread (also when it is blocked in a lock or a queue: the signal interrupts the wait, the
handler answers, the wait resumes). The reply describes every thread:

  thread, id, daemon, main, helper   who it is (helper: multiprocessing's own threads)
  frames                             innermost first, user frames marked "user": true
  wait                               the wait record of sync.py, when the thread is blocked on a
                                     multiprocessing primitive without a timeout
  held                               ids of the primitives the thread held when it began to wait
  localWait                          blocked without a timeout on a threading primitive
                                     (threading.Lock/Event/Condition, queue.Queue): only a
                                     thread of this same process can wake it

and the process: held (every primitive this process holds, with the line of its acquisition)
and userThreads. The runner confirms a deadlock with these replies before it reports one.

"held" is the truth, not the state file's records: a Lock/RLock is released by its plain C
method, so its record may outlive the holding (sync.py); here the semaphores' own counts decide
(sync.truth(), which also writes the "signal" facts of locks this process released without
acquiring them, before the reply, so the runner reads them with it).
"""

import os
import sys

from . import frames
from . import sync
from . import syncstate as ss

_agent = None


def install(agent):
    global _agent
    _agent = agent
    agent.on_request("dump_stacks", dump_stacks)


def dump_stacks(req):
    threading = sys.modules.get("threading")
    active = dict(getattr(threading, "_active", {}) or {}) if threading is not None else {}
    main = threading.main_thread() if threading is not None else None
    out = []
    user_threads = 0
    for ident, frame in sys._current_frames().items():
        t = active.get(ident)
        helper = sync.is_helper_thread(t)
        if not helper:
            user_threads += 1
        entry = {
            "thread": t.name if t is not None else "Thread-%d" % ident,
            "id": ident,
            "daemon": bool(getattr(t, "daemon", False)),
            "main": main is not None and ident == main.ident,
            "helper": helper,
            "frames": frames.stack_locations(frame),
        }
        wait = wait_record(ident, frame)
        if wait is not None:
            entry["wait"] = wait
            entry["held"] = list(sync._thread_held.get(ident, ()))
        else:
            local = local_wait(frame)
            if local is not None:
                entry["localWait"] = local
        out.append(entry)
    held = []
    for pid_id, kind, slot, count in sync.held_in_process():
        held.append({"id": pid_id, "kind": kind, "count": count, "site": sync.prim_site(slot)})
    return {"pid": os.getpid(), "threads": out, "held": held, "userThreads": user_threads}


def wait_record(ident, frame):
    base = sync.waiting_base(ident)
    if base is None:
        return None
    w = sync._mv
    st = sync.state()
    slot = w[base + ss.T_PRIM] - 1
    prim = st.prims.get(slot) if slot >= 0 else None
    # Where it waits: its innermost user frame now (none inside the interpreter's exit machinery,
    # nor below a forked child's _bootstrap: those frames are its parent's).
    site = sync.location(sync.site_frame(frame))
    return {
        "op": ss.OP_NAMES.get(w[base + ss.T_OP], "unknown"),
        "prim": {"id": prim["id"], "kind": prim["kind"]} if prim else None,
        "since": int(w[base + ss.T_SINCE]),
        "site": site,
        "target": int(w[base + ss.T_EXTRA]) or None,
    }


# Functions of threading.py and queue.py that block until another thread acts, and the local
# that says "forever" (timeout None; -1 for the thread-state lock of Thread.join).
_LOCAL_WAITS = {
    ("threading.py", "wait"): "threading wait",
    ("threading.py", "_wait_for_tstate_lock"): "threading.Thread.join",
    ("threading.py", "acquire"): "threading lock",
    ("queue.py", "get"): "queue.Queue.get",
    ("queue.py", "put"): "queue.Queue.put",
}


def local_wait(frame):
    f = frame
    while f is not None and frames.is_agent_file(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return None
    code = f.f_code
    what = _LOCAL_WAITS.get((os.path.basename(code.co_filename), code.co_name))
    if what is None or frames.tier(code.co_filename) != frames.SYSTEM:
        return None
    try:
        loc = f.f_locals
        timeout = loc.get("timeout")
        if timeout is not None and timeout != -1:
            return None
        if loc.get("block", True) is False or loc.get("blocking", True) is False:
            return None
    except Exception:
        return None
    u = frames.user_frame(f)
    return {"what": what, "site": sync.location(u) if u is not None else None}
