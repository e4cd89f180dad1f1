"""Blocking operations other than lock acquisition, recorded as waits (deadlock detection).

Each wrapper below writes the thread's wait record (sync.wait_begin) only for a call that may
block forever (no timeout, blocking), calls the original once with the same arguments, and
clears the record when it returns or raises. The record is a few memory stores; the runner
polls the state files to learn about waits, so no message is sent.

  Queue.get/put, SimpleQueue.get, JoinableQueue.join   queue-get / queue-put / queue-join
  Connection.recv                                      recv (a Pipe end)
  Process.join, threading.Thread.join                  process-join / thread-join
  Event.wait, Condition.wait(_for), Barrier.wait        event-wait / condition-wait / barrier-wait
  Pool results (get/wait/imap next)                    pool-result
  Manager proxies (acquire, get, put, wait, join)      the same kinds, on the proxy's referent

Manager Lock/RLock/Semaphore proxies are owned primitives: their acquire and release also update
this process's held records, as the SemLock closures of sync.py do.
"""

import os
import sys
from _thread import get_ident

from . import sync
from . import syncstate as ss
from .agent import hide_frame

_agent = None
_getframe = sys._getframe


def install(agent):
    global _agent
    _agent = agent
    agent.when_imported("multiprocessing.queues", _patch_queues)
    agent.when_imported("multiprocessing.connection", _patch_connection)
    agent.when_imported("multiprocessing.process", _patch_process)
    agent.when_imported("multiprocessing.synchronize", _patch_synchronize)
    agent.when_imported("multiprocessing.pool", _patch_pool)
    agent.when_imported("multiprocessing.managers", _patch_managers)
    agent.when_imported("threading", _patch_threading)


def _fail(e):
    _agent.fail(e, "deadlock instrumentation")


_begin = sync.wait_begin  # never raises: it disables the agent instead


def _queue_slot(q, kind):
    s = q.__dict__.get("_mps_slot")
    if s is None:
        s = sync.slot_for(sync.semlock_id(q._rlock), kind)
        q._mps_slot = s
    return s


# -- queues ---------------------------------------------------------------------------------------------
def _patch_queues(mod):
    Queue = mod.Queue
    JoinableQueue = mod.JoinableQueue
    SimpleQueue = mod.SimpleQueue

    def kind_of(q):
        return "JoinableQueue" if isinstance(q, JoinableQueue) else "Queue"

    # Internal semaphores of queues keep their plain C methods (created and unpickled).
    def make_untrack(orig):
        def wrapper(self, *args, **kwargs):
            try:
                r = orig(self, *args, **kwargs)
            except BaseException as e:
                hide_frame(e)
                raise
            try:
                sync.untrack_all(self)
            except Exception as e:
                _fail(e)
            return r

        return wrapper

    for cls in (Queue, JoinableQueue, SimpleQueue):
        for name in ("__init__", "__setstate__"):
            if name in cls.__dict__:
                _agent.patch(cls, name, make_untrack)

    # The two hot wrappers of the queue benchmarks: kept lean (cached slot, inlined checks).
    def make_get(orig):
        def get(self, block=True, timeout=None):
            base = -1
            try:
                if block and timeout is None:
                    slot = self.__dict__.get("_mps_slot")
                    if slot is None:
                        slot = _queue_slot(self, kind_of(self))
                    base = _begin(ss.OP_QUEUE_GET, slot)
                return orig(self, block, timeout)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    sync.wait_end(base)

        return get

    def make_put(orig):
        def put(self, obj, block=True, timeout=None):
            base = -1
            try:
                slot = self.__dict__.get("_mps_slot")
                if slot is None:
                    slot = _queue_slot(self, kind_of(self))
                f = _getframe(1)
                if slot >= 0:
                    _note_put(slot, f)
                # An unbounded queue never blocks in put (its feeder thread writes the pipe).
                if block and timeout is None and self._maxsize < _SEM_VALUE_MAX:
                    base = _begin(ss.OP_QUEUE_PUT, slot)
                return orig(self, obj, block, timeout)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    sync.wait_end(base)

        return put

    _agent.patch(Queue, "get", make_get)
    _agent.patch(Queue, "put", make_put)
    if "put" in JoinableQueue.__dict__:
        _agent.patch(JoinableQueue, "put", make_put)

    def make_join(orig):
        def join(self):
            base = -1
            try:
                base = _begin(ss.OP_QUEUE_JOIN, _queue_slot(self, "JoinableQueue"))
                return orig(self)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    sync.wait_end(base)

        return join

    _agent.patch(JoinableQueue, "join", make_join)

    def make_simple_get(orig):
        def get(self):
            base = -1
            try:
                base = _begin(ss.OP_QUEUE_GET, _queue_slot(self, "SimpleQueue"))
                return orig(self)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    sync.wait_end(base)

        return get

    _agent.patch(SimpleQueue, "get", make_simple_get)


