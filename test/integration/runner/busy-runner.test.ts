// A runner whose event loop is busy while a whole short run happens (an extension host that is
// drawing, a CLI under load): when it looks again, the run has ended, and the connections of its
// processes are waiting all at once, some not accepted yet, some not read yet. The report must
// still have every process, and the output its writers' names. (This was the intermittent
// "[pid N]" of the prefixOutput VS Code test: the run was finished before those were read.)
import * as assert from 'assert';
import * as path from 'path';
import { attributeSessionOutput } from '../../../src/runner/outputTags';
import { Session } from '../../../src/runner/session';
import { disposeWarmSupervisors } from '../../../src/runner/warmSupervisor';
import { cleanupSessions, FIXTURES } from './helpers';

/** Blocks this process's event loop, as a long synchronous task would. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

describe('runner: a busy runner', function () {
  this.timeout(60_000);
  afterEach(async () => {
    disposeWarmSupervisors();
    await cleanupSessions();
  });

  for (const warm of [false, true]) {
    it(`reads every process of a run that began and ended while it was busy (${warm ? 'warm supervisor' : 'cold start'})`, async () => {
      const script = path.join(FIXTURES, '..', 'editor', 'two_writers.py');
      const stdio = { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' } as const;
      for (let i = 0; i < 3; i++) {
        if (warm) assert.ok(await Session.prewarm({ ...stdio }).ready);
        const session = new Session({ script, ...stdio, prefixOutput: true });
        await session.start();
        let out = '';
        attributeSessionOutput(session, (text, _stream, who) => (out += `[${who}] ${text}`));
        busy(1500); // the whole run happens now
        const report = await session.wait();
        const names = report.processes.map((p) => p.name).sort();
        assert.deepStrictEqual(names, ['MainProcess', 'Process-1'], `round ${i}: ${JSON.stringify(report.processes.map((p) => [p.pid, p.role, p.name]))}`);
        assert.match(out, /\[MainProcess\] hello from MainProcess\n/, `round ${i}: ${out}`);
        assert.match(out, /\[Process-1\] hello from Process-1\n/, `round ${i}: ${out}`);
        assert.match(out, /\[MainProcess\] bye from MainProcess\n/, `round ${i}: ${out}`);
      }
    });
  }
});
