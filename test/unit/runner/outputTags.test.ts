// The output tag parser and attributor (mpscope.run.prefixOutput): real text in the exact form
// the agent writes it (output.py), cut into chunks every way a pipe read can cut it.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { encodeConfig } from '../../../src/runner/launch';
import { RunModel } from '../../../src/runner/model';
import type { Msg } from '../../../src/runner/protocol';
import {
  OUTPUT_TAG_OSC,
  OutputAttributor,
  OutputTagParser,
  outputTag,
  processLabel,
  type OutputPiece,
  type OutputStream,
} from '../../../src/runner/outputTags';

const T = outputTag;
const AGENT_ROOT = path.resolve(__dirname, '../../../src/agent');

/** Every piece the parser makes of `chunks`, the stream's end included, merged per writer. */
function parse(chunks: string[]): OutputPiece[] {
  const p = new OutputTagParser();
  const out: OutputPiece[] = [];
  for (const piece of [...chunks.flatMap((c) => p.feed(c)), ...p.end()]) {
    const last = out[out.length - 1];
    if (last && last.pid === piece.pid) last.text += piece.text;
    else out.push({ ...piece });
  }
  return out;
}

/** `text` cut at every position into two chunks, and into single characters. */
function cuts(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('runner: output tags (prefixOutput)', () => {
  describe('OutputTagParser', () => {
    it('attributes each line to the pid of its tag', () => {
      assert.deepStrictEqual(parse([`${T(101)}hello\n${T(202)}world\n`]), [
        { pid: 101, text: 'hello\n' },
        { pid: 202, text: 'world\n' },
      ]);
    });

    it('finds the same pieces however the chunks are cut, tags split in two included', () => {
      const text = `${T(7)}a\n${T(12345)}b\x1b[31mred\x1b[0m\n${T(7)}c`;
      const expected = [
        { pid: 7, text: 'a\n' },
        { pid: 12345, text: 'b\x1b[31mred\x1b[0m\n' },
        { pid: 7, text: 'c' },
      ];
      for (const chunks of cuts(text)) assert.deepStrictEqual(parse(chunks), expected, JSON.stringify(chunks));
    });

    it('passes text without tags through unchanged (nothing is held back without an ESC)', () => {
      const p = new OutputTagParser();
      assert.deepStrictEqual(p.feed('plain\nline'), [{ pid: null, text: 'plain\nline' }]);
      assert.deepStrictEqual(p.end(), []);
    });

    it('leaves the program\'s own escape sequences alone, also an OSC with another number', () => {
      const text = '\x1b]0;title\x07\x1b]69;x\x07\x1b]6973x\x1b[1mbold\x1b';
      for (const chunks of cuts(text)) {
        assert.deepStrictEqual(parse(chunks), [{ pid: null, text }], JSON.stringify(chunks));
      }
    });

    it('a tag holds until the end of its line: untagged text after it belongs to nobody', () => {
      // os.write(1, b"raw\n") after a print: the raw line gets no prefix, never the last writer's.
      assert.deepStrictEqual(parse([`${T(5)}printed\nraw\n${T(5)}again\n`]), [
        { pid: 5, text: 'printed\n' },
        { pid: null, text: 'raw\n' },
        { pid: 5, text: 'again\n' },
      ]);
    });

    it('keeps partial lines with their writer when another process writes in between', () => {
      // print("abc", end="") in pid 1, a whole line from pid 2, then pid 1 ends its line.
      assert.deepStrictEqual(parse([`${T(1)}abc`, `${T(2)}line\n`, `${T(1)}def\n`]), [
        { pid: 1, text: 'abc' },
        { pid: 2, text: 'line\n' },
        { pid: 1, text: 'def\n' },
      ]);
    });

    it('hands on text at once, holding back only what may be the start of a tag', () => {
      const p = new OutputTagParser();
      assert.deepStrictEqual(p.feed(`${T(3)}What is your name? \x1b]69`), [{ pid: 3, text: 'What is your name? ' }]);
      assert.deepStrictEqual(p.feed('73;3\x07x\n'), [{ pid: 3, text: 'x\n' }]);
    });

    it('never shows a broken tag raw (a foreign write cut into it), and goes on after it', () => {
      assert.deepStrictEqual(parse([`\x1b]${OUTPUT_TAG_OSC};12${T(34)}hello\n${T(5)}ok\n`]), [
        { pid: 34, text: 'hello\n' },
        { pid: 5, text: 'ok\n' },
      ]);
      assert.deepStrictEqual(parse([`\x1b]${OUTPUT_TAG_OSC};x\n`]), [{ pid: null, text: 'x\n' }]);
      // The stream ended inside a tag: dropped. Shorter than a tag's start: it was text.
      assert.deepStrictEqual(parse(['a\n', `\x1b]${OUTPUT_TAG_OSC};9`]), [{ pid: null, text: 'a\n' }]);
      assert.deepStrictEqual(parse(['a\n', '\x1b]69']), [{ pid: null, text: 'a\n\x1b]69' }]);
    });

    it('parses exactly what the agent writes (output.py, a real interpreter)', () => {
      const code = [
        'import io, os',
        'from mpscope_agent import output',
        'buf = io.BytesIO()',
        'cls = output._tagged_class(io.TextIOWrapper)',
        'cls.tag = output.tag_for(4242)',
        'w = cls(buf, encoding="utf-8", newline="\\n", write_through=True)',
        'n = [w.write(s) for s in ("one\\ntwo\\n", "", "thr", "ee\\n\\n", "é\\n")]',
        'w.flush()',
        'os.write(1, buf.getvalue())',
        'os.write(2, repr(n).encode())',
      ].join('\n');
      const r = spawnSync('python3', ['-c', code], { cwd: AGENT_ROOT, encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      // write() returns what it was given, not what it wrote with the tags.
      assert.strictEqual(r.stderr, '[8, 0, 3, 4, 2]');
      assert.deepStrictEqual(parse([r.stdout]), [{ pid: 4242, text: 'one\ntwo\nthree\n\né\n' }]);
      assert.strictEqual(r.stdout.split(T(4242)).length - 1, 6, 'a tag for each write and each line in it');
    });

    it('costs nothing when off: install() imports nothing and leaves the streams alone', () => {
      const code = [
        'import sys',
        'streams = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)',
        'from mpscope_agent import output',
        'class Agent: config = {"scanMs": "50"}',
        'before = set(sys.modules)',
        'output.install(Agent())',
        'print(sorted(set(sys.modules) - before), (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__) == streams)',
      ].join('\n');
      const r = spawnSync('python3', ['-c', code], { cwd: AGENT_ROOT, encoding: 'utf8' });
      assert.strictEqual(r.stdout, '[] True\n', r.stderr);
    });

    it('agrees with the agent on the tag (core.json "outputTag" and output.py)', () => {
      const r = spawnSync('python3', ['-c', 'from mpscope_agent import output; print(output.OUTPUT_TAG_OSC, repr(output.tag_for(7)))'], {
        cwd: AGENT_ROOT,
        encoding: 'utf8',
      });
      assert.strictEqual(r.stdout.trim(), `${OUTPUT_TAG_OSC} '\\x1b]${OUTPUT_TAG_OSC};7\\x07'`);
      assert.strictEqual(T(7), `\x1b]${OUTPUT_TAG_OSC};7\x07`);
    });
  });

  describe('OutputAttributor', () => {
    type Got = Array<[string, OutputStream, string | undefined]>;

    function attributor(names: Map<number, string>, waitMs = 60) {
      const got: Got = [];
      const a = new OutputAttributor(
        (pid, giveUp) => names.get(pid) ?? (giveUp ? `pid ${pid}` : undefined),
        (text, stream, who) => got.push([text, stream, who]),
        waitMs,
      );
      return { a, got };
    }

    it('names each piece, keeping the order across both streams', () => {
      const { a, got } = attributor(new Map([[1, 'MainProcess'], [2, 'Process-1']]));
      a.push('stdout', `${T(1)}out\n`);
      a.push('stderr', `${T(2)}err\n`);
      a.push('stdout', 'untagged\n');
      assert.deepStrictEqual(got, [
        ['out\n', 'stdout', 'MainProcess'],
        ['err\n', 'stderr', 'Process-1'],
        ['untagged\n', 'stdout', undefined],
      ]);
    });

    it('waits for a name that comes a little after the first line, holding back what follows', () => {
      const names = new Map([[1, 'MainProcess']]);
      const { a, got } = attributor(names, 5000);
      a.push('stdout', `${T(9)}first\n`);
      a.push('stdout', `${T(1)}after\n`);
      assert.deepStrictEqual(got, []);
      names.set(9, 'SpawnPoolWorker-2');
      a.refresh();
      assert.deepStrictEqual(got, [
        ['first\n', 'stdout', 'SpawnPoolWorker-2'],
        ['after\n', 'stdout', 'MainProcess'],
      ]);
      a.dispose();
    });

    it('gives up waiting after waitMs (once per process) and says "pid N"', async () => {
      const { a, got } = attributor(new Map(), 50);
      a.push('stdout', `${T(77)}who am I\n`);
      assert.deepStrictEqual(got, []);
      await new Promise((r) => setTimeout(r, 120));
      assert.deepStrictEqual(got, [['who am I\n', 'stdout', 'pid 77']]);
      a.push('stdout', `${T(77)}again\n`);
      assert.deepStrictEqual(got[1], ['again\n', 'stdout', 'pid 77'], 'no second wait');
    });

    it('after a stall of the event loop, reads the name already waiting on a socket before giving up', async () => {
      // The agent says hello on its socket before it writes output, but a busy extension host can
      // stall past waitMs: the name is then in a socket buffer, unread, when the wait ends.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-attr-'));
      const names = new Map<number, string>();
      const { a, got } = attributor(names, 30);
      let client: net.Socket | undefined;
      let accepted!: () => void;
      const connected = new Promise<void>((r) => (accepted = r));
      const server = net.createServer((conn) => {
        conn.on('data', () => {
          names.set(77, 'Process-1');
          a.refresh();
        });
        accepted();
      });
      try {
        await new Promise<void>((r) => server.listen(path.join(dir, 's'), r));
        client = net.connect(path.join(dir, 's'));
        await Promise.all([connected, new Promise<void>((r) => client!.on('connect', r))]);
        a.push('stdout', `${T(77)}hello\n`);
        client.write('hello\n');
        const until = Date.now() + 150;
        while (Date.now() < until) {
          // the stall: the timer's deadline passes while the hello waits in the socket
        }
        await new Promise((r) => setTimeout(r, 100));
        assert.deepStrictEqual(got, [['hello\n', 'stdout', 'Process-1']]);
      } finally {
        a.dispose();
        client?.destroy();
        await new Promise((r) => server.close(r));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('hands on everything held at flush (the run ended), partial tags dropped', () => {
      const { a, got } = attributor(new Map(), 5000);
      a.push('stdout', `${T(8)}late`);
      a.push('stderr', `x\x1b]${OUTPUT_TAG_OSC};`);
      a.end('stderr');
      a.flush();
      assert.deepStrictEqual(got, [
        ['late', 'stdout', 'pid 8'],
        ['x', 'stderr', undefined],
      ]);
    });
  });

  describe('processLabel', () => {
    const hello = (pid: number, ppid: number, role: string, mpName: string | null = null, helper: string | null = null): Msg<'hello'> => ({
      t: 'hello',
      ts: 1,
      token: 't',
      pid,
      ppid,
      role,
      helper,
      mpName,
      argv: [],
      executable: '',
      python: '3.11.7',
      cwd: '/w',
      wakeSignal: 23,
    });

    it('names a process by its multiprocessing name, waits while it may still come, else "pid N"', () => {
      const m = new RunModel();
      m.onHello(hello(10, 1, 'main'), 1);
      m.onHello(hello(11, 10, 'child'), 1); // spawn child: its name comes with its role message
      m.onHello(hello(12, 10, 'fork'), 1); // plain os.fork: no name will come
      m.onHello(hello(13, 10, 'subprocess'), 1);
      m.onHello(hello(14, 10, 'helper', null, 'forkserver'), 1);
      m.onHello(hello(15, 14, 'fork'), 1); // a forkserver's child: its name comes a moment later
      m.onHello(hello(16, 10, 'child', 'Process-9'), 1);
      const labels = (giveUp: boolean) => [10, 11, 12, 13, 14, 15, 16, 17].map((pid) => processLabel(m, pid, giveUp));
      assert.deepStrictEqual(labels(false), ['MainProcess', undefined, 'pid 12', 'pid 13', 'pid 14', undefined, 'Process-9', undefined]);
      assert.deepStrictEqual(labels(true), ['MainProcess', 'pid 11', 'pid 12', 'pid 13', 'pid 14', 'pid 15', 'Process-9', 'pid 17']);
      m.apply(11, { t: 'role', ts: 2, role: 'worker', helper: null, mpName: 'SpawnPoolWorker-2' });
      m.apply(15, { t: 'role', ts: 2, role: 'child', helper: null, mpName: 'ForkServerProcess-1' });
      assert.deepStrictEqual([processLabel(m, 11, false), processLabel(m, 15, false)], ['SpawnPoolWorker-2', 'ForkServerProcess-1']);
    });
  });

  it('reaches the agent only when on: prefixOutput=1 in MPSCOPE_CONFIG, nothing when off', () => {
    assert.strictEqual(encodeConfig({ scanMs: 50, prefixOutput: true }), 'scanMs=50;prefixOutput=1');
    assert.strictEqual(encodeConfig({ scanMs: 50, prefixOutput: false }), 'scanMs=50');
    assert.strictEqual(encodeConfig({ scanMs: 50, prefixOutput: undefined }), 'scanMs=50');
  });
});
