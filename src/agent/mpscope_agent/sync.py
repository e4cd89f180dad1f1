"""Synchronisation-primitive instrumentation (deadlock detection, issue 5).

What it records, per process, in the state file of syncstate.py (never in a message):
- for every multiprocessing Lock, RLock, Semaphore, BoundedSemaphore (and Condition, whose lock
  is one of those) this process acquires: a record holding the line of the acquisition;
- for every thread blocked without a timeout: what it waits on, and since when;
- in the journal: each pair of locks taken in nested order ("held A while acquiring B"), once.

Lock and RLock are the hot path (issue 4: 200,000 uncontended acquire/release pairs at most 1.5x
plain Python). Their `release` is the plain C method: a release writes nothing. Their `acquire`
is a closure whose uncontended path is a non-blocking try of the C semaphore and one identity
check: the bookkeeping (_note_acquired: the record's line, the held list, lock-order pairs) runs
only when the lock is not the one this process noted last (`_last`). So a Lock/RLock record
means "acquired here, maybe released since", and while one lock is re-acquired in a streak
(nothing else noted in between) its line is the streak's first. What keeps this sound:
  - Invariant: a process that holds a Lock/RLock has its record set. Every acquisition that is
    not a repeat of the last noted one sets it; a record is cleared only for a lock whose C count
    in this process is <= 0 (released), and clearing forgets `_last` (see _forget).
  - Records are made exact where it matters: when a thread begins a wait (so a process whose
    threads all wait, or one killed while they wait, has exact records), at the exit point
    (atexit, os._exit, the end of a multiprocessing child: the journal then says "exit"), and
    when `with lock:` exits (SemLock.__exit__ is a Python method anyway).
  - The truth on request: the stack dump (stacks.py) reports holdings from the semaphores' own
    counts (truth()); a lock this process released more often than it acquired (count < 0: one
    process acquires, another releases, a signal) is written to the journal then.
  The runner (src/runner/deadlock) treats the Lock/RLock records of a process that was running,
  or that was killed by a signal, as "maybe held", and confirms with stack dumps before it reports.

Semaphore, BoundedSemaphore and a Condition's lock record both acquire and release (each holder
of a semaphore counts; Condition.wait releases its lock after its wait record was written).
Contended acquisitions of any kind go to the slow path: it writes a wait record and blocks in C.

Identity of a primitive across processes: the semaphore's name (`_semlock.name`: set under
spawn and forkserver, the same in every process that unpickles it), else (fork) an id given at
creation and inherited with the object. Manager proxies are identified by their token.

Internal semaphores of Queue, SimpleQueue, JoinableQueue, Pool, Event and the helper semaphores
of Condition keep the plain C methods: they are never "held" in the lock sense, and the blocking
operations built on them are recorded at their own level (syncwaits.py).
"""

import gc
import os
import sys
from _thread import allocate_lock, get_ident
from _weakref import ref as _weakref
from time import time as _time

from . import frames
from . import syncstate as ss
from .agent import hide_frame

_agent = None
_st = None  # syncstate.State of this process
_mv = ss._memory()[1]  # the words the hot paths write (re-pointed at the state file by install)
_getframe = sys._getframe

PRIMS_AT = ss.PRIMS_AT
THREADS_AT = ss.THREADS_AT

# Tracked SemLock objects this process may hold; purged lazily (entries whose count dropped to
# zero are removed the next time an acquisition is noted or a wait begins).
_held = []
# Weak references to every tracked SemLock of this process (stack dumps and the exit point read
# their C counts: the truth about what this process holds, and which locks it used as signals).
_registry = []
_order_seen = set()
# thread ident -> ids of the primitives it held when it began to wait
_thread_held = {}
# manager proxies held by this process: id -> [thread ident, count, slot]
_proxy_held = {}
# primitive id -> record slot, for primitives that are not SemLock objects (queues, events...)
_slots = {}
_counter = [0]
_thread_count_lock = allocate_lock()

_MP_DIR = None
_SKIP_CACHE = {}
_RECURSIVE_MUTEX = 0  # _multiprocessing.SemLock kinds: RECURSIVE_MUTEX 0, SEMAPHORE 1


