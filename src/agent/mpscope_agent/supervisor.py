"""The supervisor: starts the script, keeps every process of the run visible, stops the tree.

- It is the Linux child subreaper of the run (prctl PR_SET_CHILD_SUBREAPER): a process whose
  parent dies is re-parented to us instead of init, so orphans stay in the tree, we reap them
  and report their exit status (sup_reaped adopted=true).
- It watches the tree in /proc (sup_proc / sup_gone): processes the agent cannot see (non-Python
  children, zombies, processes that dropped the agent) are still in the report, and a fork
  bomb is stopped at --max-processes.
- Stop (a runner request, SIGTERM, the runner going away, the limit, or processes left over
  after the script ended): SIGTERM to every process, deepest first (children before parents),
  then after the grace period SIGSTOP+SIGKILL rounds until nothing is left, reaping as we go.
- PR_SET_PDEATHSIG: if the runner dies, we get SIGTERM and stop the tree too.

Standard library only; runs on the user's interpreter (3.8+).
"""

import os
# _signal, not signal: the signal module imports enum, which costs start-up time (the script
# starts after us, so every millisecond here is added to the run).
import _signal as signal
import sys
import time

from . import protocol
from .agent import cmdline
from .channel import Channel, PeerGone, encode
from .subreaper import PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG
from .subreaper import prctl as _prctl

# Signals the script must get with their default disposition whatever ours are.
RESET_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGCHLD", "SIGPIPE", "SIGXFSZ", "SIGURG", "SIGQUIT")


class TreeWalker(object):
    """Reads the run's processes by following /proc/<pid>/task/<tid>/children from the root:
    the cost grows with the run's processes, not with every process of the machine (a
    desktop has hundreds). A child appears under the thread that created it; a process whose
    parent died is re-parented to us (the subreaper), so it appears under us."""

    def read(self, root, full=False):
        procs = {}
        tree = {}
        stack = [(root, 0, 0)]
        while stack:
            pid, depth, threads = stack.pop()
            for c in children_of(pid, threads):
                if c in tree:
                    continue
                data = _read("/proc/%d/stat" % c)
                info = parse_stat(data)
                if info is None:
                    continue  # gone meanwhile
                procs[c] = info
                tree[c] = depth + 1
                stack.append((c, depth + 1, _threads(data)))
        return procs, tree


def children_of(pid, threads=0):
    """The pids of the children of every thread of pid (threads: its thread count, when known;
    a single-threaded process needs no listing of its threads)."""
    if threads == 1:
        tids = [str(pid)]
    else:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            return []
    out = []
    for tid in tids:
        data = _read("/proc/%d/task/%s/children" % (pid, tid))
        if data:
            out.extend(int(c) for c in data.split())
    return out


def _threads(stat):
    """The thread count in a /proc/<pid>/stat line (0 when unknown)."""
    try:
        return int(stat[stat.rfind(b")") + 2 :].split()[17])
    except (IndexError, ValueError):
        return 0


def _children_listed():
    """True when the kernel lists children in /proc (CONFIG_PROC_CHILDREN, Linux 3.5+)."""
    return USE_PROC and os.path.exists("/proc/self/task/%d/children" % os.getpid())


class ProcReader(object):
    """Reads /proc/<pid>/stat of every process (where children are not listed in /proc).

    A process outside our tree can never move into it (re-parenting goes to the nearest
    subreaper ancestor, and we are not one of its ancestors), so once seen outside, a pid is
    skipped until the next full refresh (which catches pid reuse)."""

    FULL_EVERY = 20

    def __init__(self):
        self.outside = set()
        self.count = 0

    def read(self, root, full=False):
        self.count += 1
        if full or self.count % self.FULL_EVERY == 0:
            self.outside.clear()
        procs = read_procs(skip=self.outside)
        tree = tree_of(procs, root)
        for pid, info in procs.items():
            # Only when its parent is known: a process whose parent just died (not read) may be
            # on its way to being re-parented to us.
            if pid not in tree and pid != root and (info[0] in procs or info[0] in self.outside or info[0] <= 1):
                self.outside.add(pid)
        return procs, tree


