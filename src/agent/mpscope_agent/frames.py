"""Which frames are the user's code, and source locations in it.

A location is {"file": absolute path, "line": int, "function": str}. The user's code is every
file that is not part of the standard library, of the agent, or frozen/generated ("<...>").
Installed libraries (site-packages, dist-packages) are a fallback: a location in a library is
better than none, but a frame in the user's own files wins.
"""

import os
import sys

USER, LIBRARY, SYSTEM = 0, 1, 2

_AGENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__))
_BOOT_CWD = os.getcwd() if hasattr(os, "getcwd") else "/"
_SEP = os.sep
_cache = {}


def _under(path, root):
    return path == root or path.startswith(root + _SEP)


def absolute(filename):
    """Absolute path of a code object's filename (relative ones are relative to the start cwd)."""
    if not filename or filename.startswith("<"):
        return filename
    if not os.path.isabs(filename):
        filename = os.path.join(_BOOT_CWD, filename)
    return os.path.normpath(filename)


def tier(filename):
    t = _cache.get(filename)
    if t is None:
        t = _classify(filename)
        _cache[filename] = t
    return t


def _classify(filename):
    if not filename or filename.startswith("<"):
        return SYSTEM
    path = absolute(filename)
    if _under(path, _AGENT_DIR):
        return SYSTEM
    if "%ssite-packages%s" % (_SEP, _SEP) in path or "%sdist-packages%s" % (_SEP, _SEP) in path:
        return LIBRARY
    if _under(path, _STDLIB_DIR):
        return SYSTEM
    return USER


def is_agent_file(filename):
    return bool(filename) and not filename.startswith("<") and _under(absolute(filename), _AGENT_DIR)


def location_of(frame, lineno=None):
    code = frame.f_code
    return {
        "file": absolute(code.co_filename),
        "line": lineno if lineno is not None else (frame.f_lineno or 0),
        "function": code.co_name,
    }


def user_frame(frame):
    """The innermost frame of the user's code from `frame` outwards (library as a fallback)."""
    fallback = None
    f = frame
    while f is not None:
        t = tier(f.f_code.co_filename)
        if t == USER:
            return f
        if t == LIBRARY and fallback is None:
            fallback = f
        f = f.f_back
    return fallback


def user_location(skip=1):
    """Location of the innermost user frame of the caller's stack, or None."""
    try:
        frame = sys._getframe(skip + 1)
    except ValueError:
        return None
    f = user_frame(frame)
    return location_of(f) if f is not None else None


def stack_locations(frame, limit=64):
    """Frames from `frame` outwards (innermost first), without the agent's own frames."""
    out = []
    f = frame
    while f is not None and len(out) < limit:
        fn = f.f_code.co_filename
        if not is_agent_file(fn):
            loc = location_of(f)
            loc["user"] = tier(fn) == USER
            out.append(loc)
        f = f.f_back
    return out


def traceback_locations(tb, limit=64):
    """A traceback's frames innermost first, with the innermost user frame's location."""
    entries = []
    while tb is not None:
        entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    entries.reverse()
    frames = []
    site = None
    fallback = None
    for frame, lineno in entries:
        fn = frame.f_code.co_filename
        if is_agent_file(fn):
            continue
        loc = location_of(frame, lineno)
        t = tier(fn)
        loc["user"] = t == USER
        if t == USER and site is None:
            site = dict(loc)
        elif t == LIBRARY and fallback is None:
            fallback = dict(loc)
        if len(frames) < limit:
            frames.append(loc)
    site = site or fallback
    if site is not None:
        site.pop("user", None)
    return frames, site