def _queue_slot(q, kind):
    s = q.__dict__.get("_mps_slot")
    if s is None:
        s = sync.slot_for(sync.semlock_id(q._rlock), kind)
        q._mps_slot = s  # queues pickle an explicit state: the cached slot stays in this process
    return s


try:
    from _multiprocessing import SemLock as _CSemLock

    _SEM_VALUE_MAX = _CSemLock.SEM_VALUE_MAX
except Exception:  # pragma: no cover
    _SEM_VALUE_MAX = 2147483647


def _note_put(slot, f):
    """Where the last put on a queue was, in its record (named by the feeder-thread hazard)."""
    try:
        code = f.f_code
        user = sync._USER_CACHE.get(code.co_filename)
        if user is None:
            user = sync._is_user_file(code.co_filename)
        if not user:
            f = sync.site_frame(f)
            if f is None:
                return
            code = f.f_code
        b = ss.PRIMS_AT + slot * ss.PRIM_WORDS
        w = sync._mv
        w[b + 1] = sync._codes.get(code) or sync._st.code_index(code)
        w[b] = f.f_lasti or 1
    except Exception as e:
        _fail(e)


def _recorded(op, slot_of, extra_of=None, blocking=None):
    """A wrapper factory for fn(self, timeout=None)-shaped waits: record when the call may block
    forever (timeout None and, if given, blocking(self) true)."""

    def make(orig):
        def wrapper(self, timeout=None):
            base = -1
            try:
                if timeout is None and (blocking is None or blocking(self)):
                    base = _begin(op, slot_of(self), extra_of(self) if extra_of else 0)
                return orig(self, timeout)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    sync.wait_end(base)

        return wrapper

    return make


# -- Pipe ends ------------------------------------------------------------------------------------------------
def _conn_slot(conn):
    s = conn.__dict__.get("_mps_slot")
    if s is None:
        s = sync.slot_for(_conn_id(conn), "Connection")
        conn._mps_slot = s
    return s


def _conn_id(conn):
    try:
        st = os.fstat(conn.fileno())
        return "conn:%d:%d" % (st.st_dev, st.st_ino)
    except Exception:
        return sync.new_id("conn")


def _patch_connection(mod):
    Base = getattr(mod, "_ConnectionBase", None) or mod.Connection

    def make_recv(orig):
        def recv(self):
            base = -1
            try:
                # (Inside a proxy call or another recorded wait, the outer record stays.)
                base = _begin(ss.OP_RECV, _conn_slot(self))
                return orig(self)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    sync.wait_end(base)

        return recv

    _agent.patch(Base, "recv", make_recv)

    def make_pipe(orig):
        def Pipe(duplex=True):
            try:
                a, b = orig(duplex)
            except BaseException as e:
                hide_frame(e)
                raise
            try:
                f = _getframe(1)
                # The program's own Pipe() (directly, or through a context's Pipe()), not the
                # pipes of multiprocessing's queues and managers: only those are "of the run".
                while f is not None and sync._skip(f.f_code.co_filename) and os.path.basename(f.f_code.co_filename) == "context.py":
                    f = f.f_back
                if f is not None and not sync._skip(f.f_code.co_filename):
                    ia, ib = _conn_id(a), _conn_id(b)
                    sync._st.fact({"t": "pipe", "a": ia, "b": ib, "site": sync.location(f)})
            except Exception as e:
                _fail(e)
            return a, b

        return Pipe

    if hasattr(mod, "Pipe"):
        _agent.patch(mod, "Pipe", make_pipe)