# Without /proc (macOS, BSD), the process table comes from ps: slower, so it is read less often.
USE_PROC = os.path.isdir("/proc/self") and os.environ.get("MPSCOPE_SUPERVISOR_PS") != "1"


def _ps_procs():
    import subprocess

    try:
        ps = subprocess.Popen(["ps", "-A", "-o", "pid=,ppid=,stat=,comm="], stdout=subprocess.PIPE, text=True)
        out = ps.communicate(timeout=10)[0]
    except Exception:
        return {}
    procs = {}
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        pid, ppid, stat = int(parts[0]), int(parts[1]), parts[2]
        if pid != ps.pid:  # our own ps is not part of the run
            procs[pid] = (ppid, stat[:1], os.path.basename(parts[3]) if len(parts) > 3 else "", 0)
    return procs


def _read(path):
    """A /proc file's content (os.read: no file object to build), or None if it is gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_stat(pid):
    """(ppid, state, comm, starttime) of a process, or None if it is gone."""
    return parse_stat(_read("/proc/%d/stat" % pid))


def parse_stat(data):
    """(ppid, state, comm, starttime) from a /proc/<pid>/stat line (None: no line)."""
    if not data:
        return None
    lp = data.find(b"(")
    rp = data.rfind(b")")
    rest = data[rp + 2 :].split()
    try:
        return (int(rest[1]), rest[0].decode("ascii", "replace"), data[lp + 1 : rp].decode("utf-8", "replace"), int(rest[19]))
    except (IndexError, ValueError):
        return None


def proc_pids():
    try:
        return sorted(int(n) for n in os.listdir("/proc") if n.isdigit())
    except OSError:
        return []


def read_procs(skip=()):
    """{pid: (ppid, state, comm, starttime)} of every process in /proc (minus skip)."""
    if not USE_PROC:
        return _ps_procs()
    out = {}
    for pid in proc_pids():
        if skip and pid in skip:
            continue
        info = read_stat(pid)
        if info is not None:
            out[pid] = info
    return out


def tree_of(procs, root):
    """{pid: depth} of root's descendants."""
    children = {}
    for pid, info in procs.items():
        children.setdefault(info[0], []).append(pid)
    out = {}
    stack = [(root, 0)]
    while stack:
        pid, depth = stack.pop()
        for c in children.get(pid, ()):
            if c not in out:
                out[c] = depth + 1
                stack.append((c, depth + 1))
    return out


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            data = f.read(4096)
    except OSError:
        return None
    return [os.fsdecode(a) for a in data.split(b"\0") if a] or None


def agent_env(pid, token, bootstrap):
    """Whether a process's environment lets the agent in: the run's token, and the agent's
    bootstrap folder on PYTHONPATH. A process without them never connects, and the deadlock
    detector need not give it time to (src/runner/deadlock/arrivals.ts): a subprocess started
    with an environment of its own, say. None when unknown (not readable, or nothing to look
    for). Read when the process first appears; a fork child still shows its parent's
    environment until it execs, which errs on the side of waiting."""
    if not token or not bootstrap:
        return None
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not data:
        return None  # a zombie, or a kernel thread: nothing to say
    token_entry = ("%s=%s" % (protocol.ENV_TOKEN, token)).encode()
    has_token = has_bootstrap = False
    for entry in data.split(b"\0"):
        if entry == token_entry:
            has_token = True
        elif entry.startswith(b"PYTHONPATH="):
            has_bootstrap = os.fsencode(bootstrap) in entry[11:].split(os.fsencode(os.pathsep))
    return has_token and has_bootstrap


def _status(status):
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), None
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return None, None


