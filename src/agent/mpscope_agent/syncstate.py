"""Per-process synchronisation state that the runner can read, even after the process died.

Why a file and not messages: the uncontended acquire of a lock must not send anything, yet when a
process is killed inside a critical section the runner still has to learn which lock it held and
where it acquired it. So each process keeps two files in the run's private directory:

  sync-<pid>.state  a small memory-mapped table of int64 words (layout in protocol/deadlock.json,
                    "stateFile"): a header, one wait record per thread (what it is blocked on,
                    since when, where), and one record per primitive (held or not, and the line
                    of the last acquisition). Writing a word is a memory store: no system call.
                    The pages belong to the kernel's page cache, so they survive SIGKILL and the
                    runner reads them at any time (it polls them to see waits as they begin).
  sync-<pid>.log    an append-only journal of rare facts, one JSON object per line: which
                    primitive a record slot stands for, which source file a code index is,
                    thread names, lock-order pairs, pipe ends.

A forked child gets its own pair of files and a copy of the journal facts its inherited slots
refer to; it must never write into its parent's mapping (see after_fork()).
"""

import mmap
import os
import time

from . import frames, jsonenc

MAGIC = 0x31657063736D706D  # "mpmscpe1" little-endian: lets the reader reject foreign files
VERSION = 1
HEADER_WORDS = 16
THREAD_SLOTS = 128
THREAD_WORDS = 8
PRIM_SLOTS = 8192
PRIM_WORDS = 2
THREADS_AT = HEADER_WORDS
PRIMS_AT = THREADS_AT + THREAD_SLOTS * THREAD_WORDS
TOTAL_WORDS = PRIMS_AT + PRIM_SLOTS * PRIM_WORDS

# Header words.
# primUsed: record slots in use (the reader reads no further).
H_MAGIC, H_VERSION, H_PID, H_THREAD_SLOTS, H_PRIM_SLOTS, H_USER_THREADS, H_PRIM_USED = 0, 1, 2, 3, 4, 5, 6
# Thread record words: tid, since (epoch ms when the wait began; 0 = not waiting; written last,
# it commits the record), primitive slot + 1 (0 = none), op, extra (a pid for process joins, a
# thread id for thread joins).
T_TID, T_SINCE, T_PRIM, T_OP, T_EXTRA = range(5)

# Wait operations (the same table is in protocol/deadlock.json, "waitOps").
OP_LOCK = 1
OP_QUEUE_GET = 2
OP_QUEUE_PUT = 3
OP_RECV = 4
OP_PROCESS_JOIN = 5
OP_THREAD_JOIN = 6
OP_EVENT = 7
OP_CONDITION = 8
OP_BARRIER = 9
OP_QUEUE_JOIN = 10
OP_POOL_RESULT = 11
OP_PROXY = 12

OP_NAMES = {
    OP_LOCK: "lock",
    OP_QUEUE_GET: "queue-get",
    OP_QUEUE_PUT: "queue-put",
    OP_RECV: "recv",
    OP_PROCESS_JOIN: "process-join",
    OP_THREAD_JOIN: "thread-join",
    OP_EVENT: "event-wait",
    OP_CONDITION: "condition-wait",
    OP_BARRIER: "barrier-wait",
    OP_QUEUE_JOIN: "queue-join",
    OP_POOL_RESULT: "pool-result",
    OP_PROXY: "proxy-call",
}


def _memory():
    """An anonymous mapping: where records go when there is no file (no run directory, or after
    an error), so that the hot paths never need to check."""
    mm = mmap.mmap(-1, TOTAL_WORDS * 8)
    return mm, memoryview(mm).cast("q")


