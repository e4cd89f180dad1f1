"""Starts the agent in a process: called by bootstrap/sitecustomize.py at interpreter startup.

Order: read the run's environment, decide the process's role from its command line, connect
(hello with the run token), install the wake-signal handler and the fork hooks, then every agent
module's install(agent) in MODULES order. Any failure disables the agent (one line on stderr)
and the program runs as if mpscope were not there.
"""

import os
import sys

from . import protocol
from .agent import Agent, cmdline
from .channel import Channel
from .hooks import PostImportFinder

# Agent modules, each with install(agent). Add yours here (see ../README.md).
MODULES = ("output", "startmethod", "lifecycle", "shm", "sync")
# Agent modules that only answer a runner request, loaded when the first such request arrives
# (most processes never get one): request kind -> module, whose install(agent) registers the
# handler. Importing them at start-up would cost every process of the run.
ON_REQUEST = {"dump_stacks": "stacks"}
# Agent modules that do nothing unless the run's config sets a key: module -> key. Without the
# key they are not even imported.
WHEN_CONFIGURED = {"startmethod": "startMethod", "output": "prefixOutput"}

_agent = None


def get():
    """The running Agent of this process, or None."""
    return _agent


def parse_config(text):
    """MPSCOPE_CONFIG is a flat "key=value;key=value" map (no json import at startup)."""
    out = {}
    for part in (text or "").split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def role_from_cmdline(argv):
    """(role, helper) of a process that was exec'd (not forked), from its command line."""
    joined = " ".join(argv)
    if "--multiprocessing-fork" in argv:
        return "child", None
    if "multiprocessing.resource_tracker" in joined or "multiprocessing.semaphore_tracker" in joined:
        return "helper", "resource_tracker"
    if "multiprocessing.forkserver" in joined:
        return "helper", "forkserver"
    return "subprocess", None


def start():
    global _agent
    env = os.environ
    path = env.get(protocol.ENV_SOCKET)
    token = env.get(protocol.ENV_TOKEN)
    if not path or not token or _agent is not None:
        return None
    is_main = env.get(protocol.ENV_MAIN) == "1"
    if is_main:
        # Only the script's own process is "main"; its children must not inherit the marker.
        try:
            del env[protocol.ENV_MAIN]
        except Exception:
            pass
    config = parse_config(env.get(protocol.ENV_CONFIG))
    agent = Agent(Channel(path, token), config)
    if is_main:
        agent.role = "main"
    else:
        agent.role, agent.helper = role_from_cmdline(cmdline())
    agent.wake_signal = _install_wake_signal(agent)
    try:
        agent.channel.connect(agent.hello(token))
    except Exception as e:
        if config.get("origin") == "terminal":
            # Started from a VS Code terminal (mpscope.terminal.injectAgent) whose listener is
            # gone (setting turned off, window closed or reloading): not following is expected,
            # so stay silent and leave the process exactly as it was.
            _restore_wake_signal(agent.wake_signal)
            return None
        agent.fail(e, "cannot connect to the runner")
        return None
    agent.enabled = True
    _agent = agent
    agent.finder = PostImportFinder(agent.safe)
    sys.meta_path.insert(0, agent.finder)
    if hasattr(os, "register_at_fork"):
        _held_signals()
        os.register_at_fork(after_in_child=lambda: _after_fork(agent, token))
    import atexit

    atexit.register(_at_exit, agent)
    agent.on_request("ping", lambda req: {"pid": agent.pid})
    for kind, name in ON_REQUEST.items():
        agent.on_request(kind, _install_on_request(agent, kind, name))
    for name in MODULES:
        if not agent.enabled:
            break
        if name in WHEN_CONFIGURED and not config.get(WHEN_CONFIGURED[name]):
            continue
        try:
            _import(name).install(agent)
        except Exception as e:
            agent.fail(e, "module %s failed to install" % name)
    return agent


def _import(name):
    return __import__("mpscope_agent." + name, fromlist=["install"])


