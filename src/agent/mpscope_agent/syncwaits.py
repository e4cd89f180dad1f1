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

A queue or a pipe end caches its record slot in `_mps_slot` (class default None), read as a plain
attribute. Never through `obj.__dict__` or vars(obj): from Python 3.11 on, that turns the
object's inline attribute values into a dict for good, and every attribute access in the
object's own methods (Queue.put reads six) is slower from then on.
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
    if hasattr(os, "register_at_fork"):
        # A forked child has its own state file, where no put is recorded yet.
        os.register_at_fork(after_in_child=_put_sites.clear)


def _fail(e):
    _agent.fail(e, "deadlock instrumentation")


_begin = sync.wait_begin  # never raises: it disables the agent instead
_end = sync.wait_end
OP_GET = ss.OP_QUEUE_GET
OP_PUT = ss.OP_QUEUE_PUT


# -- queues ---------------------------------------------------------------------------------------------
def _patch_queues(mod):
    Queue = mod.Queue
    JoinableQueue = mod.JoinableQueue
    SimpleQueue = mod.SimpleQueue
    Queue._mps_slot = None  # see the module's doc
    SimpleQueue._mps_slot = None
    unbounded = _sem_value_max()

    # Unpickled queues (spawn, forkserver): their semaphores were tracked as the program's when
    # they were unpickled; they are internal. (A queue created here had them untracked at
    # creation: sync.py sees that multiprocessing's own code creates them.)
    def make_setstate(orig):
        def __setstate__(self, state):
            try:
                orig(self, state)
            except BaseException as e:
                hide_frame(e)
                raise
            try:
                sync.untrack_all(self)
            except Exception as e:
                _fail(e)

        return __setstate__

    for cls in (Queue, JoinableQueue, SimpleQueue):
        if "__setstate__" in cls.__dict__:
            _agent.patch(cls, "__setstate__", make_setstate)

    # The two hot wrappers of the queue benchmarks: kept lean (cached slot, inlined checks).
    def make_get(orig):
        def get(self, block=True, timeout=None):
            base = -1
            if block and timeout is None:
                try:
                    slot = self._mps_slot
                    if slot is None:
                        slot = _queue_slot(self)
                    base = _begin(OP_GET, slot)
                except Exception as e:
                    _fail(e)
            try:
                return orig(self, block, timeout)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    _end(base)

        return get

    def make_put(orig):
        def put(self, obj, block=True, timeout=None):
            base = -1
            try:
                slot = self._mps_slot
                if slot is None:
                    slot = _queue_slot(self)
                if slot >= 0:
                    # The record keeps the line of the last put; it is written again only when
                    # the call site is not the one written last (a put in a loop: once).
                    f = _getframe(1)
                    site = _put_sites.get(slot)
                    if site is None or site[1] != f.f_lasti or site[0] is not f.f_code:
                        _note_put(slot, f)
                # An unbounded queue never blocks in put (its feeder thread writes the pipe).
                if block and timeout is None and self._maxsize < unbounded:
                    base = _begin(OP_PUT, slot)
            except Exception as e:
                _fail(e)
            try:
                return orig(self, obj, block, timeout)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if base >= 0:
                    _end(base)

        return put

    _agent.patch(Queue, "get", make_get)
    _agent.patch(Queue, "put", make_put)
    if "put" in JoinableQueue.__dict__:
        _agent.patch(JoinableQueue, "put", make_put)
    _agent.patch(JoinableQueue, "join", _blocking(ss.OP_QUEUE_JOIN, _queue_slot))
    _agent.patch(SimpleQueue, "get", _blocking(ss.OP_QUEUE_GET, _queue_slot))


def _queue_slot(q):
    """The record slot of a queue (cached on it: queues pickle an explicit state, so the cached
    slot stays in this process)."""
    s = q._mps_slot
    if s is None:
        mod = sys.modules["multiprocessing.queues"]
        kind = "JoinableQueue" if isinstance(q, mod.JoinableQueue) else "SimpleQueue" if isinstance(q, mod.SimpleQueue) else "Queue"
        s = sync.slot_for(sync.semlock_id(q._rlock), kind)
        q._mps_slot = s
    return s