class Supervisor(object):
    def __init__(self, cmd, channel, max_processes, linger, grace, scan, strict):
        self.cmd = cmd
        self.ch = channel
        self.max = max_processes
        self.linger = linger
        self.grace = grace
        self.scan_interval = scan
        self.spec = protocol.load() if strict else None
        self.me = os.getpid()
        self.script = None
        self.subreaper = False
        self.script_status = None
        self.script_end = None
        self.known = {}
        self.stop_reason = None
        self.stop_grace = grace
        self.killed = []
        self.runner_lost = False
        self.reader = TreeWalker() if _children_listed() else ProcReader()
        # What a process's environment must hold for its agent to connect (see agent_env).
        self.token = None
        self.bootstrap = None

    def send(self, kind, **fields):
        if self.runner_lost:
            return
        msg = {"t": kind, "ts": time.time() * 1000.0}
        msg.update(fields)
        if self.spec is not None:
            protocol.check_message(self.spec, msg)
        try:
            self.ch.send_line(encode(msg))
        except PeerGone:
            self.lose_runner()

    def lose_runner(self):
        self.runner_lost = True
        if self.stop_reason is None:
            self.stop_reason = "runner-lost"
            self.stop_grace = min(self.grace, 0.5)

    # -- the tree -------------------------------------------------------------------------
    def scan(self, full=False, report=True):
        """The run's processes now: ({pid: depth}, {pid: stat info}). With report, tell the runner
        what appeared, changed or went away (and read new processes' command lines, unless the
        tree is big: reading cmdline contends with forks on the mm lock)."""
        procs, tree = self.reader.read(self.me, full)
        current = {pid: procs[pid] for pid in tree}
        if not report:
            return tree, current
        with_argv = len(current) <= self.max // 2
        for pid, info in current.items():
            old = self.known.get(pid)
            if old is not None and old[3] != info[3]:
                self.send("sup_gone", pid=pid)  # pid reused
                old = None
            if old is None or old[:3] != info[:3]:
                first = old is None and with_argv
                argv = _cmdline(pid) if first else None
                env = agent_env(pid, self.token, self.bootstrap) if first else None
                self.send("sup_proc", pid=pid, ppid=info[0], state=info[1], comm=info[2], argv=argv, agentEnv=env)
        for pid in list(self.known):
            if pid not in current:
                self.send("sup_gone", pid=pid)
        self.known = current
        return tree, current

    def live(self, full=False, report=True):
        tree, current = self.scan(full, report)
        return {pid: depth for pid, depth in tree.items() if current[pid][1] not in ("Z", "X")}

    def reap(self):
        """Collect every child that has exited. Returns True when we have no children left at
        all: as the subreaper, that means no process of the run is left anywhere."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return True
            except InterruptedError:
                continue
            if pid == 0:
                return False
            code, sig = _status(status)
            self.send("sup_reaped", pid=pid, exitcode=code, signal=sig, adopted=pid != self.script)
            if pid == self.script:
                self.script_status = status
                self.script_end = time.monotonic()

    # -- start ----------------------------------------------------------------------------
    def started(self, argv):
        self.send("sup_started", child=self.script, argv=argv, subreaper=self.subreaper, maxProcesses=self.max)

    # -- requests -------------------------------------------------------------------------
    def handle_requests(self):
        try:
            lines = self.ch.read_requests()
        except PeerGone:
            self.lose_runner()
            return
        import json

        for line in lines:
            try:
                req = json.loads(line.decode("utf-8"))
                rid = int(req.get("id"))
            except Exception:
                continue
            kind = req.get("t")
            if kind == "stop":
                if self.stop_reason is None:
                    self.stop_reason = "request"
                    self.stop_grace = max(0, int(req.get("graceMs", self.grace * 1000))) / 1000.0
                self.reply(rid, {"pids": sorted(self.known)})
            elif kind == "signal":
                sig = int(req.get("signal", signal.SIGINT))
                pids = sorted(self.live())
                for pid in pids:
                    _kill(pid, sig)
                self.reply(rid, {"pids": pids})
            elif kind == "ping":
                self.reply(rid, {"pid": self.me})
            else:
                self.send("reply", id=rid, ok=False, data=None, error="unknown request %r" % (kind,))
        self.flush()

    def reply(self, rid, data):
        self.send("reply", id=rid, ok=True, data=data, error=None)

    def flush(self, timeout=1.0):
        if self.runner_lost:
            return
        try:
            self.ch.flush(timeout)
        except PeerGone:
            self.lose_runner()

    # -- stop -----------------------------------------------------------------------------
    def stop_tree(self, reason, grace):
        if grace > 0:
            # Freeze the tree first, then signal it. While a parent still runs, its children
            # dying make it start new ones (a Pool replaces dead workers), and a process created
            # after our snapshot would miss the SIGTERM and run on orphaned, against its dead
            # parent's pipes (BrokenPipeError, EOFError), until the SIGKILL rounds.
            frozen = self.freeze()
            live = self.live(full=True)
            self.send("sup_stopping", reason=reason, pids=sorted(live))
            self.flush()
            order = sorted(live, key=lambda p: -live[p])  # children first
            for pid in order:
                if _kill(pid, signal.SIGTERM):
                    self.killed.append(pid)
            for pid in order + [p for p in frozen if p not in live]:
                _kill(pid, signal.SIGCONT)  # a stopped process takes its SIGTERM once continued
            signalled = set(order)
            deadline = time.monotonic() + grace
            while live and time.monotonic() < deadline:
                if self.reap():
                    break
                left = self.live(full=True, report=False)
                if not left:
                    break
                # One that handles SIGTERM may still start processes: they get theirs too.
                for pid in left:
                    if pid not in signalled and _kill(pid, signal.SIGTERM):
                        signalled.add(pid)
                        self.killed.append(pid)
                time.sleep(0.02)
        else:
            # No grace (the process limit, a lost runner): not a moment to lose on reporting.
            self.send("sup_stopping", reason=reason, pids=sorted(self.known))
        # SIGKILL rounds until we have no child left: as the subreaper, that means nothing of
        # the run is left anywhere (an empty /proc scan alone proves nothing: a process whose
        # parent dies mid-scan is briefly outside the tree).
        killed = set(self.killed)
        deadline = time.monotonic() + 30.0
        while not self.reap() and time.monotonic() < deadline:
            victims = self.freeze_pass()
            for pid in reversed(victims):  # children first
                if _kill(pid, signal.SIGKILL) and pid not in killed:
                    killed.add(pid)
                    self.killed.append(pid)
            time.sleep(0.005)
        self.scan(full=True)

    def freeze(self):
        """SIGSTOP the whole tree: passes until one finds no process it had not stopped already
        (a stopped process cannot start another, so the tree is then fixed). Returns the pids."""
        frozen = set()
        for _ in range(50):
            found = set(self.freeze_pass())
            if found <= frozen:
                break
            frozen |= found
        return frozen

    def freeze_pass(self):
        """One pass over /proc in pid order, SIGSTOPping each process of the tree the moment it
        is found (children usually have higher pids than their parents), so that under a fork
        bomb the tree stops growing and stops competing for the CPU while we look."""
        ours = {self.me}
        found = []
        pending = {}
        table = None if USE_PROC else _ps_procs()
        for pid in proc_pids() if USE_PROC else sorted(table):
            info = read_stat(pid) if USE_PROC else table[pid]
            if info is None:
                continue
            if info[0] in ours:
                ours.add(pid)
                if info[1] not in ("Z", "X"):
                    _kill(pid, signal.SIGSTOP)
                    found.append(pid)
            else:
                pending[pid] = info
        changed = True
        while changed:  # parents with higher pids (pid numbers wrapped around)
            changed = False
            for pid, info in list(pending.items()):
                if info[0] in ours:
                    del pending[pid]
                    ours.add(pid)
                    changed = True
                    if info[1] not in ("Z", "X"):
                        _kill(pid, signal.SIGSTOP)
                        found.append(pid)
        return found

    # -- main loop ------------------------------------------------------------------------
    def run(self, argv):
        import select  # here: in fork mode this module is imported before the fork, by the script too

        r, w = os.pipe()
        os.set_blocking(r, False)
        os.set_blocking(w, False)
        signal.set_wakeup_fd(w)
        signal.signal(signal.SIGCHLD, lambda *a: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the script
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGHUP, self._on_term)
        self.started(argv)
        self.reap()
        self.flush()
        sock = self.ch.sock.fileno()
        while True:
            try:
                readable, _, _ = select.select([sock, r], [], [], self.scan_interval)
            except InterruptedError:
                readable = []
            if r in readable:
                try:
                    while os.read(r, 4096):
                        pass
                except (BlockingIOError, InterruptedError):
                    pass
            no_children = self.reap()
            if sock in readable and not self.runner_lost:
                self.handle_requests()
            if self.stop_reason is None and self.script_end is not None and no_children:
                break  # the script has ended and, as the subreaper, we have no child left at all
            if self.stop_reason is None:
                live = self.live()
                if len(live) > self.max:
                    self.send("sup_limit", count=len(live), max=self.max)
                    self.stop_reason = "limit"
                    self.stop_grace = 0
                elif self.script_end is not None and live and time.monotonic() - self.script_end > self.linger:
                    self.stop_reason = "leftover"
            if self.stop_reason is not None:
                self.stop_tree(self.stop_reason, self.stop_grace)
                break
            self.flush(0.2)
        self.reap()
        for pid in list(self.known):
            self.send("sup_gone", pid=pid)
        self.send("sup_done", killed=self.killed)
        self.flush(2.0)
        status = self.script_status
        if status is None:
            return 1
        code, sig = _status(status)
        return code if code is not None else 128 + (sig or 0)

    def _on_term(self, signum, frame):
        if self.stop_reason is None:
            self.stop_reason = "signal"


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False


def spawn_script(cmd, env):
    """Separate mode: start the script on our own interpreter binary, named as Python names
    itself (through a wrapper such as a pyenv shim, sys.executable would be the wrapper, and
    every spawned child would go through it again, unlike a plain run where the shim execs).
    env: the script's environment."""
    env = dict(env)
    env[protocol.ENV_MAIN] = "1"
    exe = sys.executable or cmd[0]
    argv = [exe] + cmd[1:]
    sigdef = [getattr(signal, s) for s in RESET_SIGNALS if hasattr(signal, s)]
    return os.posix_spawn(exe, argv, env, setsigdef=sigdef), argv


