"""The agent's start in a process, called by bootstrap/sitecustomize.py with the agent root on
sys.path and bytecode writing on (so this module's bytecode is cached: see that file)."""

import os
import sys


def run():
    from . import preload

    preload.load()
    from . import boot

    if os.environ.pop("MPSCOPE_SUPERVISE", None) == "1":
        # The process the runner started: it forks, and this parent becomes the run's
        # supervisor (it never comes back here); the child goes on as the script itself.
        from . import subreaper

        subreaper.fork_supervisor()
        os.environ["MPSCOPE_MAIN"] = "1"
    boot.start()
    cache_bootstrap_bytecode(sys.modules.get("sitecustomize"))


def cache_bootstrap_bytecode(module):
    """Writes the bytecode of bootstrap/sitecustomize.py where Python looks for it, when it is
    missing or stale. Python compiles that file at every interpreter start-up unless its bytecode
    is cached, and under PYTHONDONTWRITEBYTECODE (common in containers and CI) it never writes
    the cache itself: that cost every process of every run ~0.2 ms. Python still checks the
    cache against the source before using it. Any failure (a read-only install) leaves things
    as they were."""
    try:
        spec = module.__spec__
        source, cached = spec.origin, spec.cached
        if not source or not cached or os.path.basename(os.path.dirname(source)) != "bootstrap":
            return
        external = sys.modules["_frozen_importlib_external"]
        st = os.stat(source)
        mtime, size = int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF
        try:
            with open(cached, "rb") as f:
                header = f.read(16)
            if (
                header[:4] == external.MAGIC_NUMBER
                and header[4:8] == b"\0\0\0\0"
                and header[8:12] == mtime.to_bytes(4, "little")
                and header[12:16] == size.to_bytes(4, "little")
            ):
                return  # up to date (the common case: one stat and one small read)
        except OSError:
            pass
        with open(source, "rb") as f:
            code = compile(f.read(), source, "exec", dont_inherit=True)
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        external._write_atomic(cached, external._code_to_timestamp_pyc(code, mtime, size), 0o644)
    except Exception:
        pass