def install(agent):
    global _agent, _st, _mv, _MP_DIR, _codes
    _agent = agent
    # Where multiprocessing lives, without importing it (most processes never do).
    _MP_DIR = os.path.join(os.path.dirname(os.path.abspath(os.__file__)), "multiprocessing")
    directory = agent.config.get("stateDir") or os.path.dirname(os.environ.get("MPSCOPE_SOCKET", "") or "")
    _st = ss.State(directory if directory and os.path.isdir(directory) else None)
    _mv = _st.words
    _codes = _st.codes
    if hasattr(os, "register_at_fork"):
        # Our own hook, not agent.at_fork_child: the child must stop writing into the parent's
        # mapping even when the agent could not reconnect there.
        os.register_at_fork(after_in_child=_after_fork)
    agent.at_exit(_at_exit)
    agent.when_imported("multiprocessing.synchronize", _patch_synchronize)
    agent.when_imported("threading", _patch_threading)
    from . import syncwaits

    syncwaits.install(agent)


def state():
    return _st


def _after_fork():
    global _mv, _thread_count_lock, _last, _mt
    try:
        old = _mv
        _st.after_fork()
        _mv = _st.words
        # Inherited lock objects keep their record slots and cached call sites: copy the code
        # indexes (not the held lines) so the cache stays true in the child's file.
        for slot in range(_st.next_prim):
            b = PRIMS_AT + slot * ss.PRIM_WORDS
            _mv[b + 1] = old[b + 1]
        _thread_count_lock = allocate_lock()
        _last = None
        _mt = False  # the forking thread is the child's only thread
        del _held[:]
        _tbase.clear()
        _thread_held.clear()
        _proxy_held.clear()
    except Exception as e:  # pragma: no cover - the child runs on with a private mapping
        _mv = ss._memory()[1]
        if _agent is not None:
            _agent.fail(e, "deadlock state after fork")


# -- call sites -----------------------------------------------------------------------------------
def _skip(filename):
    """True for frames that are never the call site: multiprocessing's own code and the agent."""
    s = _SKIP_CACHE.get(filename)
    if s is None:
        path = frames.absolute(filename)
        s = frames.is_agent_file(filename) or bool(_MP_DIR and (path == _MP_DIR or path.startswith(_MP_DIR + os.sep)))
        _SKIP_CACHE[filename] = s
    return s


def site_frame(f):
    """The innermost frame of the user's code from f outwards (a library's as a fallback), or
    None. The walk stops at a multiprocessing child's _bootstrap: in a forked child the frames
    below it are its parent's (the line that started it), not where the child is."""
    fallback = None
    while f is not None:
        code = f.f_code
        fn = code.co_filename
        if code.co_name == "_bootstrap" and _skip(fn):
            break
        t = frames.tier(fn)
        if t == frames.USER:
            return f
        if t == frames.LIBRARY and fallback is None:
            fallback = f
        f = f.f_back
    return fallback


def location(f):
    if f is None:
        return None
    return {"file": frames.absolute(f.f_code.co_filename), "line": f.f_lineno or 0, "function": f.f_code.co_name}


