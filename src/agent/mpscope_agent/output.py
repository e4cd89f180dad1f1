"""Output tags (mpscope.run.prefixOutput): which process wrote each piece of sys.stdout/stderr.

Every process of a run writes to the same stdout and stderr pipes, so the runner cannot tell who
wrote a line. With `prefixOutput=1` in the run's config, sys.stdout and sys.stderr are replaced
by a TextIOWrapper subclass over the same binary stream, with the same encoding, errors, line
buffering and write-through, whose write() puts a tag before the text of every call and after
every newline inside it:

    ESC ] 6973 ; <pid> BEL        an OSC sequence, which terminals ignore (core.json "outputTag")

The tag goes out in the same write as its text (one write(2) under PYTHONUNBUFFERED), so no other
process's output can come between them. A tag holds until the end of its line; the runner
(src/runner/outputTags.ts) strips the tags and prefixes lines with the writer's name. Bytes that
bypass sys.stdout/sys.stderr (os.write, C code, non-Python subprocesses) carry no tag.

Off (the default): install() returns at once, and this module imports nothing.
"""

# Mirrors core.json "outputTag" (a test checks that they agree).
OUTPUT_TAG_OSC = 6973


def install(agent):
    if agent.config.get("prefixOutput") != "1":
        return
    _install()


def tag_for(pid):
    return "\x1b]%d;%d\x07" % (OUTPUT_TAG_OSC, pid)


def _install():
    import io
    import os
    import sys

    cls = _tagged_class(io.TextIOWrapper)
    cls.tag = tag_for(os.getpid())
    for name in ("stdout", "stderr"):
        _replace_stream(sys, name, cls, io.TextIOWrapper, os.name)
    if hasattr(os, "register_at_fork"):
        # A forked child writes under its own pid (also when the agent is disabled in it).
        os.register_at_fork(after_in_child=lambda: setattr(cls, "tag", tag_for(os.getpid())))


def _tagged_class(base):
    # Named like its base: a program that prints type(sys.stdout).__name__ sees what it would
    # without mpscope (the class's module says where it comes from).
    class TextIOWrapper(base):
        """sys.stdout/sys.stderr with a tag at the start of each line of each write."""

        # Class attributes, not module globals: write() may still run while the interpreter
        # tears down modules (a __del__ printing at exit).
        tag = ""
        _base_write = base.write
        _str = str

        def write(self, s):
            if not isinstance(s, self._str) or not s:
                return self._base_write(s)  # the original error for non-str, nothing for ""
            tag = self.tag
            text = tag + s.replace("\n", "\n" + tag)
            if s.endswith("\n"):
                text = text[: len(text) - len(tag)]  # the next line gets its tag with its text
            self._base_write(text)
            return len(s)

    return TextIOWrapper


def _replace_stream(sys, name, cls, text_io, os_name):
    """sys.<name> becomes a cls over the same buffer, if it is the interpreter's own stream."""
    old = getattr(sys, name, None)
    # None (no such fd) or already replaced by someone else: leave it, its output goes untagged.
    if type(old) is not text_io or not _ascii_compatible(old.encoding):
        return
    settings = {
        "encoding": old.encoding,
        "errors": old.errors,
        # What the interpreter itself uses for its standard streams.
        "newline": None if os_name == "nt" else "\n",
        "line_buffering": old.line_buffering,
        "write_through": old.write_through,
    }
    mode = getattr(old, "mode", None)
    # detach() flushes and leaves the old object unable to close the shared buffer when it dies.
    buffer = old.detach()
    try:
        new = cls(buffer, **settings)
    except Exception:
        _put_stream(sys, name, old, text_io(buffer, **settings))  # never leave a dead stream
        raise
    if mode is not None:
        new.mode = mode
    _put_stream(sys, name, old, new)


def _put_stream(sys, name, old, new):
    setattr(sys, name, new)
    dunder = "__%s__" % name
    if getattr(sys, dunder, None) is old:
        setattr(sys, dunder, new)


def _ascii_compatible(encoding):
    """The runner finds tags as ASCII bytes: an encoding such as UTF-16 would hide them."""
    probe = tag_for(1)
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except Exception:
        return False
