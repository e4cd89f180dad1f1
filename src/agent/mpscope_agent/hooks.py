"""Post-import hooks: patch a standard-library module right after it is imported.

Why: importing multiprocessing/subprocess eagerly in every process would add milliseconds to
every Python start of the run; most processes never use them. A finder at the front of
sys.meta_path wraps the loader of the few modules we patch; the module object and its
__loader__/__spec__ look untouched once imported.
"""

import sys


class _Loader(object):
    def __init__(self, loader, finder, name):
        self._loader = loader
        self._finder = finder
        self._name = name

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module):
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self._loader
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self._loader
        self._loader.exec_module(module)
        self._finder.run(self._name, module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class PostImportFinder(object):
    def __init__(self, run_safely):
        self.hooks = {}
        self.busy = set()
        self.run_safely = run_safely

    def add(self, name, fn):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__spec__", None) is not None and not _initializing(module):
            self.run_safely(fn, module)
            return
        self.hooks.setdefault(name, []).append(fn)

    def run(self, name, module):
        for fn in self.hooks.pop(name, ()):
            self.run_safely(fn, module)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.hooks or fullname in self.busy:
            return None
        self.busy.add(fullname)
        try:
            spec = None
            for finder in list(sys.meta_path):
                if finder is self:
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self.busy.discard(fullname)
        if spec is None:
            return None
        loader = spec.loader
        if loader is not None and hasattr(loader, "exec_module"):
            spec.loader = _Loader(loader, self, fullname)
        return spec

    # importlib.invalidate_caches() calls this on every meta path finder.
    def invalidate_caches(self):
        pass


def _initializing(module):
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))
