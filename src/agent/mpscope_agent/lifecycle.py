"""Process lifecycle recording: who starts which process where, joins, terminations, exits,
exit statuses, uncaught exceptions in children, and the helper processes.

Everything here wraps standard-library functions with agent.wrap(): the caller's source
location is taken BEFORE the call, the original runs exactly once with the same arguments, and
the report goes out AFTER it. Agent code runs under agent.safe(), so it never raises into the
program, and a disabled agent leaves every wrapper a plain pass-through.
"""

import os
import sys
import time
from _thread import get_ident

from . import frames
from .agent import hide_frame

_agent = None
# thread ident -> (the BaseProcess being started by that thread, its process_start message made
# by agent.prepare). A forked child inherits this and learns from it that it is that Process
# (before it has run a line of multiprocessing code), and sends the message: see after_start.
_starting = {}
_own_start = None
# thread ident -> stack of owner ids (Pool/ProcessPoolExecutor) whose workers are being started.
_owners = {}
# Code object of the original BaseProcess._bootstrap (to recognise its traceback.print_exc()).
_bootstrap_code = []

POOL_WORKER = ("multiprocessing.pool", "worker")
EXECUTOR_WORKER = ("concurrent.futures.process", "_process_worker")


def install(agent):
    global _agent
    _agent = agent
    _patch_os(agent)
    agent.fork_role(_fork_role)
    agent.at_fork_child(_report_own_start)
    agent.when_imported("multiprocessing.process", _patch_process)
    agent.when_imported("multiprocessing.util", _patch_util)
    agent.when_imported("multiprocessing.pool", _patch_pool)
    agent.when_imported("concurrent.futures.process", _patch_executor)
    agent.when_imported("subprocess", _patch_subprocess)
    agent.when_imported("traceback", _patch_traceback)
    if agent.helper == "forkserver":
        server = os.getpid()
        agent.at_fork_child(lambda: os.getppid() == server and _forkserver_child())


def _now():
    return time.time() * 1000.0


def _at_exit():
    return _agent.exiting > 0


def _site(*args, **kwargs):
    return frames.user_location(1)


# -- os: fork, _exit, wait* ---------------------------------------------------------------------
def _patch_os(agent):
    if hasattr(os, "fork"):

        def make_fork(orig):
            def fork():
                # A Process.start() says more about this child in its own message.
                starting = _starting.get(get_ident())
                site = agent.safe(frames.user_location, 1) if agent.enabled and not starting else None
                agent.forking = True
                try:
                    pid = orig()
                except BaseException as e:
                    agent.forking = False
                    hide_frame(e)
                    raise
                agent.forking = False
                if pid == 0:
                    agent.release_held_signals()
                elif agent.enabled and not starting:
                    agent.safe(agent.send, "fork", child=pid, site=site)
                return pid

            return fork

        agent.patch(os, "fork", make_fork)

    def before_exit(n):
        code = n if isinstance(n, int) and not isinstance(n, bool) else None
        _agent.exit_point("os._exit", code, frames.user_location(1))

    agent.patch(os, "_exit", lambda orig: agent.wrap(orig, before_exit))

    def after_wait(pre, r, *args):
        # The call site only when a child was reaped: multiprocessing polls with WNOHANG (every
        # Process.exitcode, a Pool's worker handler each tenth of a second), and the caller's
        # frames are the same after the call as before it.
        if r[0] > 0:
            _reaped(r[0], r[1], frames.user_location(1))

    for name in ("waitpid", "wait", "wait3", "wait4"):
        if hasattr(os, name):
            agent.patch(os, name, lambda orig: agent.wrap(orig, None, after_wait))


def _reaped(pid, status, site):
    if os.WIFEXITED(status):
        code, sig = os.WEXITSTATUS(status), None
    elif os.WIFSIGNALED(status):
        code, sig = None, os.WTERMSIG(status)
    else:
        return  # stopped or continued: not an exit
    _agent.send("reaped", child=pid, exitcode=code, signal=sig, atExit=_at_exit(), site=site)


