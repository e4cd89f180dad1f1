"""The Agent object: what every agent module's install(agent) receives.

This is the extension point for agent modules (lifecycle.py, shm.py, sync.py, stacks.py...):

    agent.send(kind, **fields)        one message to the runner (kind and fields declared in
                                      protocol/*.json). Never raises, never blocks.
    agent.flush(timeout)              push buffered messages now (bounded wait).
    agent.on_request(kind, handler)   answer a runner request: handler(request_dict) -> dict,
                                      run in the main thread from the wake-signal handler.
    agent.when_imported(name, fn)     fn(module) right after `name` is imported (or now).
    agent.patch(owner, attr, make)    owner.attr = make(original); returns the original.
    agent.wrap(orig, before, after, cleanup)
                                      the standard wrapper: pre = before(*args) and
                                      after(pre, result, *args) run under safe(); cleanup(pre)
                                      in a finally; the original is called exactly once, and an
                                      exception from it leaves with the wrapper's frame removed
                                      from its traceback (Python 3.11+), so tracebacks look as
                                      without mpscope.
    agent.at_fork_child(fn)           fn() in a forked child, after it has reconnected.
    agent.at_exit(fn)                 fn() once at the process's exit point, before the last flush.
    agent.user_location()             {"file","line","function"} of the innermost user frame.
    agent.safe(fn, *args)             run agent code; an exception disables the agent (said once
                                      on stderr) instead of reaching the program.
    agent.enabled / agent.exiting     wrappers become pass-throughs when disabled; exiting > 0
                                      while multiprocessing's exit machinery runs.
    agent.config                      flat str->str map from the runner (MPSCOPE_CONFIG).
    agent.pid / role / helper / mp_name
"""

import os
import sys
import time

from . import frames, jsonenc
from .channel import PeerGone, encode


