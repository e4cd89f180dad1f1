// Each orphan rule: when it fires, when it must not, and that PID 1 is never the test.
import * as assert from 'assert';
import { orphanEvidence, type OrphanContext, type OrphanSubject } from '../../../src/procs/orphans';

const child = (more: Partial<OrphanSubject> = {}): OrphanSubject => ({
  pid: 500,
  ppid: 400,
  pgid: 300,
  sid: 300,
  isPython: true,
  role: 'fork-child',
  ...more,
});
const ctx = (more: Partial<OrphanContext> = {}): OrphanContext => ({
  parent: { pid: 400, name: 'python3', pgid: 300, sid: 300, isPython: true },
  parentIsAdopter: false,
  groupLeaderAlive: true,
  sessionsKnown: true,
  ...more,
});
const rules = (s: OrphanSubject, c: OrphanContext) => orphanEvidence(s, c).map((e) => e.rule);

describe('procs: orphan rules', () => {
  it('a child under its own parent is not an orphan', () => {
    assert.deepStrictEqual(rules(child(), ctx()), []);
  });

  it('launched-parent-changed: proof, and it settles the question either way', () => {
    const e = orphanEvidence(child({ launchedUnder: 399, ppid: 400 }), ctx());
    assert.deepStrictEqual(e.map((x) => x.rule), ['launched-parent-changed']);
    assert.strictEqual(e[0].strength, 'proof');
    assert.match(e[0].detail, /started it under pid 399; its parent is now 400 \(python3\)/);
    // Under its recorded parent it is not an orphan, whatever else looks odd.
    assert.deepStrictEqual(rules(child({ launchedUnder: 400, sid: 999 }), ctx({ parentIsAdopter: true })), []);
  });

  it('observed-reparent: proof when mpscope saw the ppid change', () => {
    const e = orphanEvidence(child({ firstPpid: 450 }), ctx());
    assert.strictEqual(e[0].rule, 'observed-reparent');
    assert.strictEqual(e[0].strength, 'proof');
    assert.deepStrictEqual(rules(child({ firstPpid: 400 }), ctx()), []);
  });

  it('session-mismatch: a non-leader in another session than its parent (a subreaper, not init)', () => {
    const adopter = { pid: 400, name: 'python3', pgid: 400, sid: 400, isPython: true };
    assert.deepStrictEqual(rules(child(), ctx({ parent: adopter, parentIsAdopter: true, groupLeaderAlive: true })), ['session-mismatch']);
    // A session leader started by a service manager (setsid) is not an orphan.
    assert.deepStrictEqual(rules(child({ sid: 500, pgid: 500 }), ctx({ parent: adopter })), []);
    // Sessions of 0 (processes the kernel started) prove nothing.
    assert.deepStrictEqual(rules(child({ sid: 0 }), ctx({ parent: { ...adopter, sid: 0 } })), []);
  });

  it('never assumes PID 1: ppid 1 alone is not an orphan when sessions can be read', () => {
    const init = { pid: 1, name: 'init', pgid: 0, sid: 0, isPython: false };
    // Started by init without a new session (e.g. a container entrypoint): same session as init.
    assert.deepStrictEqual(rules(child({ ppid: 1, sid: 0, pgid: 0, role: 'main' }), ctx({ parent: init, parentIsAdopter: true })), []);
  });

  it('group-leader-gone: under init or a subreaper, with its process group leader dead', () => {
    const reaper = { pid: 400, name: 'systemd', pgid: 400, sid: 300, isPython: false };
    assert.deepStrictEqual(
      rules(child({ role: 'main' }), ctx({ parent: reaper, parentIsAdopter: true, groupLeaderAlive: false })),
      ['group-leader-gone'],
    );
    // Not under an adopter (e.g. `a | b` after `a` exited): no.
    assert.deepStrictEqual(rules(child({ role: 'main' }), ctx({ parent: { ...reaper, name: 'bash' }, groupLeaderAlive: false })), []);
    // The group leader lives: no.
    assert.deepStrictEqual(rules(child({ role: 'main' }), ctx({ parent: reaper, parentIsAdopter: true, groupLeaderAlive: true })), []);
  });

  it('mp-child-foreign-parent: a multiprocessing command line under a non-Python parent', () => {
    const sh = { pid: 400, name: 'bash', pgid: 300, sid: 300, isPython: false };
    for (const role of ['spawn-child', 'forkserver', 'forkserver-child', 'resource-tracker'] as const) {
      assert.deepStrictEqual(rules(child({ role }), ctx({ parent: sh })), ['mp-child-foreign-parent'], role);
    }
    assert.deepStrictEqual(rules(child({ role: 'spawn-child' }), ctx()), [], 'under Python it is normal');
    assert.deepStrictEqual(rules(child({ role: 'main' }), ctx({ parent: sh })), [], 'a script under a shell is normal');
  });

  it('python-under-init: only a weak guess, and only where sessions cannot be read', () => {
    const launchd = { pid: 1, name: 'launchd', isPython: false };
    const e = orphanEvidence(child({ ppid: 1, sid: undefined, pgid: undefined }), ctx({ parent: launchd, parentIsAdopter: true, sessionsKnown: false }));
    assert.deepStrictEqual(e.map((x) => x.rule), ['python-under-init']);
    assert.strictEqual(e[0].strength, 'weak');
    assert.deepStrictEqual(rules(child({ ppid: 1 }), ctx({ parent: launchd, parentIsAdopter: true, sessionsKnown: true })), []);
    assert.deepStrictEqual(rules(child({ ppid: 1, isPython: false }), ctx({ parent: launchd, parentIsAdopter: true, sessionsKnown: false })), []);
  });

  it('reports every rule that fired, strongest first', () => {
    const reaper = { pid: 400, name: 'tini', pgid: 1, sid: 1, isPython: false };
    const e = orphanEvidence(child({ role: 'spawn-child', firstPpid: 450 }), ctx({ parent: reaper, parentIsAdopter: true, groupLeaderAlive: false }));
    assert.deepStrictEqual(e.map((x) => x.rule), ['observed-reparent', 'session-mismatch', 'group-leader-gone', 'mp-child-foreign-parent']);
  });

  it('init and the roots are never orphans', () => {
    assert.deepStrictEqual(rules(child({ pid: 1, ppid: 0 }), ctx({ parent: undefined })), []);
    assert.deepStrictEqual(rules(child({ ppid: 0 }), ctx({ parent: undefined })), []);
  });
});
