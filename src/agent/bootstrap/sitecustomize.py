# mpscope: loads the agent into every Python process of a run, then hands over to the
# sitecustomize the user already had (the next one on sys.path), as if mpscope were not there.
# This directory is put first on PYTHONPATH by the runner; it holds nothing but this file (and
# its bytecode cache).
#
# Why so little here: this file is compiled at every interpreter start-up unless its bytecode
# is cached, and PYTHONDONTWRITEBYTECODE (common in containers and CI) keeps Python from ever
# writing that cache (mpscope_agent/startup.py writes it instead, after the first start). The
# agent's start-up is in that module, whose bytecode is cached whatever that setting. Keep this
# file parseable by any Python: an old interpreter must fail cleanly, not here.
import os as _os
import sys as _sys


def _mpscope_start():
    if _sys.version_info < (3, 8):
        if _os.environ.pop("MPSCOPE_SUPERVISE", None) == "1":
            _os._exit(3)  # the runner reports "Python 3.8 or newer is required"
        return  # e.g. a Python 2 subprocess of the program: not followed, and not disturbed
    here = _os.path.dirname(_os.path.abspath(__file__))
    root = _os.path.dirname(here)
    _sys.path.insert(0, root)
    dont_write = _sys.dont_write_bytecode
    _sys.dont_write_bytecode = False
    try:
        from mpscope_agent import startup

        startup.run()
    except Exception as e:  # never let the agent break the program
        try:
            _os.write(2, ("mpscope: agent disabled in process %d: %s: %s\n" % (_os.getpid(), type(e).__name__, e)).encode())
        except Exception:
            pass
    finally:
        _sys.dont_write_bytecode = dont_write
        # The program sees its own sys.path: neither this directory nor the agent root.
        _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") not in (here, root)]


def _mpscope_chain():
    # Import the user's own sitecustomize, if any, now that ours is off sys.path. Errors in it
    # propagate to site.py, which reports them exactly as it would without mpscope.
    mine = _sys.modules.pop("sitecustomize", None)
    try:
        import sitecustomize  # noqa: F401  (the next one on sys.path)
    except ImportError as e:
        if getattr(e, "name", None) != "sitecustomize":
            raise
        _sys.modules["sitecustomize"] = mine


_mpscope_start()
_mpscope_chain()
