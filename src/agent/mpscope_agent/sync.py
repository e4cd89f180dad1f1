"""Synchronisation-primitive instrumentation (deadlock detection, issue 5).

What it records, per process, in the state file of syncstate.py (never in a message):
- for every multiprocessing Lock, RLock, Semaphore, BoundedSemaphore (and Condition, whose lock
  is one of those): whether this process holds it and the line of the last acquisition;
- for every thread blocked without a timeout: what it waits on, since when, and where;
- in the journal: each pair of locks taken in nested order ("held A while acquiring B"), once.

The hot path is an uncontended acquire. It is a closure installed as the lock's `acquire`
(and reached from `__enter__`): a non-blocking try of the C semaphore, then two memory stores
(line and, when the call site changed, the code index). No message, no system call, no lock.
Only when the try fails does the slow path run: it writes a wait record and blocks in C.

Identity of a primitive across processes: the semaphore's name (`_semlock.name`: set under
spawn and forkserver, the same in every process that unpickles it), else (fork) an id given at
creation and inherited with the object. Manager proxies are identified by their token.

Internal semaphores of Queue, SimpleQueue, JoinableQueue, Pool, Event and the helper semaphores
of Condition keep the plain C methods: they are never "held" in the lock sense, and the blocking
operations built on them are recorded at their own level (syncwaits.py).
"""

import os
import sys
from _thread import allocate_lock, get_ident
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
# zero are removed the next time a nested acquisition looks at the list).
_held = []
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
    w[base + ss.T_PRIM] = slot + 1
    w[base + ss.T_OP] = op
    w[base + ss.T_EXTRA] = extra
    w[base + ss.T_SINCE] = int(_time() * 1000)  # last: the runner sees a complete record or none
    if _held:
        try:
            _thread_held[tid] = held_by_current_thread()
        except Exception as e:
            _fail(e)
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
    """Ids of the tracked primitives the calling thread holds now."""
    out = []
    for o in list(_held):
        sl = o._semlock
        try:
            if sl._count() and sl._is_mine():
                out.append(o._mps_id)
        except Exception:
            pass
    tid = get_ident()
    for pid_id, h in list(_proxy_held.items()):
        if h[0] == tid and h[1] > 0:
            out.append(pid_id)
    return out


def held_in_process():
    """[(id, kind, slot, count)] of every primitive this process holds now (for stack dumps)."""
    out = []
    seen = set()
    for o in list(_held):
        try:
            n = o._semlock._count()
        except Exception:
            continue
        if n and o._mps_id not in seen:
            seen.add(o._mps_id)
            out.append((o._mps_id, o._mps_kind, o._mps_slot, n))
    for pid_id, h in list(_proxy_held.items()):
        if h[1] > 0:
            rec = _st.prims.get(h[2]) or {}
            out.append((pid_id, rec.get("kind", "Lock"), h[2], h[1]))
    return out


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
    keep = []
    mine = []
    for o in _held:
        if o is obj:
            continue
        sl = o._semlock
        if sl._count():
            keep.append(o)
            if sl._is_mine():
                mine.append(o)
    keep.append(obj)
    _held[:] = keep
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
# The tracked lock acquired last in this process. When the same lock is acquired again and
# nothing else was acquired in between, the held list and the lock-order pairs cannot have
# changed: the acquisition skips that bookkeeping. Once the process has threads (_mt), the
# bookkeeping always runs, as interleavings of threads make that shortcut wrong.
_last = None
_mt = False


def _note_held(obj, f):
    global _last
    _last = None if _mt else obj
    if _held:
        if _held[0] is not obj or len(_held) != 1:
            _order(obj, f)
    else:
        _held.append(obj)


def _make_acquire(obj):
    """The lock's `acquire` (called by the program as lock.acquire(...))."""
    sl = obj._semlock
    _acq = sl.acquire
    _cnt = sl._count
    b = obj._mps_b
    lc = obj._mps_lc

    if sl.kind == _RECURSIVE_MUTEX:

        def acquire(block=True, timeout=None):
            if _acq(False):
                # Re-entering an RLock: the line that counts is the outermost acquisition.
                if _cnt() == 1:
                    f = _getframe(1)
                    if f.f_code is lc[0]:
                        _mv[b] = f.f_lasti
                    else:
                        _record_site(b, f, lc)
                    if _last is not obj:
                        _note_held(obj, f)
                return True
            if not block:
                return False
            return _acquire_slow(obj, _acq, _getframe(1), timeout, b, lc)

        return acquire

    def acquire(block=True, timeout=None):
        if _acq(False):
            f = _getframe(1)
            if f.f_code is lc[0]:
                _mv[b] = f.f_lasti
            else:
                _record_site(b, f, lc)
            if _last is not obj:
                _note_held(obj, f)
            return True
        if not block:
            return False
        return _acquire_slow(obj, _acq, _getframe(1), timeout, b, lc)

    return acquire