def _report_own_start():
    """In a child forked by Process.start(), once it has reconnected: the start, said by the
    child for its parent (see after_start)."""
    global _own_start
    message, _own_start = _own_start, None
    if message is not None:
        _agent.send_prepared(message, child=os.getpid())


def _fork_role():
    """In a forked child: a Process whose start() forked us, or a plain os.fork()."""
    global _own_start
    p, _own_start = _starting.get(get_ident(), (None, None))
    _starting.clear()
    _owners.clear()
    if p is None:
        return None
    kind, _ = classify(p)
    role, helper = _role_of(kind)
    return role, helper, _name(p)


# -- multiprocessing.process ----------------------------------------------------------------------
def classify(p):
    """(kind, target name) of a Process: process, pool-worker, executor-worker or manager."""
    target = getattr(p, "_target", None)
    if target is None:
        return "process", "%s.run" % type(p).__qualname__
    mod = getattr(target, "__module__", "") or ""
    qual = getattr(target, "__qualname__", getattr(target, "__name__", "")) or ""
    if (mod, qual) == POOL_WORKER:
        return "pool-worker", "%s.%s" % (mod, qual)
    if (mod, qual) == EXECUTOR_WORKER:
        return "executor-worker", "%s.%s" % (mod, qual)
    if mod == "multiprocessing.managers" and qual.endswith("._run_server"):
        return "manager", "%s.%s" % (mod, qual)
    return "process", ("%s.%s" % (mod, qual)) if mod else qual


def _role_of(kind):
    if kind == "manager":
        return "helper", "manager"
    if kind in ("pool-worker", "executor-worker"):
        return "worker", None
    return "child", None


def _name(p):
    try:
        return str(p.name)
    except Exception:
        return None


def _popen_pid(p):
    popen = getattr(p, "_popen", None)
    return getattr(popen, "pid", None) if popen is not None else None


def _start_method(p):
    m = getattr(p, "_start_method", None)
    if m:
        return m
    try:
        from multiprocessing import context

        # The method start() uses, read without fixing it as get_start_method() would (before
        # the first start a program may still call set_start_method()).
        d = context._default_context
        return (d._actual_context or d._default_context)._name
    except Exception:
        return None


def _current_owner():
    stack = _owners.get(get_ident())
    return stack[-1] if stack else None


def _push_owner(oid):
    _owners.setdefault(get_ident(), []).append(oid)
    return oid


def _pop_owner(pushed):
    if pushed is None:
        return
    stack = _owners.get(get_ident())
    if stack:
        stack.pop()


def _patch_process(mod):
    BP = mod.BaseProcess
    agent = _agent

    def before_start(p):
        # start() deletes _target once the child is launched: classify before.
        site = frames.user_location(1)
        kind, target = classify(p)
        tid = get_ident()
        prev = _starting.get(tid)
        # Encoded before the fork: see after_start.
        message = agent.prepare(
            "process_start",
            by=agent.pid,
            began=_now(),
            name=_name(p) or "",
            daemon=bool(getattr(p, "daemon", False)),
            kind=kind,
            target=target,
            startMethod=_start_method(p),
            owner=_current_owner(),
            site=site,
        )
        _starting[tid] = (p, message)
        return (message, tid, prev)

    def restore_starting(pre):
        if pre is None:
            return
        _, tid, prev = pre[:3]
        if prev is None:
            _starting.pop(tid, None)
        else:
            _starting[tid] = prev

    def after_start(pre, result, p):
        pid = _popen_pid(p)
        if pid is None or pre is None:
            return
        if type(p._popen).__module__ == "multiprocessing.popen_fork":
            # Forked by this process: the child sends the message (_report_own_start). Right
            # after a fork every page the parent writes costs it a copy-on-write fault while
            # the child shares the page; sending from here took ~0.3 ms per start, on the
            # program's own time (a Pool starts its workers one after the other).
            return
        agent.send_prepared(pre[0], child=pid)

    agent.patch(BP, "start", lambda orig: agent.wrap(orig, before_start, after_start, restore_starting))

    def before_join(p, timeout=None):
        return (_now(), frames.user_location(1))

    def after_join(pre, result, p, timeout=None):
        popen = getattr(p, "_popen", None)
        if popen is None or pre is None:
            return
        agent.send(
            "join",
            child=popen.pid,
            timeout=timeout if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None,
            exitcode=getattr(popen, "returncode", None),
            began=pre[0],
            atExit=_at_exit(),
            site=pre[1],
        )

    agent.patch(BP, "join", lambda orig: agent.wrap(orig, before_join, after_join))

    def control(op):
        def before(p, *args):
            return (_popen_pid(p), frames.user_location(1))

        def after(pre, result, p, *args):
            if pre and pre[0] is not None:
                agent.send("control", op=op, child=pre[0], atExit=_at_exit(), site=pre[1])

        return lambda orig: agent.wrap(orig, before, after)

    for op in ("terminate", "kill", "close"):
        if hasattr(BP, op):
            agent.patch(BP, op, control(op))

    def before_bootstrap(p, *args, **kwargs):
        while _restore_after_bootstrap:
            _restore_after_bootstrap.pop()()
        kind, _ = classify(p)
        role, helper = _role_of(kind)
        agent.set_role(role, helper, _name(p))

    def after_bootstrap(pre, code, p, *args, **kwargs):
        agent.exit_point("bootstrap", code if isinstance(code, int) else None, None)

    _bootstrap_code.append(BP._bootstrap.__code__)
    agent.patch(BP, "_bootstrap", lambda orig: agent.wrap(orig, before_bootstrap, after_bootstrap))