def _config(env):
    config = {}
    for part in env.get(protocol.ENV_CONFIG, "").split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            config[k] = v
    return config


def supervise(script, script_argv, subreaper, env):
    """Connect to the runner and supervise the run until nothing of it is left. Returns the
    script's exit status (as a shell would: 128+N for a signal). env: the run's environment
    (socket, token, config)."""
    path, token = env.get(protocol.ENV_SOCKET), env.get(protocol.ENV_TOKEN)
    config = _config(env)
    ch = Channel(path, token)
    hello = {
        "t": "hello",
        "ts": time.time() * 1000.0,
        "token": token,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "role": "supervisor",
        "helper": None,
        "mpName": None,
        "argv": cmdline(),
        "executable": sys.executable or "",
        "python": "%d.%d.%d" % sys.version_info[:3],
        "cwd": os.getcwd(),
        "wakeSignal": None,
    }
    try:
        ch.connect(hello)
    except Exception as e:
        _kill(script, signal.SIGKILL)
        sys.stderr.write("mpscope supervisor: cannot connect to the runner: %s\n" % e)
        return 4
    _drop_stdio()

    def number(key, default):
        try:
            return int(config.get(key, default))
        except ValueError:
            return default

    sup = Supervisor(
        script_argv,
        ch,
        max_processes=number("maxProcesses", 256),
        linger=number("lingerMs", 1000) / 1000.0,
        grace=number("graceMs", 2000) / 1000.0,
        scan=number("scanMs", 50) / 1000.0 * (1 if USE_PROC else 4),
        strict=config.get("strict") == "1",
    )
    sup.script = script
    sup.subreaper = subreaper
    sup.token = token
    # The runner puts the agent's bootstrap folder first on the run's PYTHONPATH.
    sup.bootstrap = env.get("PYTHONPATH", "").split(os.pathsep)[0] or None
    try:
        return sup.run(script_argv)
    except Exception:
        # Our stderr is gone (_drop_stdio): say it where the runner reports it.
        import traceback

        sup.send("agent_error", message="mpscope's supervisor failed: %s" % traceback.format_exc()[-4000:])
        sup.flush(1.0)
        raise