def _acquire_slow(obj, _acq, f, timeout, b, lc):
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
        _record_site(b, f, lc)
        _note_held(obj, f)
    return ok


# Before 3.11 a try block costs time on every call, and hiding the agent's frame from a
# traceback does not work anyway (the interpreter keeps its own copy): no try there.
_HIDE = sys.version_info >= (3, 11)


def _make_release(obj):
    """The lock's `release`."""
    _rel = obj._semlock.release
    _cnt = obj._semlock._count
    b = obj._mps_b

    if _HIDE:

        def release():
            try:
                _rel()
            except BaseException as e:
                hide_frame(e)  # e.g. "released too many times": the program's error, not ours
                raise
            n = _cnt()
            if n <= 0:
                _mv[b] = 0
                if n < 0:
                    _released_by_non_holder(obj)

    else:

        def release():
            _rel()
            n = _cnt()
            if n <= 0:
                _mv[b] = 0
                if n < 0:
                    _released_by_non_holder(obj)

    return release


# `with lock:` goes through the class's __enter__/__exit__ (Python methods already in
# multiprocessing); these do the recording inline, without a further call.
def _semlock_enter(self):
    b = self._mps_b  # -1 (a class default) for untracked locks
    sl = self._semlock
    if b < 0:
        return sl.__enter__()
    if sl.acquire(False):
        if self._mps_reentrant and sl._count() != 1:
            return True
        f = _getframe(1)
        lc = self._mps_lc
        if f.f_code is lc[0]:
            _mv[b] = f.f_lasti
        else:
            _record_site(b, f, lc)
        if _last is not self:
            _note_held(self, f)
        return True
    return _acquire_slow(self, sl.acquire, _getframe(1), None, b, self._mps_lc)


def _semlock_exit(self, *args):
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
        _mv[b] = 0
        if n < 0:
            _released_by_non_holder(self)


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
    """Give a SemLock object its record slot and the recording acquire/release methods."""
    semlock_id(obj)
    slot = _st.new_prim(obj._mps_id, kind, site, publish=False)
    if slot < 0:
        untrack(obj)
        return
    obj._mps_slot = slot
    obj._mps_kind = kind
    obj._mps_lc = [None]
    obj._mps_b = PRIMS_AT + slot * ss.PRIM_WORDS
    obj._mps_reentrant = obj._semlock.kind == _RECURSIVE_MUTEX
    obj.acquire = _make_acquire(obj)
    obj.release = _make_release(obj)


def untrack(obj):
    """Plain C methods again (internal semaphores of queues, events, conditions, pools)."""
    sl = obj._semlock
    obj.acquire = sl.acquire
    obj.release = sl.release
    obj._mps_b = -1
    obj._mps_reentrant = False
    obj._mps_slot = -1
    obj._mps_kind = type(obj).__name__
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

    # Condition: its lock is the program's (relabelled); its helper semaphores are internal.
    def make_cond_methods(orig):
        def _make_methods(self):
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
    """Untrack every SemLock member of obj, and those of its Condition members."""
    SemLock = sys.modules["multiprocessing.synchronize"].SemLock
    for v in list(vars(obj).values()):
        if isinstance(v, SemLock):
            untrack(v)
        elif hasattr(v, "_wait_semaphore") and hasattr(v, "_lock"):
            untrack(v._lock)
            for name in ("_sleeping_count", "_woken_count", "_wait_semaphore"):
                untrack(getattr(v, name))


# -- threading: live user threads, for the runner's "is every thread blocked?" -----------------------------
def _patch_threading(mod):
    Thread = mod.Thread

    def make_bootstrap_inner(orig):
        def _bootstrap_inner(self):
            global _mt, _last
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
