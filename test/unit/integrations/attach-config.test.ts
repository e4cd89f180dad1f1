import * as assert from 'assert';
import { attachRefusal, buildAttachConfig, ptraceHint, sessionName } from '../../../src/ui/debug/attach-config';

describe('integrations: debugpy attach configuration', () => {
  it('attaches by process id with justMyCode off, named after the multiprocessing name', () => {
    assert.deepStrictEqual(buildAttachConfig({ pid: 4312, mpName: 'SpawnPoolWorker-2' }), {
      type: 'debugpy',
      request: 'attach',
      name: 'SpawnPoolWorker-2',
      processId: 4312,
      justMyCode: false,
    });
  });

  it('names processes mpscope did not start "Python <pid>"', () => {
    assert.strictEqual(sessionName({ pid: 77 }), 'Python 77');
    assert.strictEqual(sessionName({ pid: 77, mpName: '  ' }), 'Python 77');
    assert.strictEqual(buildAttachConfig({ pid: 77 }).name, 'Python 77');
  });

  it('refuses what cannot be debugged, with the reason', () => {
    assert.match(attachRefusal({ pid: 10, isZombie: true }) ?? '', /zombie/);
    assert.match(attachRefusal({ pid: 10, exited: true }) ?? '', /has exited/);
    assert.match(attachRefusal({ pid: 10, isPython: false }) ?? '', /not a Python interpreter/);
    assert.match(attachRefusal({ pid: 0 }) ?? '', /not a process id/);
    assert.match(attachRefusal({ pid: -3 }) ?? '', /not a process id/);
    assert.match(attachRefusal({ pid: 1.5 }) ?? '', /not a process id/);
    assert.match(attachRefusal({ pid: 500 }, 500) ?? '', /extension host/);
  });

  it('lets a live Python process (or one of unknown kind) through', () => {
    assert.strictEqual(attachRefusal({ pid: 10, isPython: true }, 1), undefined);
    assert.strictEqual(attachRefusal({ pid: 10 }, 1), undefined);
  });

  it('explains the Yama ptrace policy only when it stands in the way', () => {
    assert.strictEqual(ptraceHint(undefined, false), undefined);
    assert.strictEqual(ptraceHint('0\n', false), undefined);
    assert.strictEqual(ptraceHint('garbage', false), undefined);
    assert.match(ptraceHint('1\n', false) ?? '', /ptrace_scope = 1.*sysctl kernel\.yama\.ptrace_scope=0/);
    assert.strictEqual(ptraceHint('1\n', true), undefined);
    assert.match(ptraceHint('2\n', false) ?? '', /needs root/);
    assert.strictEqual(ptraceHint('2\n', true), undefined);
    assert.match(ptraceHint('3\n', true) ?? '', /forbids/);
  });
});
