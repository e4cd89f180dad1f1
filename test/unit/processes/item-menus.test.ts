// The context menus of tree rows (view/item/context) may depend on the row (viewItem) but not on
// a context key the extension changes while it runs. VS Code re-renders every rendered row of
// every tree when a key that any such `when` clause names changes; a key that flips as a run
// starts or ends (mpscope.runActive) lands while the Processes view refreshes for that run, and
// re-rendering a row the refresh has just replaced logs "TreeError [mpscope.processes] Data tree
// node not found". (Seen in the workbench log; test/vscode/suite/processes.test.ts checks it.)
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Changes only when extensions are installed or removed, not during runs or refreshes. */
const RARELY_CHANGING = new Set(['mpscope.debugpyAvailable']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every context key the extension sets with `setContext` (a literal, or a constant of its file). */
function keysTheExtensionSets(): Set<string> {
  const keys = new Set<string>();
  for (const file of sourceFiles(path.join(ROOT, 'src', 'ui'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/executeCommand\(\s*'setContext',\s*([^,]+),/g)) {
      const arg = m[1].trim();
      const literal = /^'([^']+)'$/.exec(arg);
      const constant = new RegExp(`const ${arg} = '([^']+)'`).exec(text);
      const key = literal?.[1] ?? constant?.[1];
      assert.ok(key, `${path.relative(ROOT, file)}: cannot tell which key setContext(${arg}) sets`);
      keys.add(key);
    }
  }
  return keys;
}

describe('package.json: tree row menus', () => {
  it('name no context key that the extension changes while it runs', () => {
    const keys = keysTheExtensionSets();
    assert.ok(keys.has('mpscope.runActive') && keys.has('mpscope.processes.paused'), [...keys].join(', '));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const entries: Array<{ command: string; when?: string }> = pkg.contributes.menus['view/item/context'];
    const offending = entries.flatMap((e) =>
      [...keys]
        .filter((k) => !RARELY_CHANGING.has(k))
        .filter((k) => new RegExp(`(^|[^\\w.])${k.replace(/\./g, '\\.')}(?![\\w.])`).test(e.when ?? ''))
        .map((k) => `${e.command}: ${k} in "${e.when}"`),
    );
    assert.deepStrictEqual(offending, []);
  });
});