def _record_site(b, f, lc):
    """Slow path of the acquisition record: a new call site for this lock."""
    code = f.f_code
    if _skip(code.co_filename):
        f = site_frame(f) or f  # without a user frame, multiprocessing's own line: still "held"
    else:
        lc[0] = code  # the next acquisitions from here only store the line
    _st.publish((b - PRIMS_AT) // ss.PRIM_WORDS)
    _mv[b + 1] = _st.code_index(f.f_code)
    _mv[b] = f.f_lasti or 1


def prim_site(slot):
    """{"file","line"} of the last acquisition recorded in slot (None when not held)."""
    if slot is None or slot < 0:
        return None
    b = PRIMS_AT + slot * ss.PRIM_WORDS
    return _st.site_of(_mv[b + 1], _mv[b])


# -- identity -------------------------------------------------------------------------------------------
def new_id(prefix):
    _counter[0] += 1
    return "%s:%d:%d" % (prefix, os.getpid(), _counter[0])


def slot_for(pid_id, kind, site=None):
    """The record slot of a non-SemLock primitive (queue, event, pipe end, proxy...)."""
    s = _slots.get(pid_id)
    if s is None:
        s = _st.new_prim(pid_id, kind, site)
        _slots[pid_id] = s
    return s


def semlock_id(obj):
    i = getattr(obj, "_mps_id", None)
    if i is None:
        name = getattr(obj._semlock, "name", None)
        i = name if name else "h:%d:%x" % (os.getpid(), obj._semlock.handle)
        obj._mps_id = i
    return i


# -- wait records ---------------------------------------------------------------------------------------
# Every blocking call without a timeout goes through wait_begin/wait_end (a queue get does even
# when an item is there: it cannot know beforehand), so they are a few memory stores: the
# thread's record slot is cached, and the site is left to the stack dump.
_tbase = {}  # thread ident -> base index of its wait record
_codes = {}  # the state's code object -> index map


def _claim_thread(tid):
    threading = sys.modules.get("threading")
    t = threading._active.get(tid) if threading is not None else None
    s = _st.thread_slot(tid, t.name if t is not None else "Thread-%d" % tid, is_helper_thread(t))
    if s < 0:
        return -1
    base = THREADS_AT + s * ss.THREAD_WORDS
    _tbase[tid] = base
    return base


def wait_begin(op, slot, extra=0):
    """Record that the current thread begins a blocking wait (no timeout). Returns the record's
    base index, or -1 when the thread already waits in an enclosing operation (a proxy call's
    recv, the lock inside a queue operation). Where it waits is not recorded here: while it
    waits, its stack says so (stacks.py reads it when the runner confirms a deadlock)."""
    tid = get_ident()
    base = _tbase.get(tid)
    if base is None:
        base = _claim_thread(tid)
        if base < 0:
            return -1
    w = _mv
    if w[base + ss.T_SINCE]:
        return -1
    if _held or _proxy_held:
        # Before the record is committed: the held records of a process whose threads all wait
        # are exact (this clears those of the locks released since they were acquired).
        try:
            _thread_held[tid] = held_by_current_thread()
        except Exception as e:
            _fail(e)
    w[base + ss.T_PRIM] = slot + 1
    w[base + ss.T_OP] = op
    w[base + ss.T_EXTRA] = extra
    w[base + ss.T_SINCE] = int(_time() * 1000)  # last: the runner sees a complete record or none
    return base


def wait_end(base):
    if base >= 0:
        _mv[base + ss.T_SINCE] = 0
        if _thread_held:
            _thread_held.pop(get_ident(), None)


def waiting_base(tid):
    """The base index of thread tid's wait record while it waits, else None."""
    base = _tbase.get(tid)
    return base if base is not None and _mv[base + ss.T_SINCE] else None


_USER_CACHE = {}


def _is_user_file(filename):
    u = _USER_CACHE.get(filename)
    if u is None:
        u = _USER_CACHE[filename] = frames.tier(filename) == frames.USER
    return u


def held_by_current_thread():
    """Ids of the tracked primitives the calling thread holds now. Forgets (see _forget) the
    SemLocks of the held list that this process has released."""
    out = []
    for o in _prune_held():
        try:
            if o._semlock._is_mine():
                out.append(o._mps_id)
        except Exception:
            pass
    tid = get_ident()
    for pid_id, h in list(_proxy_held.items()):
        if h[0] == tid and h[1] > 0:
            out.append(pid_id)
    return out


def _prune_held(keep=None):
    """The SemLocks of the held list that this process still holds (C count > 0); the others
    are forgotten and leave the list. keep: an object that stays (just acquired)."""
    still = []
    for o in list(_held):
        if o is keep:
            continue
        n = o._semlock._count()
        if n > 0:
            still.append(o)
        else:
            _forget(o, n)
            try:
                _held.remove(o)  # not `_held[:] = ...`: another thread may append meanwhile
            except ValueError:
                pass
    return still


def _forget(o, n):
    """o is no longer held by this process (its C count n <= 0): clear its record, and forget
    it as the last noted lock, so that its next acquisition sets the record again."""
    global _last
    b = o._mps_b
    if b >= 0:
        _mv[b] = 0
        if _mt and o._semlock._count() > 0:
            # Another thread acquired it since n was read, and may have written its record
            # before this cleared it: keep it held (the invariant), its line unknown.
            o._mps_lc[0] = None
            _mv[b + 1] = 0
            _mv[b] = 1
    if _last is o:
        _last = None
    if n < 0:
        _released_by_non_holder(o)


def truth():
    """[(obj, count)] of the tracked SemLocks this process holds now, from the semaphores' own
    counts. Clears the records of the others (exact records from here on) and notes the ones
    this process released more often than it acquired (used as signals)."""
    out = []
    for r in list(_registry):
        o = r()
        if o is None:
            continue
        b = o._mps_b
        if b < 0:
            continue  # untracked since
        n = o._semlock._count()
        if n > 0:
            # Without a record: a count inherited through a plain os.fork (multiprocessing's own
            # children reset it), not an acquisition of this process.
            if _mv[b]:
                out.append((o, n))
        elif _mv[b] or n < 0:
            _forget(o, n)
    return out


def held_in_process():
    """[(id, kind, slot, count)] of every primitive this process holds now (for stack dumps)."""
    out = []
    seen = set()
    for o, n in truth():
        if o._mps_id not in seen:
            seen.add(o._mps_id)
            out.append((o._mps_id, o._mps_kind, o._mps_slot, n))
    for pid_id, h in list(_proxy_held.items()):
        if h[1] > 0:
            rec = _st.prims.get(h[2]) or {}
            out.append((pid_id, rec.get("kind", "Lock"), h[2], h[1]))
    return out


def _at_exit():
    """The process's exit point (atexit, os._exit, the end of a multiprocessing child): make
    the held records exact, and say so. A process killed by a signal never gets here; the runner
    then knows its Lock/RLock records may be stale."""
    truth()
    _st.write({"t": "exit"})


def is_helper_thread(t):
    """multiprocessing's and concurrent.futures' own threads: they work for the program's
    threads and never count as threads that could wake somebody up by themselves."""
    if t is None:
        return False
    threading = sys.modules.get("threading")
    if threading is not None and t is threading.main_thread():
        # Also a pool worker forked from the Pool's _handle_workers thread: in the child, that
        # thread is the main thread and runs the worker.
        return False
    if t.name == "QueueFeederThread":
        return True
    target = getattr(t, "_target", None)
    mod = getattr(target, "__module__", "") or ""
    qual = getattr(target, "__qualname__", "") or ""
    if mod == "multiprocessing.pool" and qual.startswith("Pool._handle"):
        return True
    if mod in ("multiprocessing.managers", "multiprocessing.resource_sharer", "concurrent.futures.process"):
        return True
    cls = type(t)
    return cls.__module__ == "concurrent.futures.process"


# -- lock order ---------------------------------------------------------------------------------------------
def _order(obj, f):
    """obj was just acquired while this process may hold other locks: keep the held list exact
    and record each (held by this thread, obj) pair the first time it is seen."""
    mine = [o for o in _prune_held(obj) if o._semlock._is_mine()]
    if obj not in _held:
        _held.append(obj)
    for o in mine:
        key = (o._mps_id, obj._mps_id)
        if key in _order_seen:
            continue
        _order_seen.add(key)
        record_order(o._mps_id, o._mps_kind, prim_site(o._mps_slot), obj._mps_id, obj._mps_kind, location(site_frame(f)))


def record_order(a, akind, asite, b, bkind, bsite):
    threading = sys.modules.get("threading")
    t = threading.current_thread() if threading is not None else None
    _st.write(
        {
            "t": "order",
            "a": a,
            "aKind": akind,
            "aSite": asite,
            "b": b,
            "bKind": bkind,
            "bSite": bsite,
            "thread": t.name if t is not None else None,
        }
    )


# -- SemLock --------------------------------------------------------------------------------------------------
# The tracked lock noted last in this process (see the module's doc: a Lock/RLock acquired again
# while it is still _last skips all bookkeeping). Once the process has threads of its own (_mt),
# every acquisition is noted: between two acquisitions of one thread, another may have acquired,
# released, or cleared a record.
_last = None
_mt = False

# Kinds whose release is the plain C method (mutexes: at most one holder).
_FAST_KINDS = ("Lock", "RLock")


def _note_held(obj, f):
    global _last
    _last = None if _mt else obj
    if _held:
        if _held[0] is not obj or len(_held) != 1:
            _order(obj, f)
    else:
        _held.append(obj)


def _write_site(obj, f):
    """The record of obj: acquired at f's current call (a memory store once the site is known)."""
    b = obj._mps_b
    lc = obj._mps_lc
    if f.f_code is lc[0]:
        _mv[b] = f.f_lasti or 1
    else:
        _record_site(b, f, lc)


def _note_acquired(obj, f):
    """Bookkeeping of a Lock/RLock acquisition that is not a repeat of the last noted one.
    An RLock re-entered keeps the line of its outermost acquisition."""
    if not (obj._mps_reentrant and obj._semlock._count() > 1 and _mv[obj._mps_b]):
        _write_site(obj, f)
    _note_held(obj, f)


def _make_fast_acquire(obj):
    """The `acquire` of a Lock/RLock: uncontended, a C try and one identity check."""
    _acq = obj._semlock.acquire

    def acquire(block=True, timeout=None):
        if _acq(False):
            if _last is not obj:
                _note_acquired(obj, _getframe(1))
            return True
        if not block:
            return False
        return _acquire_slow(obj, _acq, _getframe(1), timeout)

    return acquire


def _make_acquire(obj):
    """The recording `acquire` of a Semaphore, BoundedSemaphore or Condition's lock: every
    acquisition writes its line."""
    _acq = obj._semlock.acquire
    _cnt = obj._semlock._count
    reentrant = obj._mps_reentrant

    def acquire(block=True, timeout=None):
        if _acq(False):
            # Re-entering an RLock: the line that counts is the outermost acquisition.
            if not reentrant or _cnt() == 1:
                f = _getframe(1)
                _write_site(obj, f)
                if _last is not obj:
                    _note_held(obj, f)
            return True
        if not block:
            return False
        return _acquire_slow(obj, _acq, _getframe(1), timeout)

    return acquire


def _acquire_slow(obj, _acq, f, timeout):
    if timeout is not None:
        # A wait with a timeout is never a deadlock: no wait record.
        try:
            ok = _acq(True, timeout)
        except BaseException as e:
            hide_frame(e)
            raise
    else:
        _st.publish(obj._mps_slot)
        base = wait_begin(ss.OP_LOCK, obj._mps_slot)
        try:
            ok = _acq(True, None)
        except BaseException as e:
            hide_frame(e)
            raise
        finally:
            wait_end(base)
    if ok:
        # A blocking acquisition of an RLock is never a re-entry: always its outermost line.
        _write_site(obj, f)
        _note_held(obj, f)
    return ok


# Before 3.11 a try block costs time on every call, and hiding the agent's frame from a
# traceback does not work anyway (the interpreter keeps its own copy): no try there.
_HIDE = sys.version_info >= (3, 11)


def _make_release(obj):
    """The recording `release` of a Semaphore, BoundedSemaphore or Condition's lock."""
    _rel = obj._semlock.release
    _cnt = obj._semlock._count

    if _HIDE:

        def release():
            try:
                _rel()
            except BaseException as e:
                hide_frame(e)  # e.g. "released too many times": the program's error, not ours
                raise
            n = _cnt()
            if n <= 0:
                _forget(obj, n)

    else:

        def release():
            _rel()
            n = _cnt()
            if n <= 0:
                _forget(obj, n)

    return release


# `with lock:` goes through the class's __enter__/__exit__ (Python methods already in
# multiprocessing); these record exactly (the line of every acquisition; the record is cleared
# on exit), without a further call on the uncontended path.
def _semlock_enter(self):
    b = self._mps_b  # -1 (a class default) for untracked locks
    sl = self._semlock
    if b < 0:
        return sl.__enter__()
    if sl.acquire(False):
        if self._mps_reentrant and sl._count() != 1 and _mv[b]:
            return True
        f = _getframe(1)
        lc = self._mps_lc
        if f.f_code is lc[0]:
            _mv[b] = f.f_lasti
        else:
            _record_site(b, f, lc)
        # After its own `with` block (the record cleared, _last forgotten), a lock that is the
        # only one on the held list needs no further bookkeeping.
        if _last is not self and not (len(_held) == 1 and _held[0] is self):
            _note_held(self, f)
        return True
    return _acquire_slow(self, sl.acquire, _getframe(1), None)


def _semlock_exit(self, *args):
    global _last
    b = self._mps_b
    sl = self._semlock
    if b < 0:
        return sl.__exit__(*args)
    if _HIDE:
        try:
            sl.release()
        except BaseException as e:
            hide_frame(e)
            raise
    else:
        sl.release()
    n = sl._count()
    if n <= 0:
        # _forget inlined for the common case (a `with` block costs no further call)
        _mv[b] = 0
        if _last is self:
            _last = None
        if n < 0 or _mt:
            _forget(self, n)


def _released_by_non_holder(obj):
    """This process released more than it acquired: the primitive is used as a signal (one
    process acquires, another releases), so "who holds it" means nothing for its waiters."""
    if getattr(obj, "_mps_signal", False):
        return
    obj._mps_signal = True
    try:
        _st.write({"t": "signal", "id": obj._mps_id})
    except Exception as e:
        _fail(e)


def _track(obj, kind, site):
    """Give a SemLock object its record slot and its acquire/release methods."""
    semlock_id(obj)
    slot = _st.new_prim(obj._mps_id, kind, site, publish=False)
    if slot < 0:
        untrack(obj)
        return
    obj._mps_slot = slot
    obj._mps_kind = kind
    obj._mps_lc = [None]
    obj._mps_b = PRIMS_AT + slot * ss.PRIM_WORDS
    sl = obj._semlock
    obj._mps_reentrant = sl.kind == _RECURSIVE_MUTEX
    if kind in _FAST_KINDS and (obj._mps_reentrant or sl.maxvalue == 1):
        obj.acquire = _make_fast_acquire(obj)
        obj.release = sl.release
    else:
        _record_exactly(obj)
    _registry.append(_weakref(obj))
    if len(_registry) & 1023 == 0:
        _registry[:] = [r for r in _registry if r() is not None]


def _record_exactly(obj):
    """Recording acquire and release (Semaphores; a Lock/RLock that a Condition uses)."""
    if obj._mps_b < 0:
        return
    n = obj._semlock._count()
    if n <= 0:
        _forget(obj, n)  # a record left by the fast methods of a released lock
    obj.acquire = _make_acquire(obj)
    obj.release = _make_release(obj)


def untrack(obj):
    """Plain C methods again (internal semaphores of queues, events, conditions, pools)."""
    global _last
    sl = obj._semlock
    obj.acquire = sl.acquire
    obj.release = sl.release
    obj._mps_b = -1
    obj._mps_reentrant = False
    obj._mps_slot = -1
    obj._mps_kind = type(obj).__name__
    if _last is obj:
        _last = None
    if obj in _held:
        try:
            _held.remove(obj)
        except ValueError:
            pass


def relabel(obj, kind):
    """A tracked lock that stands for a bigger primitive (a Condition's lock)."""
    slot = getattr(obj, "_mps_slot", -1)
    if slot is not None and slot >= 0:
        obj._mps_kind = kind
        _st.relabel(slot, kind)


def _created_internally(f):
    """True when a SemLock is being created by multiprocessing's own objects (queues, pools,
    managers...) rather than for the program: walk out of synchronize/context/sharedctypes."""
    while f is not None:
        fn = f.f_code.co_filename
        if not _skip(fn):
            return False
        base = os.path.basename(fn)
        if base not in ("synchronize.py", "context.py", "sharedctypes.py") and not frames.is_agent_file(fn):
            return True
        f = f.f_back
    return False


def _patch_synchronize(mod):
    global _MP_DIR
    d = os.path.dirname(os.path.abspath(mod.__file__))
    if d != _MP_DIR:
        _MP_DIR = d
        _SKIP_CACHE.clear()
    SemLock = mod.SemLock

    def make_init(orig):
        def __init__(self, *args, **kwargs):
            orig(self, *args, **kwargs)
            try:
                self._mps_id = self._semlock.name or new_id("f")
                f = _getframe(1)
                if _created_internally(f):
                    untrack(self)
                else:
                    _track(self, type(self).__name__, location(site_frame(f)))
            except Exception as e:
                _fail(e)

        return __init__

    def make_setstate(orig):
        def __setstate__(self, state):
            orig(self, state)
            try:
                semlock_id(self)
                _track(self, type(self).__name__, None)
            except Exception as e:
                _fail(e)

        return __setstate__

    _agent.patch(SemLock, "__init__", make_init)
    _agent.patch(SemLock, "__setstate__", make_setstate)

    # Defaults for SemLock objects that exist already or skip our __init__: untracked.
    SemLock._mps_b = -1
    SemLock._mps_reentrant = False
    SemLock._mps_slot = -1
    _agent.patch(SemLock, "__enter__", lambda orig: _semlock_enter)
    _agent.patch(SemLock, "__exit__", lambda orig: _semlock_exit)

    # Condition: its lock is the program's (relabelled) and records exactly (Condition.wait
    # releases it after the wait began); its helper semaphores are internal.
    def make_cond_methods(orig):
        def _make_methods(self):
            try:
                lock = self._lock
                if getattr(lock, "_mps_slot", -1) >= 0:
                    _record_exactly(lock)  # before orig binds self.acquire/release to them
            except Exception as e:
                _fail(e)
            orig(self)
            try:
                for name in ("_sleeping_count", "_woken_count", "_wait_semaphore"):
                    s = getattr(self, name, None)
                    if s is not None:
                        untrack(s)
                lock = self._lock
                if getattr(lock, "_mps_slot", -1) >= 0 and lock._mps_kind == "RLock" and not getattr(lock, "_mps_user", False):
                    relabel(lock, "Condition")
            except Exception as e:
                _fail(e)

        return _make_methods

    _agent.patch(mod.Condition, "_make_methods", make_cond_methods)

    def make_cond_init(orig):
        def __init__(self, lock=None, *args, **kwargs):
            if lock is not None:
                try:
                    lock._mps_user = True  # the program's own lock: keep its kind
                except Exception:
                    pass
            return orig(self, lock, *args, **kwargs)

        return __init__

    _agent.patch(mod.Condition, "__init__", make_cond_init)

    def make_event_init(orig):
        def __init__(self, *args, **kwargs):
            orig(self, *args, **kwargs)
            try:
                untrack_all(self)
            except Exception as e:
                _fail(e)

        return __init__

    _agent.patch(mod.Event, "__init__", make_event_init)

    def make_barrier_setstate(orig):
        def __setstate__(self, state):
            orig(self, state)
            try:
                untrack_all(self)
            except Exception as e:
                _fail(e)

        return __setstate__

    _agent.patch(mod.Barrier, "__setstate__", make_barrier_setstate)


def untrack_all(obj):
    """Plain C methods again for the semaphores obj holds, and those of its Conditions. Its
    attribute values come from gc.get_referents, not vars(obj): from Python 3.11 on, vars()
    gives the object a real __dict__, which slows every attribute access on it for good."""
    SemLock = sys.modules["multiprocessing.synchronize"].SemLock
    for ref in gc.get_referents(obj):
        # The attribute values themselves (3.11+), or the instance dict that holds them.
        for v in ref.values() if type(ref) is dict else (ref,):
            if isinstance(v, SemLock):
                untrack(v)
            elif hasattr(v, "_wait_semaphore") and hasattr(v, "_lock"):
                untrack_all(v)  # a Condition: its lock and helper semaphores


# -- threading: live user threads, for the runner's "is every thread blocked?" -----------------------------
def _patch_threading(mod):
    Thread = mod.Thread

    def make_bootstrap_inner(orig):
        def _bootstrap_inner(self):
            global _mt, _last
            if self.name != "QueueFeederThread":
                # A queue's feeder thread only moves pickled data; it never takes the
                # program's locks, so a process that just puts on a queue keeps the fast path.
                _mt = True
                _last = None
            counted = not is_helper_thread(self)
            if counted:
                _add_user_thread(1)
            try:
                return orig(self)
            finally:
                if counted:
                    _add_user_thread(-1)
                # Free its wait record: a later thread may get the same ident.
                base = _tbase.pop(get_ident(), None)
                if base is not None:
                    _mv[base + ss.T_SINCE] = 0
                    _mv[base + ss.T_TID] = 0

        return _bootstrap_inner

    _agent.patch(Thread, "_bootstrap_inner", make_bootstrap_inner)


def _add_user_thread(n):
    with _thread_count_lock:
        _mv[ss.H_USER_THREADS] = max(0, _mv[ss.H_USER_THREADS] + n)


def _fail(e):
    if _agent is not None:
        _agent.fail(e, "deadlock instrumentation")
