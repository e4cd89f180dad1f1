// The line of the last put on a queue, as the feeder-thread hazard names it. The agent writes it
// into the queue's record only when the call site differs from the one written last (a put in a
// loop writes once): a forked child, with a state file of its own, must write it again even when
// it puts from the site its parent used last, and a later put from another site must win.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Session } from '../../../src/runner/session';

const SCRIPT = `import multiprocessing as mp
import sys


def fill(q, data):
    q.put(data)  #@ fill


def child(q, mode):
    fill(q, b"x" * (10 * 1024 * 1024))
    if mode == "later":
        q.put(b"end")  #@ later


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    fill(q, b"from the parent")
    p = ctx.Process(target=child, args=(q, sys.argv[1]))
    p.start()
    p.join()  #@ join
    print(len(q.get()))
`;

function lineOf(tag: string): number {
  return SCRIPT.split('\n').findIndex((l) => l.includes(`#@ ${tag}`)) + 1;
}

describe('deadlock: the put line of the feeder-thread hazard', function () {
  this.timeout(60_000);
  let dir: string;
  let session: Session | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-putsite-'));
    fs.writeFileSync(path.join(dir, 'putsite.py'), SCRIPT);
  });
  afterEach(async () => {
    const s = session;
    session = undefined;
    if (s && s.state !== 'ended') await s.stop('test cleanup', 200);
    if (s) assert.deepStrictEqual(s.remainingPids({ zombies: true }), [], 'processes left behind');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [mode, tag] of [
    ['same', 'fill'],
    ['later', 'later'],
  ] as const) {
    it(`names the child's last put (${mode === 'same' ? 'the site its parent used last' : 'a later site'})`, async () => {
      session = new Session({
        script: path.join(dir, 'putsite.py'),
        args: [mode],
        cwd: dir,
        strict: true,
        stdin: 'ignore',
        hangTimeoutMs: 1000,
        timeoutMs: 30_000,
      });
      await session.start();
      const report = await session.wait();
      const found = report.findings.filter((f) => f.kind === 'deadlock');
      assert.strictEqual(found.length, 1, JSON.stringify(report.findings.map((f) => f.message)));
      assert.match(found[0].message, new RegExp(`still writing the data it put \\(at putsite\\.py:${lineOf(tag)}\\)`));
      assert.deepStrictEqual(report.agentErrors, []);
    });
  }
});
