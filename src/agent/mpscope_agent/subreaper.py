"""Fork mode's first step, in the process the runner started: become the run's subreaper, fork,
and let the parent become the supervisor (supervisor.py).

This module stays small because the script imports it before the fork, on its way to the
user's first line; the supervisor's own code is imported by the parent only, after the fork.
prctl(2) goes through _ctypes alone: the ctypes package around it costs milliseconds.
"""

import os
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_prctl_fn = []


def prctl(option, value):
    """prctl(option, value) of this process; False where it fails or does not exist."""
    try:
        if not _prctl_fn:
            _prctl_fn.append(_load_prctl())
        fn, ulong = _prctl_fn[0]
        return fn(option, ulong(value), ulong(0), ulong(0), ulong(0)) == 0
    except Exception:
        return False


def _load_prctl():
    """(libc's prctl, c_ulong), built from _ctypes' own types."""
    import _ctypes

    class c_int(_ctypes._SimpleCData):
        _type_ = "i"

    class c_ulong(_ctypes._SimpleCData):
        _type_ = "L"

    class CFunction(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
        _restype_ = c_int

    class Program(object):
        _handle = _ctypes.dlopen(None, _ctypes.RTLD_LOCAL)  # the program itself, with its libc

    return CFunction(("prctl", Program())), c_ulong


def fork_supervisor():
    """Called by bootstrap/sitecustomize.py in the process the runner started (`python
    script.py args`, exactly as the user would run it): fork; the parent becomes the supervisor
    and never returns; the child returns and becomes the script, with its command line,
    sys.argv and sys.executable untouched, and without a second interpreter start-up.

    The process becomes the run's subreaper before it forks (the attribute is not inherited by
    the child): the script never has to wait for its supervisor, however late the supervisor
    gets a CPU, before it may create processes whose orphans must come to us."""
    subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1)
    try:
        pid = os.fork()
    except BaseException:
        if subreaper:
            prctl(PR_SET_CHILD_SUBREAPER, 0)  # no supervisor: the script must not adopt orphans
        raise
    if pid == 0:
        return
    # The parent: whatever happens from here on, it must never return into the program.
    code = 1
    try:
        import _signal

        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a terminal's Ctrl-C is for the script
        sys.dont_write_bytecode = False  # our own process: cache the supervisor's bytecode
        from .supervisor import run_forked

        code = run_forked(pid, subreaper)
    except BaseException as e:
        try:
            sys.stderr.write("mpscope supervisor: %s: %s\n" % (type(e).__name__, e))
        except Exception:
            pass
    finally:
        try:
            sys.stderr.flush()
        except Exception:
            pass
        os._exit(code if isinstance(code, int) else 1)
