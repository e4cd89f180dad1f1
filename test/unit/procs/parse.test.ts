// The /proc parsers on real-shaped lines, including the awkward ones.
import * as assert from 'assert';
import {
  AT_CLKTCK,
  AT_PAGESZ,
  PF_KTHREAD,
  parseAuxv,
  parseBootTime,
  parseCmdline,
  parsePasswd,
  parseStatLine,
  parseStatusUid,
  stateFromCode,
} from '../../../src/procs/procfs/parse';

/** A stat line as Linux 6.x writes it (52 fields), with the given pid, comm, state and ppid. */
function statLine(pid: number, comm: string, state = 'S', ppid = 1, extra: Partial<Record<number, number>> = {}): string {
  const fields: (string | number)[] = [pid, `(${comm})`, state, ppid, pid, pid, 0, -1, 4194304, 98, 0, 0, 0, 7, 3, 0, 0, 20, 0, 4, 0, 44128, 3133440, 359];
  while (fields.length < 52) fields.push(fields.length === 25 ? 94564217356288 : fields.length === 27 ? 140724714487808 : 0);
  for (const [field, value] of Object.entries(extra)) fields[Number(field) - 1] = value!;
  return fields.join(' ') + '\n';
}

describe('procs: /proc/<pid>/stat parsing', () => {
  it('reads the fields mpscope uses', () => {
    const s = parseStatLine(statLine(16915, 'cat', 'R', 16913))!;
    assert.strictEqual(s.pid, 16915);
    assert.strictEqual(s.comm, 'cat');
    assert.strictEqual(s.stateCode, 'R');
    assert.strictEqual(s.ppid, 16913);
    assert.strictEqual(s.pgid, 16915);
    assert.strictEqual(s.sid, 16915);
    assert.strictEqual(s.flags, 4194304);
    assert.strictEqual(s.utime, 7);
    assert.strictEqual(s.stime, 3);
    assert.strictEqual(s.threads, 4);
    assert.strictEqual(s.startTicks, 44128);
    assert.strictEqual(s.rssPages, 359);
    assert.strictEqual(s.startCode, 94564217356288);
    assert.strictEqual(s.startStack, 140724714487808);
  });

  it('reads a real line of this process the same way', function () {
    let text: string;
    try {
      text = require('fs').readFileSync('/proc/self/stat', 'utf8');
    } catch {
      this.skip();
    }
    const s = parseStatLine(text!)!;
    assert.strictEqual(s.pid, process.pid);
    assert.strictEqual(s.ppid, process.ppid);
    assert.ok(s.threads >= 1 && s.startTicks > 0 && s.rssPages > 0);
  });

  for (const comm of ['a) (b c', 'x)', '(', ')) S 1 2 3 ((', 'two  spaces', 'new\nline', '', 'ünïcode ✓']) {
    it(`keeps the fields aligned when the name is ${JSON.stringify(comm)}`, () => {
      const s = parseStatLine(statLine(4242, comm, 'Z', 77))!;
      assert.ok(s, 'not parsed');
      assert.strictEqual(s.comm, comm);
      assert.strictEqual(s.stateCode, 'Z');
      assert.strictEqual(s.ppid, 77);
      assert.strictEqual(s.threads, 4);
      assert.strictEqual(s.startTicks, 44128);
    });
  }

  it('reads a kernel thread flag and a zombie line', () => {
    const k = parseStatLine(statLine(2, 'kthreadd', 'S', 0, { 9: PF_KTHREAD | 0x40 }))!;
    assert.ok((k.flags & PF_KTHREAD) !== 0);
    const z = parseStatLine(statLine(99, 'python3', 'Z', 98, { 24: 0, 26: 0, 28: 0 }))!;
    assert.strictEqual(z.rssPages, 0);
    assert.strictEqual(z.startCode, 0);
  });

  it('rejects lines that are not stat lines', () => {
    for (const bad of ['', 'garbage', '12 (x', '12 (x) S 1', 'abc (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23']) {
      assert.strictEqual(parseStatLine(bad), undefined, bad);
    }
  });

  it('names every state letter', () => {
    assert.strictEqual(stateFromCode('R'), 'running');
    assert.strictEqual(stateFromCode('S'), 'sleeping');
    assert.strictEqual(stateFromCode('D'), 'disk-sleep');
    assert.strictEqual(stateFromCode('Z'), 'zombie');
    assert.strictEqual(stateFromCode('T'), 'stopped');
    assert.strictEqual(stateFromCode('t'), 'tracing-stop');
    assert.strictEqual(stateFromCode('I'), 'idle');
    assert.strictEqual(stateFromCode('X'), 'dead');
    assert.strictEqual(stateFromCode('Ss+'), 'sleeping');
    assert.strictEqual(stateFromCode('?'), 'unknown');
    assert.strictEqual(stateFromCode(undefined), 'unknown');
  });
});

describe('procs: other /proc files', () => {
  it('splits cmdline on NUL, keeping arguments with spaces', () => {
    assert.deepStrictEqual(parseCmdline('python3\0-c\0print("a b")\0'), ['python3', '-c', 'print("a b")']);
    assert.deepStrictEqual(parseCmdline('python3\0arg\0\0'), ['python3', 'arg', '']);
    assert.deepStrictEqual(parseCmdline('no-nul-at-end'), ['no-nul-at-end']);
    assert.deepStrictEqual(parseCmdline(''), []);
  });

  it('reads the effective uid from status', () => {
    assert.strictEqual(parseStatusUid('Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1\t1\t1\t1\n'), 0);
    assert.strictEqual(parseStatusUid('Name:\tx\n'), undefined);
  });

  it('reads btime from /proc/stat', () => {
    assert.strictEqual(parseBootTime('cpu 1 2 3\nintr 5\nbtime 1763921851\nprocesses 9\n'), 1763921851);
    assert.strictEqual(parseBootTime('cpu 1 2 3\n'), undefined);
  });

  it('maps uids to names from passwd, skipping junk', () => {
    const users = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nnobody:x:65534:65534::/:/sbin/nologin\ndup:x:0:0::/:/bin/sh\n');
    assert.strictEqual(users.get(0), 'root');
    assert.strictEqual(users.get(65534), 'nobody');
    assert.strictEqual(users.size, 2);
  });

  it('reads page size and clock ticks from an auxiliary vector', () => {
    const buf = Buffer.alloc(16 * 4);
    const pairs = [
      [AT_PAGESZ, 16384],
      [AT_CLKTCK, 250],
      [0, 0],
    ];
    pairs.forEach(([t, v], i) => {
      buf.writeBigUInt64LE(BigInt(t), i * 16);
      buf.writeBigUInt64LE(BigInt(v), i * 16 + 8);
    });
    const aux = parseAuxv(buf, 8, true);
    assert.strictEqual(aux.get(AT_PAGESZ), 16384);
    assert.strictEqual(aux.get(AT_CLKTCK), 250);
    const small = Buffer.alloc(16);
    small.writeUInt32BE(AT_CLKTCK, 0);
    small.writeUInt32BE(100, 4);
    assert.strictEqual(parseAuxv(small, 4, false).get(AT_CLKTCK), 100);
  });
});