def _drop_stdio():
    """Once the script runs and the runner is connected, the supervisor lets go of the run's
    stdin, stdout and stderr (it writes nothing there from now on). The output pipes then end
    when the script's processes are gone, as in a plain run, and the runner learns it at the
    same time as the supervisor rather than after the supervisor's own exit (a second wake-up
    in a row, measured ~0.5 ms on the CI VM, on every run)."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        if fd != devnull:
            try:
                os.dup2(devnull, fd)
            except OSError:
                pass
    if devnull > 2:
        os.close(devnull)


def main(argv):
    """Separate mode (python -S -E -s mpscope_supervisor.py -- python script.py args): used when
    the script's interpreter runs without site (-S, -I, -E), where fork mode cannot work."""
    if argv[:1] == ["--warm"]:
        return warm()
    if "--" not in argv:
        sys.stderr.write("usage: mpscope_supervisor.py -- python script.py [args]\n")
        return 2
    cmd = argv[argv.index("--") + 1 :]
    if not os.environ.get(protocol.ENV_SOCKET) or not os.environ.get(protocol.ENV_TOKEN) or not cmd:
        sys.stderr.write("mpscope supervisor: missing socket, token or command\n")
        return 2
    # The script first: its interpreter start-up then overlaps with the rest of ours. Becoming
    # the subreaper right after is in time: a process cannot fork before its interpreter has
    # started, which takes far longer than loading _ctypes.
    script, script_argv = spawn_script(cmd, os.environ)
    subreaper = _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    return supervise(script, script_argv, subreaper, os.environ)