def _patch_traceback(mod):
    """An uncaught exception in a child's run(): BaseProcess._bootstrap catches it and prints it
    with traceback.print_exc(). We read it there, from the caller's frame, without wrapping
    run() (a wrapper frame would show in the printed traceback)."""

    def before(*args, **kwargs):
        caller = sys._getframe(1)
        while caller is not None and frames.is_agent_file(caller.f_code.co_filename):
            caller = caller.f_back
        if caller is not None and caller.f_code in _bootstrap_code:
            e = sys.exc_info()[1]
            if e is not None:
                report_exception("run", e)

    _agent.patch(mod, "print_exc", lambda orig: _agent.wrap(orig, before))


def _forkserver_child():
    """A child of the forkserver reports errors before run() (e.g. unpickling the Process) with
    sys.excepthook, then os._exit. Watch that one call, only until the child is bootstrapped."""
    original = sys.excepthook

    def excepthook(exc_type, exc, tb):
        if _agent.enabled and sys.excepthook is excepthook:
            _agent.safe(report_exception, "bootstrap", exc)
        return original(exc_type, exc, tb)

    sys.excepthook = excepthook

    def restore():
        if sys.excepthook is excepthook:
            sys.excepthook = original

    _restore_after_bootstrap.append(restore)


_restore_after_bootstrap = []


def report_exception(where, e):
    if e is _agent.reported_exception:
        return
    _agent.reported_exception = e
    frames_, site = frames.traceback_locations(getattr(e, "__traceback__", None))
    if isinstance(e, SyntaxError) and getattr(e, "filename", None) and site is None:
        site = {"file": frames.absolute(e.filename), "line": int(e.lineno or 0), "function": "<module>"}
    try:
        message = str(e)
    except Exception:
        message = "<unprintable %s>" % type(e).__name__
    _agent.send(
        "exception",
        where=where,
        type=type(e).__name__,
        message=message[:4000],
        frames=frames_,
        site=site,
    )
    _agent.flush(1.0)


# -- multiprocessing.util: the exit machinery ----------------------------------------------------------
def _exiting(orig):
    def enter(*args, **kwargs):
        _agent.exiting += 1
        return True

    def leave(pre):
        if pre:
            _agent.exiting -= 1

    return _agent.wrap(orig, enter, None, leave)


def _replace_atexit(orig, wrapper):
    import atexit

    atexit.unregister(orig)
    atexit.register(wrapper)


def _patch_util(mod):
    # multiprocessing registered _exit_function with atexit when util was imported: swap the
    # wrapper in at the same position, so the order of exit handlers does not change.
    # BaseProcess._bootstrap looks it up by name, so the module attribute is replaced too.
    orig = _agent.patch(mod, "_exit_function", _exiting)
    _replace_atexit(orig, mod._exit_function)


