// The portable back end, for macOS, Windows and Linux without /proc: the `ps-list` package
// (one or two `ps` runs, or fastlist.exe on Windows) for the snapshot, and `pidtree` for the
// descendants of a process. It can read less than procfs: no state letters (a zombie is
// recognised by ps's `<defunct>` marker), no threads, memory only as a percentage, CPU only as
// the OS's own average, no sessions. `capabilities` says so, and the shared test suite holds it
// to that.
import * as fs from 'fs';
import * as os from 'os';
import psList from 'ps-list';
import pidtree from 'pidtree';
import type { ProcessRecord, ProcessSource, SourceCapabilities } from '../types';
import { parsePasswd } from '../procfs/parse';

type PsListEntry = Awaited<ReturnType<typeof psList>>[number];

/** `ps` prints a zombie's command as `[name] <defunct>` (procps) or `<defunct>` (BSD). */
const DEFUNCT = /<defunct>\s*$/;

export class PsListSource implements ProcessSource {
  readonly id = 'ps-list' as const;
  readonly capabilities: SourceCapabilities = {
    state: 'zombie-only',
    threads: false,
    rssBytes: false,
    intervalCpu: false,
    sessions: false,
    exactStartTime: false,
    exactArgv: false,
  };

  private users: Map<number, string> | undefined;

  async list(): Promise<ProcessRecord[]> {
    const entries = await psList({ all: true });
    const out: ProcessRecord[] = [];
    for (const e of entries) {
      if (!Number.isInteger(e.pid)) continue;
      out.push(this.toRecord(e));
    }
    return out;
  }

  async get(pid: number): Promise<ProcessRecord | undefined> {
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return (await this.list()).find((r) => r.pid === pid);
  }

  async descendants(pid: number): Promise<number[]> {
    try {
      return await pidtree(pid);
    } catch {
      // pidtree rejects when the pid does not exist ("No matching pid found").
      return [];
    }
  }

  private toRecord(e: PsListEntry): ProcessRecord {
    const rawCommand = e.cmd ?? '';
    const zombie = DEFUNCT.test(rawCommand);
    const command = zombie ? '' : rawCommand;
    const startTime = e.startTime ? e.startTime.getTime() : NaN;
    const linuxKernelThread = process.platform === 'linux' && (e.pid === 2 || e.ppid === 2);
    return {
      pid: e.pid,
      ppid: e.ppid,
      startToken: Number.isNaN(startTime) ? '' : String(startTime),
      startTime,
      // procps shows a zombie as "[python3] <defunct>": its name is in the brackets.
      name: zombie ? (/^\[([^\]]*)\]/.exec(rawCommand)?.[1] ?? e.name) : e.name,
      argv: command ? command.split(/\s+/) : [],
      command,
      uid: e.uid,
      user: e.uid === undefined ? undefined : this.userName(e.uid),
      state: zombie ? 'zombie' : 'unknown',
      stateCode: zombie ? 'Z' : undefined,
      memPercent: e.memory,
      cpuPercentOs: e.cpu,
      kernelThread: linuxKernelThread || e.pid === 0,
    };
  }

  private userName(uid: number): string {
    if (!this.users) {
      this.users = new Map();
      try {
        this.users = parsePasswd(fs.readFileSync('/etc/passwd', 'utf8'));
      } catch {
        // Windows, or macOS users that live in Directory Services only
      }
      try {
        const me = os.userInfo();
        this.users.set(me.uid, me.username);
      } catch {
        // no name for our own uid either: numbers will do
      }
    }
    return this.users.get(uid) ?? String(uid);
  }
}