def _sem_value_max():
    """The maxsize of a Queue created without one (multiprocessing.queues has loaded
    _multiprocessing by the time it is patched)."""
    try:
        from _multiprocessing import SemLock

        return SemLock.SEM_VALUE_MAX
    except Exception:  # pragma: no cover
        return 2147483647


# slot -> (code, bytecode offset) of the put written into the queue's record, while the record
# holds it (a call site in user code; a put from a library's frame is always written again).
_put_sites = {}


def _note_put(slot, f):
    """Where the last put on a queue was, in its record (named by the feeder-thread hazard)."""
    try:
        code = f.f_code
        user = sync._USER_CACHE.get(code.co_filename)
        if user is None:
            user = sync._is_user_file(code.co_filename)
        if user:
            _put_sites[slot] = (code, f.f_lasti)
        else:
            _put_sites.pop(slot, None)
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


def _blocking(op, slot_of, extra_of=None, may_block=None, timed=False):
    """The wrapper factory of the blocking calls recorded as waits (other than Queue.get/put):
    fn(self), or with timed=True fn(self, timeout=None), recorded when timeout is None. The
    record is written unless may_block(self) says the call cannot block; slot_of(self) is the
    primitive waited on, extra_of(self) the record's extra word (a pid, a thread id)."""

    def begin(self):
        try:
            if may_block is None or may_block(self):
                return _begin(op, slot_of(self), extra_of(self) if extra_of is not None else 0)
        except Exception as e:
            _fail(e)
        return -1

    def make(orig):
        if timed:

            def wrapper(self, timeout=None):
                base = begin(self) if timeout is None else -1
                try:
                    return orig(self, timeout)
                except BaseException as e:
                    hide_frame(e)
                    raise
                finally:
                    if base >= 0:
                        _end(base)

        else:

            def wrapper(self):
                base = begin(self)
                try:
                    return orig(self)
                except BaseException as e:
                    hide_frame(e)
                    raise
                finally:
                    if base >= 0:
                        _end(base)

        return wrapper

    return make


# -- Pipe ends ------------------------------------------------------------------------------------------------
def _conn_slot(conn):
    s = conn._mps_slot
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
    Base._mps_slot = None  # see the module's doc

    # (Inside a proxy call or another recorded wait, the outer record stays.)
    _agent.patch(Base, "recv", _blocking(ss.OP_RECV, _conn_slot))

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
def _no_slot(obj):
    return -1


def _process_pid(p):
    popen = getattr(p, "_popen", None)
    return getattr(popen, "pid", None) or 0


def _patch_process(mod):
    _agent.patch(mod.BaseProcess, "join", _blocking(ss.OP_PROCESS_JOIN, _no_slot, _process_pid, timed=True))


def _patch_threading(mod):
    _agent.patch(
        mod.Thread,
        "join",
        _blocking(ss.OP_THREAD_JOIN, _no_slot, lambda t: t.ident or 0, lambda t: t.ident is not None, timed=True),
    )


# -- Event, Condition, Barrier -------------------------------------------------------------------------------------
def _cond_slot(cond):
    lock = cond._lock
    slot = getattr(lock, "_mps_slot", -1)
    if slot is None or slot < 0:
        slot = sync.slot_for(sync.semlock_id(lock), "Condition")
    return slot


def _patch_synchronize(mod):
    _agent.patch(mod.Event, "wait", _blocking(ss.OP_EVENT, lambda e: sync.slot_for(sync.semlock_id(e._flag), "Event"), timed=True))
    _agent.patch(mod.Condition, "wait", _blocking(ss.OP_CONDITION, _cond_slot, timed=True))
    # Barrier.wait is threading.Barrier's, on the multiprocessing Condition. A barrier created
    # with a default timeout never blocks forever.
    _agent.patch(
        mod.Barrier,
        "wait",
        _blocking(
            ss.OP_BARRIER,
            lambda b: sync.slot_for(sync.semlock_id(b._cond._lock), "Barrier"),
            None,
            lambda b: b._timeout is None,
            timed=True,
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
    _agent.patch(mod.ApplyResult, "wait", _blocking(ss.OP_POOL_RESULT, _pool_slot, None, lambda r: not r.ready(), timed=True))
    it = mod.IMapIterator
    _agent.patch(it, "next", _blocking(ss.OP_POOL_RESULT, _pool_slot, timed=True))
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
                _end(base)
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