# -- joins -------------------------------------------------------------------------------------------------------
def _process_pid(p):
    popen = getattr(p, "_popen", None)
    return getattr(popen, "pid", None) or 0


def _patch_process(mod):
    _agent.patch(mod.BaseProcess, "join", _recorded(ss.OP_PROCESS_JOIN, lambda p: -1, _process_pid))


def _patch_threading(mod):
    _agent.patch(
        mod.Thread,
        "join",
        _recorded(ss.OP_THREAD_JOIN, lambda t: -1, lambda t: t.ident or 0, lambda t: t.ident is not None),
    )


# -- Event, Condition, Barrier -------------------------------------------------------------------------------------
def _cond_slot(cond):
    lock = cond._lock
    slot = getattr(lock, "_mps_slot", -1)
    if slot is None or slot < 0:
        slot = sync.slot_for(sync.semlock_id(lock), "Condition")
    return slot


def _patch_synchronize(mod):
    _agent.patch(mod.Event, "wait", _recorded(ss.OP_EVENT, lambda e: sync.slot_for(sync.semlock_id(e._flag), "Event")))
    _agent.patch(mod.Condition, "wait", _recorded(ss.OP_CONDITION, _cond_slot))
    # Barrier.wait is threading.Barrier's, on the multiprocessing Condition. A barrier created
    # with a default timeout never blocks forever.
    _agent.patch(
        mod.Barrier,
        "wait",
        _recorded(
            ss.OP_BARRIER,
            lambda b: sync.slot_for(sync.semlock_id(b._cond._lock), "Barrier"),
            None,
            lambda b: b._timeout is None,
        ),
    )


# -- Pool -----------------------------------------------------------------------------------------------------------
def _pool_id(pool):
    workers = getattr(pool, "_pool", None)
    if workers is None:
        return None
    # The same id as the lifecycle module's "owner" messages, so the runner links the two.
    return "pool:%d:%x" % (os.getpid(), id(workers))


def _pool_slot(result):
    pool = getattr(result, "_pool", None)
    pid_id = _pool_id(pool) if pool is not None else None
    return sync.slot_for(pid_id, "Pool") if pid_id else -1


def _patch_pool(mod):
    _agent.patch(mod.ApplyResult, "wait", _recorded(ss.OP_POOL_RESULT, _pool_slot, None, lambda r: not r.ready()))
    it = mod.IMapIterator
    _agent.patch(it, "next", _recorded(ss.OP_POOL_RESULT, _pool_slot))
    if it.__dict__.get("__next__") is not None:
        it.__next__ = it.next


# -- Manager proxies ------------------------------------------------------------------------------------------------------
_PROXY_OPS = {
    "acquire": ss.OP_LOCK,
    "get": ss.OP_QUEUE_GET,
    "put": ss.OP_QUEUE_PUT,
    "join": ss.OP_QUEUE_JOIN,
}
_WAIT_OPS = {"Event": ss.OP_EVENT, "Condition": ss.OP_CONDITION, "Barrier": ss.OP_BARRIER}
_OWNED = ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")


def _proxy_id(proxy):
    tok = proxy._token
    addr = tok.address
    if isinstance(addr, tuple):
        addr = "%s:%s" % addr[:2]
    return "mgr:%s:%s" % (addr, tok.id)


