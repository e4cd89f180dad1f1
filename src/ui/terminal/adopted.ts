// A program started from a terminal, shown in VS Code like an mpscope run: the runner's Session
// (in adopted mode: no launch, no supervisor) behind the editor's RunHandle. Output stays in the
// user's own terminal, and so does stdin.
import type { MpscopeContext } from '../context';
import { SessionHandle } from '../run/runner-backend';
import type { Session } from '../../runner/session';

/** Stop: SIGTERM, then SIGKILL after this long. */
const GRACE_MS = 2000;

export class AdoptedHandle extends SessionHandle {
  constructor(
    ctx: MpscopeContext,
    private readonly adoptedSession: Session,
    interpreter: string,
    /** The pids whose agents are still connected, deepest first (children before parents). */
    private readonly livePids: () => number[],
  ) {
    super(ctx, adoptedSession, interpreter);
  }

  /**
   * Stop Run on a terminal program: its processes end as with a run (children first, SIGTERM,
   * then SIGKILL), and its report is final. Only processes whose agent is still connected are
   * signalled: a connected agent proves the pid is still that process.
   */
  override async stop(): Promise<void> {
    const s = this.adoptedSession;
    if (s.state === 'ended') return;
    s.stopReason = s.stopReason ?? 'stop';
    const signal = (pids: number[], sig: NodeJS.Signals): void => {
      for (const pid of pids) {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      }
    };
    signal(this.livePids(), 'SIGTERM');
    const deadline = Date.now() + GRACE_MS;
    while (this.livePids().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    signal(this.livePids(), 'SIGKILL');
    await s.finishAdopted();
  }

  /** A new run starts: stop following this program (its processes go on) and end its report. */
  detach(): void {
    const s = this.adoptedSession;
    if (s.state === 'ended') return;
    s.stopReason = s.stopReason ?? 'detached';
    void s.finishAdopted();
  }
}
