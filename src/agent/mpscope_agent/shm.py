"""multiprocessing.shared_memory.SharedMemory: create, attach, close and unlink, with sites."""

from . import frames

_agent = None


def install(agent):
    global _agent
    _agent = agent
    agent.when_imported("multiprocessing.shared_memory", _patch)


def _name(shm):
    try:
        return str(shm.name)
    except Exception:
        return "?"


def _patch(mod):
    SM = mod.SharedMemory

    def make_init(orig):
        def __init__(self, *args, **kwargs):
            if not _agent.enabled:
                return orig(self, *args, **kwargs)
            site = _agent.safe(frames.user_location, 1)
            orig(self, *args, **kwargs)
            create = kwargs.get("create", args[1] if len(args) > 1 else False)
            _agent.safe(
                _agent.send,
                "shm",
                op="create" if create else "attach",
                name=_name(self),
                size=int(getattr(self, "size", 0) or 0),
                site=site,
            )

        return __init__

    def make_op(op, orig):
        def method(self, *args, **kwargs):
            if not _agent.enabled:
                return orig(self, *args, **kwargs)
            site = _agent.safe(frames.user_location, 1)
            name = _name(self)
            r = orig(self, *args, **kwargs)
            _agent.safe(_agent.send, "shm", op=op, name=name, size=None, site=site)
            return r

        return method

    _agent.patch(SM, "__init__", make_init)
    _agent.patch(SM, "close", lambda orig: make_op("close", orig))
    _agent.patch(SM, "unlink", lambda orig: make_op("unlink", orig))
