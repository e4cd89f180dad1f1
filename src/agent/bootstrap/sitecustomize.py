# mpscope: loads the agent into every Python process of a run, then hands over to the
# sitecustomize the user already had (the next one on sys.path), as if mpscope were not there.
# This directory is put first on PYTHONPATH by the runner; it holds nothing but this file.
import os as _os
import sys as _sys


def _mpscope_boot():
    here = _os.path.dirname(_os.path.abspath(__file__))
    agent_root = _os.path.dirname(here)
    try:
        _sys.path.insert(0, agent_root)
        try:
            from mpscope_agent import boot
        finally:
            # The program sees its own sys.path: neither our bootstrap dir nor the agent root.
            _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") not in (here, agent_root)]
        boot.start()
    except Exception as e:  # never let the agent break the program
        try:
            _os.write(2, ("mpscope: agent disabled in process %d: %s: %s\n" % (_os.getpid(), type(e).__name__, e)).encode())
        except Exception:
            pass


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


_mpscope_boot()
_mpscope_chain()