class Agent(object):
    def __init__(self, channel, config):
        self.channel = channel
        self.config = config
        self.strict = config.get("strict") == "1"
        self.spec = None
        self.enabled = False
        self.pid = os.getpid()
        self.role = "subprocess"
        self.helper = None
        self.mp_name = None
        self.exiting = 0
        self.finder = None
        self._requests = {}
        self._fork_children = []
        self._fork_roles = []
        self._exits = []
        self._exit_done = False
        self._said = False
        self.reported_exception = None
        # Set by the os.fork wrapper around the real fork; signals held back in the child's fork
        # hook are released by that wrapper, in the program's code (see boot._after_fork).
        self.forking = False
        self.held_sigmask = None
        if self.strict:
            from . import protocol

            self.spec = protocol.load()

    # -- messages ---------------------------------------------------------------------------
    def send(self, kind, /, **fields):
        if not self.enabled:
            return
        msg = {"t": kind, "ts": time.time() * 1000.0}
        msg.update(fields)
        self._deliver(msg, None)

    def _deliver(self, msg, line):
        """Validates msg in strict mode, then sends line (msg encoded when None). Never raises."""
        try:
            if self.spec is not None:
                from . import protocol

                protocol.check_message(self.spec, msg)
            self.channel.send_line(encode(msg) if line is None else line)
        except PeerGone:
            self.disable(None)
        except Exception as e:
            self.fail(e)

    def prepare(self, kind, /, **fields):
        """A message encoded now and sent later by send_prepared(), which adds the numbers known
        only then (a child's pid) and the time. Why: right after a fork every page the parent
        writes costs it a copy-on-write fault while the child still shares the page, and
        encoding a message touches many (measured: 0.3 ms per Process.start); formatting a
        prepared line touches a few."""
        if not self.enabled:
            return None
        msg = {"t": kind}
        msg.update(fields)
        return msg, jsonenc.dumps(msg)[:-1]  # without the closing brace

    def send_prepared(self, prepared, /, **numbers):
        if prepared is None or not self.enabled:
            return
        msg, head = prepared
        numbers["ts"] = time.time() * 1000.0
        line = head + "".join([',"%s":%r' % kv for kv in numbers.items()]) + "}\n"
        self._deliver(dict(msg, **numbers) if self.spec is not None else None, line.encode("ascii"))

    def flush(self, timeout=1.0):
        if not self.enabled:
            return
        try:
            self.channel.flush(timeout)
        except PeerGone:
            self.disable(None)
        except Exception as e:
            self.fail(e)

    def hello(self, token):
        return {
            "t": "hello",
            "ts": time.time() * 1000.0,
            "token": token,
            "pid": self.pid,
            "ppid": os.getppid(),
            "role": self.role,
            "helper": self.helper,
            "mpName": self.mp_name,
            "argv": cmdline(),
            "executable": sys.executable or "",
            "python": "%d.%d.%d" % sys.version_info[:3],
            "cwd": _cwd(),
            "wakeSignal": self.wake_signal,
        }

    wake_signal = None

    def set_role(self, role, helper=None, mp_name=None):
        if (role, helper, mp_name) == (self.role, self.helper, self.mp_name):
            return
        self.role, self.helper, self.mp_name = role, helper, mp_name
        self.send("role", role=role, helper=helper, mpName=mp_name)

    # -- requests ---------------------------------------------------------------------------
    def on_request(self, kind, handler):
        self._requests[kind] = handler

    def request_handler(self, kind):
        return self._requests.get(kind)

    def serve_requests(self):
        """Read and answer the runner's pending requests (called from the wake-signal handler)."""
        if not self.enabled:
            return
        try:
            lines = self.channel.read_requests()
        except PeerGone:
            self.disable(None)
            return
        if not lines:
            # A repeated wake: a reply the socket did not take yet goes out now.
            self.channel.pump(None)
            return
        import json

        for line in lines:
            try:
                req = json.loads(line.decode("utf-8"))
                rid = int(req.get("id"))
            except Exception:
                continue
            handler = self._requests.get(req.get("t"))
            if handler is None:
                self.send("reply", id=rid, ok=False, data=None, error="unknown request %r" % (req.get("t"),))
                continue
            try:
                data = handler(req)
            except Exception as e:
                self.send("reply", id=rid, ok=False, data=None, error="%s: %s" % (type(e).__name__, e))
            else:
                self.send("reply", id=rid, ok=True, data=data if isinstance(data, dict) else {}, error=None)
        self.flush(2.0)

    # -- extension helpers ------------------------------------------------------------------
    def when_imported(self, name, fn):
        self.finder.add(name, fn)

    def patch(self, owner, attr, make):
        original = getattr(owner, attr)
        wrapper = make(original)
        _copy_identity(wrapper, original)
        setattr(owner, attr, wrapper)
        return original

    def wrap(self, orig, before=None, after=None, cleanup=None):
        agent = self

        def wrapper(*args, **kwargs):
            pre = agent.safe(before, *args, **kwargs) if before is not None and agent.enabled else None
            try:
                result = orig(*args, **kwargs)
            except BaseException as e:
                hide_frame(e)
                raise
            finally:
                if cleanup is not None:
                    try:
                        cleanup(pre)
                    except Exception:
                        pass
            if after is not None and agent.enabled:
                agent.safe(after, pre, result, *args, **kwargs)
            return result

        return wrapper

    def at_fork_child(self, fn):
        self._fork_children.append(fn)

    def fork_role(self, fn):
        """fn() -> (role, helper, mp_name) or None: decides a forked child's role before its hello."""
        self._fork_roles.append(fn)

    def at_exit(self, fn):
        self._exits.append(fn)

    def user_location(self):
        return frames.user_location(1)

    def safe(self, fn, *args, **kwargs):
        if not self.enabled:
            return None
        try:
            return fn(*args, **kwargs)
        except PeerGone:
            self.disable(None)
        except Exception as e:
            self.fail(e)
        return None

    # -- lifecycle of the agent itself --------------------------------------------------------
    def exit_point(self, how, code=None, site=None):
        """The process is ending (atexit, os._exit, end of a multiprocessing child)."""
        if not self.enabled:
            return
        if not self._exit_done:
            self._exit_done = True
            for fn in list(self._exits):
                self.safe(fn)
            self.send("exit", how=how, code=code, site=site)
        self.flush(1.0)

    def release_held_signals(self):
        """In a forked child, back in os.fork(): let the signals that arrived during our fork
        hook be handled now. A KeyboardInterrupt is then raised from the os.fork() call, as it
        would be without mpscope."""
        old, self.held_sigmask = self.held_sigmask, None
        if old is not None:
            import _signal

            try:
                _signal.pthread_sigmask(_signal.SIG_SETMASK, old)
            except BaseException as e:
                hide_frame(e)
                raise

    def finish(self):
        """After the last flush: the interpreter is tearing down; stop quietly."""
        self.enabled = False

    def after_fork_child(self, token):
        self.pid = os.getpid()
        self.exiting = 0
        self._exit_done = False
        self.reported_exception = None
        self.channel.reset_after_fork()
        role = ("fork", None, None)
        for fn in self._fork_roles:
            r = self.safe(fn)
            if r:
                role = r
        self.role, self.helper, self.mp_name = role
        try:
            self.channel.connect(self.hello(token))
        except Exception as e:
            self.fail(e, "cannot connect to the runner")
            return
        for fn in list(self._fork_children):
            self.safe(fn)

    def disable(self, reason):
        """Stop the agent in this process. reason None: quietly (the runner went away)."""
        was = self.enabled
        self.enabled = False
        if reason and not self._said:
            self._said = True
            try:
                os.write(2, ("mpscope: agent disabled in process %d: %s\n" % (os.getpid(), reason)).encode("utf-8", "replace"))
            except Exception:
                pass
        if was or reason is None:
            try:
                self.channel.close()
            except Exception:
                pass

    def fail(self, exc, what="internal error"):
        reason = "%s (%s: %s)" % (what, type(exc).__name__, exc)
        if self.enabled:
            try:
                self.channel.send_line(encode({"t": "agent_error", "ts": time.time() * 1000.0, "message": reason}))
                self.channel.flush(0.5)
            except Exception:
                pass
        self.disable(reason)


def hide_frame(e):
    """Drop the agent's frames from a propagating exception's traceback.

    Effective on Python 3.11+, where a bare `raise` re-raises with e.__traceback__ as it is now;
    before 3.11 the interpreter keeps its own copy and the wrapper's line stays visible.
    """
    try:
        tb = getattr(e, "__traceback__", None)
        while tb is not None and frames.is_agent_file(tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        head = tb
        while tb is not None:
            nxt = tb.tb_next
            while nxt is not None and frames.is_agent_file(nxt.tb_frame.f_code.co_filename):
                nxt = nxt.tb_next
            tb.tb_next = nxt
            tb = nxt
        e.__traceback__ = head
    except Exception:
        pass


def _copy_identity(wrapper, original):
    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(wrapper, name, getattr(original, name))
        except Exception:
            pass
    try:
        wrapper.__wrapped__ = original
    except Exception:
        pass


def _cwd():
    try:
        return os.getcwd()
    except OSError:
        return ""


def cmdline():
    """The full command line (sys.argv hides the code of `python -c`, which names helpers)."""
    argv = getattr(sys, "orig_argv", None)
    if argv:
        return list(argv)
    try:
        with open("/proc/self/cmdline", "rb") as f:
            data = f.read()
        return [os.fsdecode(a) for a in data.split(b"\0") if a]
    except Exception:
        return list(getattr(sys, "argv", []))
