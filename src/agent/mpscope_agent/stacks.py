"""Stack dumps on request (owned by the deadlock engineer, issue 5: extend freely).

The runner asks with {"t": "dump_stacks", "id": N} and the wake signal; this answers with every
thread's frames, innermost first, marking the user's frames. A first version, so that the
request/reply path is exercised end to end from the start.
"""

import sys

from . import frames

_agent = None


def install(agent):
    global _agent
    _agent = agent
    agent.on_request("dump_stacks", dump_stacks)


def dump_stacks(req):
    threading = sys.modules.get("threading")
    names = {}
    if threading is not None:
        for t in threading.enumerate():
            names[t.ident] = t.name
    out = []
    for ident, frame in sys._current_frames().items():
        stack = frames.stack_locations(frame)
        out.append({"thread": names.get(ident, "Thread-%d" % ident), "id": ident, "frames": stack})
    return {"threads": out}
