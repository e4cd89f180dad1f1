// The launch registry (binding to start times, pruning) and the words shared by CLI and view.
import * as assert from 'assert';
import {
  LaunchRegistry,
  formatBytes,
  formatDuration,
  refusalReason,
  signalErrorFrom,
  type SafetyContext,
} from '../../../src/procs';
import { rec } from './synthetic';

describe('procs: the launch registry', () => {
  it('binds a launch to the first process seen on that pid, and drops it on PID reuse', () => {
    const r = new LaunchRegistry();
    r.markLaunched(100, 50);
    assert.strictEqual(r.launchOf(100, '777')?.originalPpid, 50);
    assert.strictEqual(r.launchOf(100, '777')?.originalPpid, 50);
    assert.strictEqual(r.launchOf(100, '999'), undefined, 'another process on the same pid');
    assert.strictEqual(r.launchOf(100, '777'), undefined, 'and the stale record is gone');
  });

  it('merges annotations of one process, and keeps them apart from a reused pid', () => {
    const r = new LaunchRegistry();
    r.annotate(7, { mpName: 'Process-1' }, 'a');
    r.annotate(7, { startSite: { file: '/x/app.py', line: 3 } }, 'a');
    assert.deepStrictEqual(r.annotationOf(7, 'a'), { mpName: 'Process-1', startSite: { file: '/x/app.py', line: 3 } });
    r.annotate(7, { mpName: 'Process-9' }, 'b');
    assert.deepStrictEqual(r.annotationOf(7, 'b'), { mpName: 'Process-9' });
  });

  it('prunes gone processes, but not launches recorded while the snapshot was read', () => {
    const r = new LaunchRegistry();
    r.markLaunched(1, 0);
    const snapshotStart = Date.now() + 1; // a snapshot that started after the launch
    r.prune(new Set(), snapshotStart);
    assert.ok(r.isEmpty);
    r.markLaunched(2, 0);
    r.prune(new Set(), Date.now() - 1000); // started before the launch: may not include it
    assert.strictEqual(r.launchOf(2, 'x')?.originalPpid, 0);
  });

  it('tells listeners about changes', () => {
    const r = new LaunchRegistry();
    let calls = 0;
    const sub = r.onDidChange(() => calls++);
    r.markLaunched(3, 1);
    r.markSubreaper(1);
    sub.dispose();
    r.annotate(3, { mpName: 'x' });
    assert.strictEqual(calls, 2);
    assert.ok(r.isSubreaper(1));
  });
});

describe('procs: signal safety rules (no processes)', () => {
  const safety: SafetyContext = { selfPid: 500, selfUid: 1000, protectedPids: new Set([500, 400, 300]) };

  it('refuses init, kernel threads, mpscope and its ancestors, other users', () => {
    assert.match(refusalReason(rec(1, 0, '/sbin/init'), safety)!, /init/);
    assert.match(refusalReason(rec(9, 2, '', { kernelThread: true, name: 'kworker' }), safety)!, /kernel thread/);
    assert.match(refusalReason(rec(500, 400, 'node'), safety)!, /mpscope itself/);
    assert.match(refusalReason(rec(300, 1, 'code'), safety)!, /ancestor/);
    assert.match(refusalReason(rec(600, 1, 'python3 x.py', { uid: 0, user: 'root' }), safety)!, /belongs to user root/);
    assert.strictEqual(refusalReason(rec(600, 1, 'python3 x.py'), safety), undefined);
  });

  it('turns the errors of kill(2) into clear messages', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.strictEqual(signalErrorFrom(err('ESRCH'), { pid: 5, name: 'x' }).reason, 'vanished');
    const eperm = signalErrorFrom(err('EPERM'), { pid: 5, name: 'x' });
    assert.strictEqual(eperm.reason, 'permission');
    assert.match(eperm.message, /Not permitted to signal process 5 \(x\)/);
    assert.strictEqual(signalErrorFrom(err('EINVAL'), { pid: 5, name: 'x' }).reason, 'failed');
  });
});

describe('procs: formatting', () => {
  it('bytes and durations', () => {
    assert.strictEqual(formatBytes(512), '512 B');
    assert.strictEqual(formatBytes(1536), '1.5 KiB');
    assert.strictEqual(formatBytes(21 * 1024 * 1024), '21 MiB');
    assert.strictEqual(formatBytes(undefined), '');
    assert.strictEqual(formatDuration(4_400), '4 s');
    assert.strictEqual(formatDuration(125_000), '2 min 5 s');
    assert.strictEqual(formatDuration(3 * 3600_000 + 60_000), '3 h 1 min');
    assert.strictEqual(formatDuration(50 * 3600_000), '2 d 2 h');
  });
});
