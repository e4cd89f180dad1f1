"""A small JSON encoder for agent messages.

Why not `json`: importing it (and `re` through json.decoder) costs several milliseconds in
every process of the run, and the agent must stay cheap at startup. Strings that need escaping
go through the C escaper of the `_json` accelerator, loaded the first time one does (most
processes never send one: the accelerator is a shared library to load). Objects the agent does
not understand are sent as their type name: calling a user's __repr__ could run arbitrary code.
"""

_INF = float("inf")
_escape = None


def _quote(s):
    """s as a JSON string in ASCII (the same text as json.dumps)."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'  # nothing to escape: printable ASCII without quote or backslash
    global _escape
    if _escape is None:
        try:
            from _json import encode_basestring_ascii as _escape
        except ImportError:  # pragma: no cover - every CPython build has _json
            from json.encoder import py_encode_basestring_ascii as _escape
    return _escape(s)


def dumps(obj):
    parts = []
    _encode(obj, parts.append, 0)
    return "".join(parts)


def _encode(o, put, depth):
    if o is None:
        put("null")
    elif o is True:
        put("true")
    elif o is False:
        put("false")
    elif isinstance(o, str):
        put(_quote(o))
    elif isinstance(o, int):
        put(int.__repr__(o))
    elif isinstance(o, float):
        put(float.__repr__(o) if (o == o and o != _INF and o != -_INF) else "null")
    elif depth > 32:
        put("null")
    elif isinstance(o, dict):
        put("{")
        first = True
        for k, v in o.items():
            if not first:
                put(",")
            first = False
            put(_quote(k if isinstance(k, str) else str(k) if isinstance(k, (int, float)) else type(k).__name__))
            put(":")
            _encode(v, put, depth + 1)
        put("}")
    elif isinstance(o, (list, tuple)):
        put("[")
        for i, v in enumerate(o):
            if i:
                put(",")
            _encode(v, put, depth + 1)
        put("]")
    elif isinstance(o, bytes):
        put(_quote(o.decode("utf-8", "replace")))
    else:
        put(_quote("<%s>" % type(o).__name__))