class State(object):
    """This process's files. `words` is the memoryview the hot paths write to."""

    def __init__(self, directory):
        self.directory = directory
        self.pid = os.getpid()
        self.mm = None
        self.words = None
        self.log_fd = -1
        self.state_path = None
        self.log_path = None
        # Facts already in this process's journal, re-written into a forked child's journal.
        self.prims = {}  # slot -> journal record
        self.published = set()  # slots whose record is in the journal
        self.codes = {}  # code object -> index
        self.code_objects = []  # index - 1 -> code object
        self.code_records = []  # index - 1 -> journal record
        self.line_cache = {}  # code object -> line ranges
        self.threads = {}  # slot -> journal record
        self.facts = []  # other records (pipes) a child inherits
        self.next_prim = 0
        self.open()

    # -- files ------------------------------------------------------------------------------
    def open(self):
        self.pid = os.getpid()
        mm = words = None
        if self.directory:
            try:
                self.state_path = os.path.join(self.directory, "sync-%d.state" % self.pid)
                self.log_path = os.path.join(self.directory, "sync-%d.log" % self.pid)
                fd = os.open(self.state_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
                try:
                    os.ftruncate(fd, TOTAL_WORDS * 8)
                    mm = mmap.mmap(fd, TOTAL_WORDS * 8, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
                finally:
                    os.close(fd)
                words = memoryview(mm).cast("q")
                self.log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
                _keep_fd_private(self.log_fd)
            except OSError:
                mm = words = None
                self.log_fd = -1
        if words is None:
            mm, words = _memory()
        self.mm = mm
        self.words = words
        words[H_PID] = self.pid
        words[H_VERSION] = VERSION
        words[H_THREAD_SLOTS] = THREAD_SLOTS
        words[H_PRIM_SLOTS] = PRIM_SLOTS
        words[H_USER_THREADS] = 1
        words[H_PRIM_USED] = self.next_prim
        words[H_MAGIC] = MAGIC  # last: a reader sees a complete header or none

    def after_fork(self):
        """In a forked child: new files; the parent's mapping is left alone. Held records start
        empty (a child does not hold its parent's locks), journal facts are copied."""
        old_fd = self.log_fd
        self.log_fd = -1
        if old_fd >= 0:
            try:
                os.close(old_fd)
            except OSError:
                pass
        self.open()
        records = [self.prims[slot] for slot in sorted(self.published)] + self.code_records + self.facts
        self.write_all(records)
        self.threads = {}

    # -- journal ------------------------------------------------------------------------------
    def write(self, record):
        self.write_all((record,))

    def write_all(self, records):
        """Append records to the journal in one system call."""
        if self.log_fd < 0 or not records:
            return
        try:
            os.write(self.log_fd, "".join([jsonenc.dumps(r) + "\n" for r in records]).encode("ascii"))
        except OSError:
            pass

    def new_prim(self, pid_id, kind, site=None, label=None, publish=True):
        """A record slot for a primitive in this process (-1 when the table is full). With
        publish=False the journal line waits for publish(): a lock enters the journal when it is
        first acquired or waited on, so the internal semaphores of Condition, Event and Barrier
        objects (created as locks, then untracked) never show up."""
        slot = self.next_prim
        if slot >= PRIM_SLOTS:
            return -1
        self.next_prim = slot + 1
        self.words[H_PRIM_USED] = slot + 1
        rec = {"t": "prim", "slot": slot, "id": pid_id, "kind": kind}
        if site:
            rec["site"] = site
        if label:
            rec["label"] = label
        self.prims[slot] = rec
        if publish:
            self.publish(slot)
        return slot

    def publish(self, slot):
        if slot in self.published or slot not in self.prims:
            return
        self.published.add(slot)
        self.write(self.prims[slot])

    def relabel(self, slot, kind):
        rec = self.prims.get(slot)
        if rec is None or rec.get("kind") == kind:
            return
        rec = dict(rec)
        rec["kind"] = kind
        self.prims[slot] = rec
        if slot in self.published:
            self.write(rec)

    def code_index(self, code):
        idx = self.codes.get(code)
        if idx is None:
            idx = len(self.code_records) + 1
            self.codes[code] = idx
            rec = {
                "t": "code",
                "idx": idx,
                "file": frames.absolute(code.co_filename),
                "name": code.co_name,
                "lines": self.line_ranges(code),
            }
            self.code_objects.append(code)
            self.code_records.append(rec)
            self.write(rec)
        return idx

    def line_ranges(self, code):
        """[[start, end, line], ...]: bytecode offsets to lines (primitive records hold the
        offset of the acquiring call, f_lasti, which costs less to read than f_lineno)."""
        r = self.line_cache.get(code)
        if r is None:
            r = _line_ranges(code)
            self.line_cache[code] = r
        return r

    def site_of(self, idx, lasti):
        """{"file","line","function"} for a record's code index and bytecode offset."""
        if not lasti or not idx or idx > len(self.code_records):
            return None
        rec = self.code_records[idx - 1]
        line = line_at(self.line_ranges(self.code_objects[idx - 1]), lasti)
        if not line:
            return None
        return {"file": rec["file"], "line": line, "function": rec["name"]}

    def fact(self, record):
        self.facts.append(record)
        self.write(record)

    # -- helpers for wait records ---------------------------------------------------------------
    def thread_slot(self, tid, name, helper):
        """The wait record of thread tid, claimed on its first wait (-1 when all are taken)."""
        w = self.words
        free = -1
        for s in range(THREAD_SLOTS):
            base = THREADS_AT + s * THREAD_WORDS
            t = w[base + T_TID]
            if t == tid:
                return s
            if t == 0 and free < 0:
                free = s
                break
        if free < 0:
            free = self._reuse_slot()
            if free < 0:
                return -1
        base = THREADS_AT + free * THREAD_WORDS
        w[base + T_SINCE] = 0
        w[base + T_TID] = tid
        rec = {"t": "thread", "slot": free, "tid": tid, "name": name, "helper": bool(helper)}
        self.threads[free] = rec
        self.write(rec)
        return free

    def _reuse_slot(self):
        """A slot whose thread has ended (its ident is no longer alive)."""
        import sys

        threading = sys.modules.get("threading")
        alive = set(getattr(threading, "_active", {}) or {}) if threading else set()
        w = self.words
        for s in range(THREAD_SLOTS):
            base = THREADS_AT + s * THREAD_WORDS
            if w[base + T_SINCE] == 0 and w[base + T_TID] not in alive:
                w[base + T_TID] = 0
                return s
        return -1

    def close(self):
        fd, self.log_fd = self.log_fd, -1
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass


def _line_ranges(code):
    out = []
    if hasattr(code, "co_lines"):  # 3.10+
        for start, end, line in code.co_lines():
            if line is None:
                continue
            if out and out[-1][2] == line and out[-1][1] == start:
                out[-1][1] = end
            else:
                out.append([start, end, line])
        return out
    import dis  # 3.8, 3.9

    starts = list(dis.findlinestarts(code))
    for i, (start, line) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(code.co_code)
        out.append([start, end, line])
    return out


def line_at(ranges, offset):
    for start, end, line in ranges:
        if start <= offset < end:
            return line
    return None


def now_ms():
    return int(time.time() * 1000)


def _keep_fd_private(fd):
    try:
        os.set_inheritable(fd, False)
    except Exception:
        pass
