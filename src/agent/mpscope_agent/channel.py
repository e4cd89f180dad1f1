"""The agent's private connection to the runner: a Unix socket, newline-delimited JSON.

Design (see ../README.md):
- No thread. Python 3.12+ warns (DeprecationWarning) when a multi-threaded process forks, and
  test suites count threads, so an agent thread would change program behaviour. Instead every
  send() pushes bytes at once on a non-blocking socket; what the kernel does not take stays in a
  bounded buffer and goes out with the next send, on a runner request, or at an exit point,
  where flush() waits (bounded) so that processes ending with os._exit lose nothing.
- Requests from the runner (e.g. dump_stacks) are read when the runner raises the wake signal
  (SIGURG): the handler runs in the main thread, reads the pending lines and answers each.
- After fork the child closes its copy of the parent's socket and opens its own connection.
- The program may close our file descriptor (os.closerange) and reuse its number; before
  writing we check that the descriptor is still our socket (inode), else we stop writing.
"""

import os
import time

try:
    import _socket
except ImportError:  # pragma: no cover
    _socket = None
from _thread import allocate_lock, get_ident
from _collections import deque

from . import jsonenc

# Bytes the agent keeps for a slow runner before it drops messages (and says how many).
MAX_BUFFERED = 8 * 1024 * 1024
CONNECT_TIMEOUT = 5.0


class PeerGone(Exception):
    """The runner closed the connection: the run is over or mpscope was stopped."""


class Channel(object):
    def __init__(self, path, token):
        self.path = path
        self.token = token
        self.sock = None
        self.ino = None
        self.queue = deque()
        self.queued = 0
        self.pending = bytearray()
        self.lock = allocate_lock()
        # The thread in _drain: a signal handler that interrupted it must not wait for itself.
        self.writer = None
        self.dropped = 0
        self.closed = True
        self.rbuf = b""

    # -- connection -------------------------------------------------------------------------
    def connect(self, hello):
        """Blocking connect and hello (bounded by CONNECT_TIMEOUT). Raises on failure."""
        if _socket is None:
            raise OSError("no _socket module")
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            s.settimeout(CONNECT_TIMEOUT)
            s.connect(self.path)
            s.sendall(encode(hello))
            s.setblocking(False)
            self.ino = os.fstat(s.fileno()).st_ino
        except BaseException:
            s.close()
            raise
        self.sock = s
        self.closed = False

    def reset_after_fork(self):
        """In a forked child: forget the parent's connection and buffers (the parent sends them)."""
        self.lock = allocate_lock()
        self.writer = None
        self.queue = deque()
        self.queued = 0
        self.pending = bytearray()
        self.rbuf = b""
        self.dropped = 0
        self._release_socket()
        self.closed = True

    def close(self):
        self.closed = True
        self._release_socket()

    def _release_socket(self):
        s = self.sock
        self.sock = None
        if s is None:
            return
        try:
            if self._is_ours(s):
                s.close()
            else:
                s.detach()  # the number now belongs to the program: never close it
        except Exception:
            pass

    def _is_ours(self, s):
        try:
            fd = s.fileno()
            return fd >= 0 and os.fstat(fd).st_ino == self.ino
        except OSError:
            return False

    # -- sending ----------------------------------------------------------------------------
    def send_line(self, line):
        """Queue one encoded line and push what the socket takes now. Never blocks."""
        if self.closed:
            return
        if self.queued + len(self.pending) + len(line) > MAX_BUFFERED:
            self.dropped += 1
            return
        self.queue.append(line)
        self.queued += len(line)
        self.pump(None)

    def pump(self, deadline):
        """Write queued bytes. With a deadline (time.monotonic()), wait for the socket until then."""
        while not self.closed:
            if deadline is None:
                if not self.lock.acquire(False):
                    return  # another thread, or the code this signal handler interrupted, is writing
            elif self.writer == get_ident():
                # A signal handler (a runner request) interrupted this thread's own write: waiting
                # for the lock would wait for ourselves. That write goes on when the handler
                # returns and takes what we queued with it.
                return
            elif not self.lock.acquire(True, max(0.0, deadline - time.monotonic())):
                return
            self.writer = get_ident()
            try:
                self._drain(deadline)
            finally:
                self.writer = None
                self.lock.release()
            if not self.queue or (self.pending and deadline is None):
                return
            if deadline is not None and time.monotonic() >= deadline:
                return

    def _drain(self, deadline):
        s = self.sock
        if s is None:
            return
        if not self._is_ours(s):
            # The program closed our descriptor (and maybe reused it): stop, silently.
            self.closed = True
            self.sock = None
            try:
                s.detach()
            except Exception:
                pass
            return
        while True:
            while self.queue:
                line = self.queue.popleft()
                self.queued -= len(line)
                self.pending += line
            if self.dropped:
                n, self.dropped = self.dropped, 0
                self.pending += encode({"t": "dropped", "ts": time.time() * 1000.0, "count": n})
            if not self.pending:
                return
            try:
                n = s.send(self.pending)
            except (BlockingIOError, InterruptedError):
                if deadline is None:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                try:
                    s.settimeout(left)
                    s.sendall(bytes(self.pending))
                    del self.pending[:]
                except OSError:
                    return
                finally:
                    s.setblocking(False)
                continue
            except (BrokenPipeError, ConnectionResetError):
                self.closed = True
                raise PeerGone()
            del self.pending[:n]

    def flush(self, timeout=1.0):
        """Send everything now, waiting up to timeout seconds (exit points, replies)."""
        if not self.closed:
            self.pump(time.monotonic() + timeout)

    # -- requests ---------------------------------------------------------------------------
    def read_requests(self):
        """Non-blocking: return the complete request lines the runner has sent (as bytes)."""
        s = self.sock
        if s is None or self.closed or not self._is_ours(s):
            return []
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except (ConnectionResetError, OSError):
                data = b""
            if not data:
                self.closed = True
                raise PeerGone()
            chunks.append(data)
        if not chunks:
            return []
        buf = self.rbuf + b"".join(chunks)
        lines = buf.split(b"\n")
        self.rbuf = lines.pop()
        return [l for l in lines if l.strip()]


def encode(msg):
    return (jsonenc.dumps(msg) + "\n").encode("ascii")
