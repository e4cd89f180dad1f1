import * as assert from 'assert';
import { LineEditor, OutputFormatter } from '../../../src/runner/view/terminal-text';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('runner/view terminal text', () => {
  it('passes output through with CRLF line ends when not prefixing', () => {
    const f = new OutputFormatter(false);
    assert.strictEqual(f.format('a\nb', 'Process-1') + f.format('c\n', 'Process-2'), 'a\r\nbc\r\n');
    assert.strictEqual(f.finishLine(), '');
  });

  it('prefixes each line with the process that wrote it, never mixing two on one line', () => {
    const f = new OutputFormatter(true);
    const out = f.format('hello\nwor', 'MainProcess') + f.format('x\n', 'Process-1') + f.format('ld\n', 'MainProcess');
    assert.strictEqual(strip(out), '[MainProcess] hello\r\n[MainProcess] wor\r\n[Process-1] x\r\n[MainProcess] ld\r\n');
    // The same process keeps its colour; different processes get different ones.
    const colorOf = (name: string) => out.match(new RegExp(`\\x1b\\[(\\d+)m\\[${name}\\]`))![1];
    assert.notStrictEqual(colorOf('MainProcess'), colorOf('Process-1'));
  });

  it('shows stderr in red and can end a partial line before mpscope writes', () => {
    const f = new OutputFormatter(false);
    assert.strictEqual(f.format('oops', undefined, 'stderr'), '\x1b[31moops\x1b[0m');
    assert.strictEqual(f.finishLine(), '\r\n');
  });

  it('with prefixes, ends a partial line when the stream changes, and keeps stderr red after the prefix', () => {
    const f = new OutputFormatter(true);
    const out = f.format('Enter: ', 'MainProcess') + f.format('warn\n', 'MainProcess', 'stderr');
    assert.strictEqual(strip(out), '[MainProcess] Enter: \r\n[MainProcess] warn\r\n');
    assert.match(out, /\[MainProcess\]\x1b\[0m \x1b\[31mwarn\x1b\[0m/);
  });

  it('writes the prefix again after a carriage return that redraws the line (progress counters)', () => {
    const f = new OutputFormatter(true);
    assert.strictEqual(strip(f.format('10%\r20%', 'Process-1')), '[Process-1] 10%\r[Process-1] 20%');
    // Untagged text (os.write) has no prefix to repeat; without prefixes nothing changes.
    assert.strictEqual(strip(f.format('raw\rx', undefined)), '\r\nraw\rx');
    assert.strictEqual(new OutputFormatter(false).format('10%\r20%', 'Process-1'), '10%\r20%');
  });

  it('starts a new prefixed line after the user ended one by typing Enter', () => {
    const f = new OutputFormatter(true);
    const prompt = strip(f.format('name? ', 'MainProcess'));
    f.lineEnded(); // the terminal echoed "mpscope\r\n"
    assert.strictEqual(prompt + strip(f.format('hello\n', 'MainProcess')), '[MainProcess] name? [MainProcess] hello\r\n');
  });

  it('edits a line like a cooked terminal: echo, backspace, Enter, Ctrl-U, Ctrl-C, Ctrl-D', () => {
    const e = new LineEditor();
    let r = e.feed('helo\x7flo');
    assert.strictEqual(r.echo, 'helo\b \blo');
    assert.deepStrictEqual(r.lines, []);
    r = e.feed('\r');
    assert.deepStrictEqual(r.lines, ['hello\n']);
    r = e.feed('abc\x15xy\x1b[A\r');
    assert.deepStrictEqual(r.lines, ['xy\n']);
    r = e.feed('\x03');
    assert.strictEqual(r.interrupt, true);
    r = e.feed('\x04');
    assert.strictEqual(r.eof, true);
    r = e.feed('part\x04');
    assert.deepStrictEqual([r.eof, r.lines], [false, ['part']]);
  });
});
