import * as assert from 'assert';
import {
  SnippetSyntaxError,
  escapeSnippetText,
  expandSnippet,
  parseSnippet,
  tabStops,
  variablesUsed,
} from '../../../src/snippets/syntax';

describe('snippets/syntax: expanding VS Code snippet bodies to their defaults', () => {
  it('keeps plain text, and drops bare tab stops and $0', () => {
    assert.strictEqual(expandSnippet('x = 1$1\ny = 2$0'), 'x = 1\ny = 2');
  });

  it('uses placeholder defaults, and mirrors them into bare tab stops anywhere in the body', () => {
    const body = 'def ${1:work}(x):\n    return x\n\npool.map($1, items)  # $1 again: ${1}';
    assert.strictEqual(expandSnippet(body), 'def work(x):\n    return x\n\npool.map(work, items)  # work again: work');
  });

  it('lets a mirror come before the placeholder that defines it', () => {
    assert.strictEqual(expandSnippet('$1 = ${1:value}'), 'value = value');
  });

  it('expands nested placeholders', () => {
    assert.strictEqual(expandSnippet('${1:self.${2:task}} / $2'), 'self.task / task');
  });

  it('takes the first option of a choice, and its mirrors follow', () => {
    assert.strictEqual(expandSnippet("set('${1|spawn,forkserver,fork|}') # $1"), "set('spawn') # spawn");
  });

  it('accepts other values for tab stops (e.g. another choice option)', () => {
    assert.strictEqual(expandSnippet("m('${1|spawn,fork|}'), $1, ${2:x}", { values: { 1: 'fork' } }), "m('fork'), fork, x");
  });

  it('handles escapes like VS Code: \\$ \\} \\\\ escape; any other backslash is literal', () => {
    assert.strictEqual(expandSnippet('cost \\$5 ${1:a\\}b} c\\\\d'), 'cost $5 a}b c\\d');
    // Python's '\n' needs no escaping in a snippet body.
    assert.strictEqual(expandSnippet("print('a\\n')"), "print('a\\n')");
  });

  it('escapes commas and pipes inside choices', () => {
    assert.deepStrictEqual(tabStops('${1|a\\,b,c\\|d|}')[0].options, ['a,b', 'c|d']);
  });

  it('treats a $ not followed by a number, name or { as text', () => {
    assert.strictEqual(expandSnippet('price $ 5 and $'), 'price $ 5 and $');
  });

  it('resolves variables through the given resolver, else the default, else the name (as VS Code does)', () => {
    const variable = (name: string) => (name === 'TM_FILENAME' ? 'job.py' : undefined);
    assert.strictEqual(expandSnippet('$TM_FILENAME ${UNKNOWN:dflt} $OTHER', { variable }), 'job.py dflt OTHER');
    assert.deepStrictEqual(variablesUsed('$TM_FILENAME ${1:x} ${UNKNOWN:d}'), ['TM_FILENAME', 'UNKNOWN']);
  });

  it('applies transforms on tab stops and variables', () => {
    assert.strictEqual(expandSnippet('${1:worker_pool} ${1/(.*)/${1:/upcase}/}'), 'worker_pool WORKER_POOL');
    assert.strictEqual(expandSnippet('${1:a-b} ${1/-/_/g}'), 'a-b a_b');
    assert.strictEqual(expandSnippet('${1:x} ${1/(y)?/${1:?yes:no}/}'), 'x nox');
  });

  it('lists tab stops in tab order with their defaults, $0 last', () => {
    const stops = tabStops('$0 ${2:two} ${1:one} $1 ${3|a,b|}');
    assert.deepStrictEqual(
      stops.map((s) => [s.index, s.defaultText]),
      [
        [1, 'one'],
        [2, 'two'],
        [3, 'a'],
        [0, ''],
      ],
    );
  });

  it('rejects malformed constructs with the offset, instead of inserting them as text', () => {
    assert.throws(() => parseSnippet('x ${1:unclosed'), SnippetSyntaxError);
    assert.throws(() => parseSnippet('${'), /offset 0/);
    assert.throws(() => parseSnippet('${1|a,b'), /unterminated choice/);
    assert.throws(() => parseSnippet('${-1}'), SnippetSyntaxError);
  });

  it('escapeSnippetText round-trips any text', () => {
    const text = 'a $1 ${x} } \\ end';
    assert.strictEqual(expandSnippet(escapeSnippetText(text)), text);
  });
});
