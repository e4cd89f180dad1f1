"""--start-method: force fork, spawn or forkserver in every process of the run.

Without marking the start method as "set": the program's own set_start_method() still works
(and still raises "context has already been set" when called twice), but whatever method it
asks for, in set_start_method() or get_context(), the forced one is used. This reproduces the
spawn behaviour of Windows and macOS on Linux.
"""

_method = None


def install(agent):
    global _method
    _method = agent.config.get("startMethod") or None
    if _method:
        agent.when_imported("multiprocessing.context", _patch)


def _patch(mod):
    concrete = getattr(mod, "_concrete_contexts", {})
    if _method not in concrete:
        raise ValueError("start method %r is not available on this platform" % _method)
    default = mod._default_context
    default._default_context = concrete[_method]

    def make_set(orig):
        def set_start_method(self, method, force=False):
            return orig(self, _method, force)

        return set_start_method

    def make_get(orig):
        def get_context(self, method=None):
            return orig(self, None if method is None else _method)

        return get_context

    from .boot import get

    agent = get()
    agent.patch(mod.DefaultContext, "set_start_method", make_set)
    agent.patch(mod.DefaultContext, "get_context", make_get)
    agent.patch(mod.BaseContext, "get_context", make_get)
