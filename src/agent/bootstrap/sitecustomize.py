# mpscope: loads the agent into every Python process of a run, then hands over to the
# sitecustomize the user already had (the next one on sys.path), as if mpscope were not there.
# This directory is put first on PYTHONPATH by the runner; it holds nothing but this file.
# Keep this file parseable by any Python: an old interpreter must fail cleanly, not here.
import os as _os
import sys as _sys


def _mpscope_import(supervise):
    """The agent's boot module (and the one that forks the supervisor), without leaving the
    agent on sys.path."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    agent_root = _os.path.dirname(here)
    _sys.path.insert(0, agent_root)
    # Cache our own bytecode even when the user turned that off (PYTHONDONTWRITEBYTECODE): the
    # agent loads in every process, and compiling it each time would slow every start-up.
    dont_write = _sys.dont_write_bytecode
    _sys.dont_write_bytecode = False
    try:
        from mpscope_agent import boot

        if supervise:
            from mpscope_agent import subreaper
        else:
            subreaper = None
    finally:
        _sys.dont_write_bytecode = dont_write
        # The program sees its own sys.path: neither our bootstrap dir nor the agent root.
        _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") not in (here, agent_root)]
    return boot, subreaper


def _mpscope_start():
    supervise = _os.environ.pop("MPSCOPE_SUPERVISE", None) == "1"
    if _sys.version_info < (3, 8):
        if supervise:
            _os._exit(3)  # the runner reports "Python 3.8 or newer is required"
        return  # e.g. a Python 2 subprocess of the program: not followed, and not disturbed
    try:
        boot, subreaper = _mpscope_import(supervise)
        if subreaper is not None:
            # The process the runner started: it forks, and this parent becomes the run's
            # supervisor (it never comes back here); the child goes on as the script itself.
            subreaper.fork_supervisor()
            _os.environ["MPSCOPE_MAIN"] = "1"
        dont_write = _sys.dont_write_bytecode
        _sys.dont_write_bytecode = False  # see _mpscope_import: the agent modules boot.start() loads
        try:
            boot.start()
        finally:
            _sys.dont_write_bytecode = dont_write
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


_mpscope_start()
_mpscope_chain()