# -- Pool and ProcessPoolExecutor: owners of worker processes ------------------------------------
def _send_owner(op, oid, typ, site):
    _agent.send("owner", op=op, id=oid, type=typ, atExit=_at_exit(), site=site)


def _pool_owner_id(pool_list):
    return "pool:%d:%x" % (os.getpid(), id(pool_list))


def _patch_pool(mod):
    Pool = mod.Pool
    ThreadPool = getattr(mod, "ThreadPool", None)
    agent = _agent

    def is_process_pool(p):
        return ThreadPool is None or not isinstance(p, ThreadPool)

    def owner_op(op):
        def after(site, result, p, *args, **kwargs):
            if is_process_pool(p) and getattr(p, "_pool", None) is not None:
                _send_owner(op, _pool_owner_id(p._pool), "Pool", site)

        return lambda orig: agent.wrap(orig, _site, after)

    agent.patch(Pool, "__init__", owner_op("create"))
    for op in ("close", "terminate", "join"):
        agent.patch(Pool, op, owner_op(op))

    static = Pool.__dict__.get("_repopulate_pool_static")
    if isinstance(static, staticmethod):

        def push(*args, **kwargs):
            pool_list = args[3] if len(args) > 3 else kwargs.get("pool")
            return _push_owner(_pool_owner_id(pool_list)) if pool_list is not None else None

        Pool._repopulate_pool_static = staticmethod(agent.wrap(static.__func__, push, None, _pop_owner))


def _executor_owner_id(ex):
    return "executor:%d:%x" % (os.getpid(), id(ex))


def _patch_executor(mod):
    PPE = mod.ProcessPoolExecutor
    agent = _agent

    def owner_op(op):
        def after(site, result, ex, *args, **kwargs):
            _send_owner(op, _executor_owner_id(ex), "ProcessPoolExecutor", site)

        return lambda orig: agent.wrap(orig, _site, after)

    agent.patch(PPE, "__init__", owner_op("create"))
    agent.patch(PPE, "shutdown", owner_op("shutdown"))

    def push(ex, *args, **kwargs):
        return _push_owner(_executor_owner_id(ex))

    for name in (
        "_adjust_process_count",
        "_launch_processes",
        "_spawn_process",
        "_start_executor_manager_thread",
        "_start_queue_management_thread",
    ):
        if name in PPE.__dict__:
            agent.patch(PPE, name, lambda orig: agent.wrap(orig, push, None, _pop_owner))

    # At interpreter exit the module joins its executors (from threading's exit hooks in 3.9+,
    # atexit before): mark that time as "at exit" for the joins it causes.
    orig_exit = getattr(mod, "_python_exit", None)
    if orig_exit is not None:
        agent.patch(mod, "_python_exit", _exiting)
        wrapper = mod._python_exit
        threading = sys.modules.get("threading")
        hooks = getattr(threading, "_threading_atexits", None)
        if isinstance(hooks, list) and orig_exit in hooks:
            hooks[hooks.index(orig_exit)] = wrapper
        else:
            _replace_atexit(orig_exit, wrapper)


# -- subprocess ----------------------------------------------------------------------------------------
def _args_list(args):
    try:
        if isinstance(args, (str, bytes)) or hasattr(args, "__fspath__"):
            return [os.fsdecode(args)]
        return [os.fsdecode(a) if isinstance(a, (str, bytes)) or hasattr(a, "__fspath__") else str(a) for a in args]
    except Exception:
        return []


def _patch_subprocess(mod):
    def after(site, result, popen, *args, **kwargs):
        pid = getattr(popen, "pid", None)
        if pid:
            _agent.send("popen", child=pid, args=_args_list(getattr(popen, "args", [])), site=site)

    def before(*args, **kwargs):
        return frames.user_location(1)

    if hasattr(mod.Popen, "_execute_child"):
        _agent.patch(mod.Popen, "_execute_child", lambda orig: _agent.wrap(orig, before, after))