# The control pipe of a warm supervisor (the runner's fourth stdio entry).
WARM_FD = 3


def warm():
    """Warm mode (python -S -E -s mpscope_supervisor.py --warm): started by the runner ahead of a
    run, with the run's stdio pipes and a control pipe on fd 3. Everything the supervisor needs
    is loaded now, while nobody waits; then it blocks until the runner writes the run: one JSON
    line {"cmd": [python, args...], "cwd": ..., "env": {...}}. The run then starts without any
    interpreter start-up of ours in front of the script's, and without a fork of the script's
    interpreter (fork mode), whose copy-on-write faults the script pays for all its life.
    EOF on the control pipe (the runner dropped us): exit quietly."""
    import json
    import select  # noqa: F401  (Supervisor.run needs it; load it before the run, not during)

    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    try:
        os.write(WARM_FD, b"ready\n")
        line = _read_line(WARM_FD)
    except OSError:
        return 0
    finally:
        _close(WARM_FD)  # never inherited by the script
    if not line:
        return 0
    try:
        run = json.loads(line.decode("utf-8"))
        cmd = [str(a) for a in run["cmd"]]
        env = dict((str(k), str(v)) for k, v in run["env"].items())
        os.chdir(run["cwd"])
    except Exception as e:
        sys.stderr.write("mpscope supervisor: bad run request: %s: %s\n" % (type(e).__name__, e))
        return 2
    # The run's environment goes to the script and to supervise(); ours stays as it is (putting
    # the run's ~100 variables into os.environ one by one costs more than the spawn itself).
    script, script_argv = spawn_script(cmd, env)
    subreaper = _prctl(PR_SET_CHILD_SUBREAPER, 1)
    return supervise(script, script_argv, subreaper, env)


def _read_line(fd):
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 65536)
        if not chunk:
            return b""
        data += chunk
    return data


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass


def run_forked(script, subreaper):
    """Fork mode (subreaper.fork_supervisor): this process, the parent of the script, supervises
    the run. Returns the script's exit status."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    return supervise(script, cmdline(), subreaper, os.environ)