def _proxy_blocks(method, args, kwds):
    """True for a proxy call that may block forever (blocking, without a timeout)."""
    if method == "acquire":
        blocking = args[0] if len(args) > 0 else kwds.get("blocking", True)
        timeout = args[1] if len(args) > 1 else kwds.get("timeout")
        return bool(blocking) and timeout is None
    if method == "get":
        block = args[0] if len(args) > 0 else kwds.get("block", True)
        timeout = args[1] if len(args) > 1 else kwds.get("timeout")
        return bool(block) and timeout is None
    if method == "put":
        block = args[1] if len(args) > 1 else kwds.get("block", True)
        timeout = args[2] if len(args) > 2 else kwds.get("timeout")
        return bool(block) and timeout is None
    if method == "wait":
        timeout = args[0] if len(args) > 0 else kwds.get("timeout")
        return timeout is None
    return method == "join"


def _patch_managers(mod):
    BaseProxy = mod.BaseProxy

    def make_callmethod(orig):
        def _callmethod(self, methodname, args=(), kwds={}):
            typeid = getattr(getattr(self, "_token", None), "typeid", None)
            op = _WAIT_OPS.get(typeid) if methodname == "wait" else _PROXY_OPS.get(methodname)
            owned = typeid in _OWNED
            if op is None and not (owned and methodname == "release"):
                try:
                    return orig(self, methodname, args, kwds)
                except BaseException as e:
                    hide_frame(e)
                    raise
            f = _getframe(1)
            slot = -1
            try:
                pid_id = _proxy_id(self)
                slot = sync.slot_for(pid_id, typeid or "Proxy")
            except Exception as e:
                _fail(e)
                pid_id = None
            base = -1
            if op is not None and _proxy_blocks(methodname, args, kwds):
                base = _begin(op, slot)
            try:
                r = orig(self, methodname, args, kwds)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                sync.wait_end(base)
            if owned and pid_id is not None:
                try:
                    _proxy_owned(pid_id, slot, methodname, r, f)
                except Exception as e:
                    _fail(e)
            return r

        return _callmethod

    _agent.patch(BaseProxy, "_callmethod", make_callmethod)


def _proxy_owned(pid_id, slot, methodname, result, f):
    held = sync._proxy_held
    b = ss.PRIMS_AT + slot * ss.PRIM_WORDS if slot is not None and slot >= 0 else -1
    if methodname == "acquire" and result is not False:
        tid = get_ident()
        # Lock order: the proxies and SemLocks this thread holds, before this one.
        for other in sync.held_by_current_thread():
            if other != pid_id and (other, pid_id) not in sync._order_seen:
                sync._order_seen.add((other, pid_id))
                okind, osite = _held_kind_site(other)
                rec = sync._st.prims.get(slot) or {}
                sync.record_order(other, okind, osite, pid_id, rec.get("kind", "Lock"), sync.location(sync.site_frame(f)))
        h = held.get(pid_id)
        if h is None:
            held[pid_id] = [tid, 1, slot]
        else:
            h[0] = tid
            h[1] += 1
        if b >= 0:
            u = sync.site_frame(f)
            if u is not None:
                sync._mv[b + 1] = sync._st.code_index(u.f_code)
                sync._mv[b] = u.f_lasti or 1
    elif methodname == "release":
        h = held.get(pid_id)
        if h is not None:
            h[1] -= 1
            if h[1] <= 0:
                del held[pid_id]
                if b >= 0:
                    sync._mv[b] = 0
        else:
            sync._st.write({"t": "signal", "id": pid_id})


def _held_kind_site(pid_id):
    for o in list(sync._held):
        if o._mps_id == pid_id:
            return o._mps_kind, sync.prim_site(o._mps_slot)
    h = sync._proxy_held.get(pid_id)
    if h is not None:
        rec = sync._st.prims.get(h[2]) or {}
        return rec.get("kind", "Lock"), sync.prim_site(h[2])
    return "Lock", None
