"""The message protocol shared with the runner, defined once in protocol/*.json.

Every JSON file there is one module's messages (agent -> runner) and requests (runner -> agent,
each answered by a "reply"). TypeScript imports the same files (src/runner/protocol/). The agent
validates what it sends only in strict mode (config "strict": true, used by the tests), because
loading `json` costs startup time in every process.

    python -m mpscope_agent.protocol --check   # every send() in the agent's sources matches the spec
"""

import os

PROTOCOL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "protocol")

# Mirrors core.json "env" and "wakeSignal" (tests check that they agree).
ENV_SOCKET = "MPSCOPE_SOCKET"
ENV_TOKEN = "MPSCOPE_TOKEN"
ENV_CONFIG = "MPSCOPE_CONFIG"
ENV_MAIN = "MPSCOPE_MAIN"
ENV_SUPERVISE = "MPSCOPE_SUPERVISE"
WAKE_SIGNAL = "SIGURG"

ENVELOPE = ("t", "ts")


def load():
    """{"messages": {kind: spec}, "requests": {kind: spec}, "files": {module: raw}}."""
    import json

    out = {"messages": {}, "requests": {}, "files": {}}
    for name in sorted(os.listdir(PROTOCOL_DIR)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(PROTOCOL_DIR, name), "r", encoding="utf-8") as f:
            raw = json.load(f)
        out["files"][raw.get("module", name[:-5])] = raw
        for section in ("messages", "requests"):
            for kind, spec in raw.get(section, {}).items():
                if kind in out["messages"] or kind in out["requests"]:
                    raise ValueError("protocol kind %r defined twice" % kind)
                out[section][kind] = spec
    return out


def _type_ok(ftype, value):
    optional = ftype.endswith("?")
    base = ftype[:-1] if optional else ftype
    if value is None:
        return optional
    if base == "any":
        return True
    if base == "string":
        return isinstance(value, str)
    if base == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base == "boolean":
        return isinstance(value, bool)
    if base == "array":
        return isinstance(value, (list, tuple))
    if base == "object":
        return isinstance(value, dict)
    if base == "location":
        return isinstance(value, dict) and isinstance(value.get("file"), str) and isinstance(value.get("line"), int)
    if base == "locations":
        return isinstance(value, (list, tuple)) and all(_type_ok("location", v) for v in value)
    raise ValueError("unknown field type %r" % ftype)


def check_message(spec, msg):
    """Raise ValueError when msg (with its envelope) does not match the spec."""
    kind = msg.get("t")
    s = spec["messages"].get(kind)
    if s is None:
        raise ValueError("unknown message kind %r" % (kind,))
    fields = s.get("fields", {})
    for key, value in msg.items():
        if key in ENVELOPE:
            continue
        if key not in fields:
            raise ValueError("%s: unknown field %r" % (kind, key))
        if not _type_ok(fields[key], value):
            raise ValueError("%s.%s: %r is not %s" % (kind, key, value, fields[key]))
    for key, ftype in fields.items():
        if key not in msg and not ftype.endswith("?"):
            raise ValueError("%s: missing field %r" % (kind, key))


def _static_check(spec):
    """Find agent.send("kind", field=...) and agent.prepare("kind", field=...) calls in the
    agent's sources; check them against spec. A prepared message gets its numbers later
    (send_prepared), so the required fields it lacks must be numbers."""
    import ast

    problems = []
    root = os.path.dirname(os.path.abspath(__file__))
    files = [os.path.join(root, n) for n in sorted(os.listdir(root)) if n.endswith(".py")]
    files.append(os.path.join(os.path.dirname(root), "mpscope_supervisor.py"))
    seen = set()
    for path in files:
        if not os.path.exists(path):
            continue
        with open(path, "r", encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if name not in ("send", "prepare") or not node.args:
                continue
            first = node.args[0]
            kind = getattr(first, "value", getattr(first, "s", None))
            if not isinstance(kind, str):
                continue
            where = "%s:%d" % (os.path.basename(path), node.lineno)
            s = spec["messages"].get(kind)
            if s is None:
                problems.append("%s: %s(%r): kind not in protocol/*.json" % (where, name, kind))
                continue
            seen.add(kind)
            fields = s.get("fields", {})
            given = set()
            for kw in node.keywords:
                if kw.arg is None:
                    given = None  # **fields: cannot check statically
                    break
                given.add(kw.arg)
                if kw.arg not in fields:
                    problems.append("%s: %s(%r): field %r not in the spec" % (where, name, kind, kw.arg))
            if given is not None:
                for key, ftype in fields.items():
                    later = name == "prepare" and ftype in ("integer", "number")
                    if not ftype.endswith("?") and key not in given and not later:
                        problems.append("%s: %s(%r): required field %r missing" % (where, name, kind, key))
    return problems, seen


def main(argv):
    spec = load()
    if "--check" in argv:
        problems, seen = _static_check(spec)
        for p in problems:
            print(p)
        print("checked %d message kinds used by the agent" % len(seen))
        return 1 if problems else 0
    if "--dump" in argv:
        import json

        print(json.dumps({k: spec[k] for k in ("messages", "requests")}, sort_keys=True))
        return 0
    print("usage: python -m mpscope_agent.protocol --check | --dump")
    return 2


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