def _install_on_request(agent, kind, name):
    """A request handler that installs module `name`, then hands the request to the handler
    the module registered for `kind`."""

    def handler(req):
        _import(name).install(agent)
        real = agent.request_handler(kind)
        if real is handler:
            raise RuntimeError("module %s did not register a %s handler" % (name, kind))
        return real(req)

    return handler


def _after_fork(agent, token):
    # Runs in the child of every fork, also when the agent is disabled in the parent.
    if not agent.enabled:
        return
    # An exception in a fork hook is printed and swallowed by the interpreter: a Ctrl-C arriving
    # while we reconnect would be lost. Hold back signals until the hook returns; those with
    # Python handlers are then handled in the program's code, as without mpscope.
    # Restoring them inside the hook would not do: the interpreter checks for pending signals
    # right after that call returns, still inside the hook. When the fork came through our
    # os.fork wrapper (multiprocessing's does), the wrapper releases them in the child instead.
    old = _hold_signals()
    try:
        agent.after_fork_child(token)
    except Exception as e:
        agent.fail(e)
    finally:
        if old is not None:
            if agent.forking:
                agent.held_sigmask = old
            else:
                _restore_signals(old)


# What _hold_signals holds back: every signal but those the kernel sends for a fault in
# the running code. Made once, at start-up: the hook runs in every forked child, where each page
# it touches costs a copy-on-write fault, and asking each signal for its handler there cost more
# than the rest of the hook. A signal without a Python handler only waits the hook's few hundred
# microseconds, then acts as it would have.
_HELD_SIGNALS = None


def _held_signals():
    global _HELD_SIGNALS
    if _HELD_SIGNALS is None:
        import _signal

        faults = {getattr(_signal, n) for n in ("SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGTRAP", "SIGSYS") if hasattr(_signal, n)}
        _HELD_SIGNALS = [s for s in _signal.valid_signals() if s not in faults]
    return _HELD_SIGNALS


def _hold_signals():
    try:
        import _signal

        return _signal.pthread_sigmask(_signal.SIG_BLOCK, _held_signals())
    except Exception:
        return None


def _restore_signals(old):
    import _signal

    _signal.pthread_sigmask(_signal.SIG_SETMASK, old)


def _at_exit(agent):
    """Registered first, so it runs last: after multiprocessing joined the children."""
    if not agent.enabled:
        return
    # An uncaught exception: the interpreter printed it and set sys.last_value before atexit.
    # In a multiprocessing child it can only come from bootstrapping (run() errors are caught
    # by BaseProcess._bootstrap), e.g. the spawn RuntimeError of a script without a main guard.
    exc = getattr(sys, "last_value", None)
    if exc is not None and exc is not agent.reported_exception and not isinstance(exc, SystemExit):
        from . import lifecycle

        where = "main" if agent.role in ("main", "subprocess", "fork") else "bootstrap"
        agent.safe(lifecycle.report_exception, where, exc)
    # Drop our reference: the exception's traceback holds the frames, and through them the
    # module globals. The interpreter clears sys.last_value before it tears modules down so
    # that their objects' __del__ run; a reference kept here would silently skip them.
    exc = None
    agent.reported_exception = None
    agent.exit_point("atexit")
    agent.finish()


def _install_wake_signal(agent):
    """The runner's requests arrive with SIGURG: ignored by default and almost never used, so
    installing a handler for it changes nothing for the program (Go's runtime uses it likewise)."""
    try:
        import _signal

        signum = getattr(_signal, protocol.WAKE_SIGNAL)
        if _signal.getsignal(signum) != _signal.SIG_DFL:
            return None

        def on_wake(signum, frame):
            agent.safe(agent.serve_requests)

        _signal.signal(signum, on_wake)
        return int(signum)
    except Exception:
        return None


def _restore_wake_signal(signum):
    """Undo _install_wake_signal (the agent did not start in this process)."""
    if signum is None:
        return
    try:
        import _signal

        _signal.signal(signum, _signal.SIG_DFL)
    except Exception:
        pass
