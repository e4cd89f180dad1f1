"""Loads the agent modules every process needs at start-up from one bytecode file, without the
import system.

Why: the agent starts in every Python process of a run, and importing a dozen small modules
the usual way cost ~0.45 ms of each start (measured on the CI VM: ~35 us of import machinery per
module, written in Python, before any of the module's own code runs). Here each module is made
and run directly, in an order where its own `from . import x` finds x already loaded.

The file is mpscope_agent/__pycache__/preload.<python tag>.bin: the interpreter's magic number,
then (stamps, entries), marshalled. It is rebuilt when a source's size or mtime changed, like
Python's own bytecode cache (whatever PYTHONDONTWRITEBYTECODE says: that setting is about the
user's code). Should it be unreadable, unwritable or broken, nothing is preloaded and boot.py
imports the modules the usual way.
"""

import marshal
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = __name__.rpartition(".")[0]

# What boot.start() imports in every process, dependencies first (boot.MODULES and what they
# import at their top; a module missing here is simply imported the usual way, later).
ORDER = ("jsonenc", "frames", "protocol", "channel", "agent", "hooks", "boot", "lifecycle", "shm", "syncstate", "sync", "syncwaits")


def cache_path():
    return os.path.join(_HERE, "__pycache__", "preload.%s.bin" % sys.implementation.cache_tag)


def load():
    """Makes the modules of ORDER that are not loaded yet. Returns their names."""
    try:
        entries = _read(cache_path()) or _build(cache_path())
    except Exception:
        return []
    if not entries:
        return []
    package = sys.modules[_PACKAGE]
    spec_type = sys.modules["_frozen_importlib"].ModuleSpec
    module_type = type(sys)
    loaded = []
    for short, filename, code in entries:
        name = "%s.%s" % (_PACKAGE, short)
        if name in sys.modules:
            continue
        module = module_type(name)
        module.__file__ = filename
        module.__package__ = _PACKAGE
        module.__spec__ = spec = spec_type(name, None, origin=filename)
        spec.has_location = True
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except BaseException:
            del sys.modules[name]
            raise
        setattr(package, short, module)
        loaded.append(name)
    return loaded


def _read(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if data[:4] != sys.modules["_frozen_importlib_external"].MAGIC_NUMBER:
        return None
    try:
        stamps, entries = marshal.loads(memoryview(data)[4:])
    except (ValueError, EOFError, TypeError):
        return None
    if [e[0] for e in entries] != list(ORDER):
        return None
    for filename, stamp in stamps:
        try:
            st = os.stat(filename)
        except OSError:
            return None
        if (st.st_mtime_ns, st.st_size) != stamp:
            return None
    return entries


def _build(path):
    """Compiles the sources and writes the file. None when it cannot be written: compiling in
    every process would cost far more than the import system."""
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    stamps = []
    entries = []
    for short in ORDER:
        filename = os.path.join(_HERE, short + ".py")
        with open(filename, "rb") as f:
            st = os.fstat(f.fileno())
            source = f.read()
        stamps.append((filename, (st.st_mtime_ns, st.st_size)))
        entries.append((short, filename, compile(source, filename, "exec", dont_inherit=True)))
    external = sys.modules["_frozen_importlib_external"]
    try:
        # Atomic, as Python writes its own bytecode: processes starting together read one file
        # or the other, never half of one.
        external._write_atomic(path, external.MAGIC_NUMBER + marshal.dumps((stamps, entries)), 0o644)
    except OSError:
        return None
    return entries
