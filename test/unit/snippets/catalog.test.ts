// The shipped snippet library, checked as data: strict JSON, metadata for every snippet, the
// catalogue of the issue covered, both forms where they apply, platform marks, tab stops with
// defaults. Whether the Python is right is proven by test/integration/snippets (compile, lint, run).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CatalogError, PREFIX_PATTERN, buildCatalog, expandedSource, loadCatalog } from '../../../src/snippets/catalog';
import { platformNote, previewDetail, previewDocument, previewLines, shortTitle } from '../../../src/snippets/preview';
import { tabStops, variablesUsed } from '../../../src/snippets/syntax';

const ROOT = path.resolve(__dirname, '../../..');
const SNIPPETS = path.join(ROOT, 'snippets');
const catalog = loadCatalog(SNIPPETS);
const byPrefix = new Map(catalog.snippets.map((s) => [s.prefix, s]));

describe('snippets/catalog: the shipped library', () => {
  it('has at least 50 snippets in every category of the issue', () => {
    assert.ok(catalog.snippets.length >= 50, `only ${catalog.snippets.length} snippets`);
    assert.deepStrictEqual(
      catalog.categories.map((c) => c.id),
      ['lifecycle', 'pools', 'ipc', 'sync', 'errors', 'logging', 'subprocess'],
    );
    for (const c of catalog.categories) {
      assert.ok(catalog.snippets.some((s) => s.category.id === c.id), `category ${c.id} is empty`);
    }
  });

  it('keeps every snippet file strict JSON (no comments, no trailing commas), with only the keys VS Code knows', () => {
    const files = fs.readdirSync(SNIPPETS).filter((f) => f.endsWith('.json'));
    assert.deepStrictEqual(files.sort(), [...catalog.categories.map((c) => c.file), 'catalog.json'].sort());
    for (const file of catalog.categories.map((c) => c.file)) {
      const parsed = JSON.parse(fs.readFileSync(path.join(SNIPPETS, file), 'utf8')) as Record<string, object>;
      for (const [name, snippet] of Object.entries(parsed)) {
        // VS Code's snippet schema has additionalProperties: false.
        assert.deepStrictEqual(Object.keys(snippet).sort(), ['body', 'description', 'prefix'], `${file}: ${name}`);
      }
    }
  });

  it('contributes every snippet file to completion in Python files, and nothing else', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const contributed = pkg.contributes.snippets as { language: string; path: string }[];
    assert.deepStrictEqual(
      contributed.map((s) => [s.language, path.normalize(s.path)]),
      catalog.categories.map((c) => ['python', path.normalize(`snippets/${c.file}`)]),
    );
    const command = pkg.contributes.commands.find((c: { command: string }) => c.command === 'mpscope.insertSnippet');
    assert.deepStrictEqual(command, { command: 'mpscope.insertSnippet', title: 'Insert IPC Snippet...', category: 'mpscope' });
  });

  it('covers the catalogue of the issue', () => {
    const required = [
      // process lifecycle
      'mp-main-guard-program', 'mp-process-fan-out-program', 'mp-process-subclass-program', 'mp-process-daemon-program',
      'mp-start-method-program', 'mp-context-program', 'mp-os-fork-waitpid-program', 'mp-managed-processes-program',
      // pools and executors
      'mp-pool-map-program', 'mp-pool-imap-unordered-program', 'mp-pool-starmap-program', 'mp-pool-apply-async-program',
      'mp-pool-chunksize-program', 'mp-pool-initializer-program', 'cf-process-pool-as-completed-program',
      'mp-asyncio-run-in-executor-program',
      // IPC
      'mp-queue-multi-consumer-program', 'mp-joinablequeue-program', 'mp-queue-collect-results-program',
      'mp-queue-get-timeout', 'mp-pipe-request-reply-program', 'mp-pipe-stream-eof-program', 'ipc-fifo-program',
      'mp-value-array-lock-program', 'mp-shared-memory-program', 'mp-manager-list-dict-program',
      'mp-manager-namespace-status-program', 'mp-manager-condition-program', 'mp-basemanager-master-program',
      'mp-basemanager-worker-program', 'ipc-signal-notify-program', 'ipc-signal-graceful-shutdown-program',
      'ipc-socket-tcp-program',
      // synchronisation
      'mp-lock-program', 'mp-rlock-program', 'mp-lock-ordering-program', 'mp-semaphore-program',
      'mp-event-start-signal-program', 'mp-event-graceful-stop-program', 'mp-barrier-program', 'mp-condition-wait-for-program',
      // child exceptions, logging, subprocess
      'mp-child-exception-queue-program', 'mp-child-exception-pipe-program', 'log-queue-listener-program',
      'sub-run-check-timeout-program', 'sub-popen-stream-program',
    ];
    const missing = required.filter((p) => !byPrefix.has(p));
    assert.deepStrictEqual(missing, []);
    // Every implementation row of the research catalogue except the third-party psutil monitor (56)
    // and the deliberately broken teaching demos (59, 60).
    const rows = new Set(catalog.snippets.flatMap((s) => s.catalogue ?? []));
    const uncovered = Array.from({ length: 58 }, (_, i) => i + 1).filter((n) => !rows.has(n) && n !== 56);
    assert.deepStrictEqual(uncovered, []);
  });

  it('offers both forms where they apply: a fragment beside many programs', () => {
    const fragments = catalog.snippets.filter((s) => s.form === 'fragment');
    const programs = catalog.snippets.filter((s) => s.form === 'program');
    assert.ok(fragments.length >= 20 && programs.length >= 40, `${programs.length} programs, ${fragments.length} fragments`);
    for (const base of ['mp-process-fan-out', 'mp-pool-map', 'mp-queue-collect-results', 'mp-shared-memory', 'log-queue-listener']) {
      assert.ok(byPrefix.has(base) && byPrefix.has(`${base}-program`), base);
    }
  });

  it('names programs *-program, and each has imports and a main guard; fragments have neither', () => {
    for (const s of catalog.snippets) {
      assert.ok(PREFIX_PATTERN.test(s.prefix), s.prefix);
      const text = expandedSource(s);
      if (s.form === 'program') {
        assert.ok(s.prefix.endsWith('-program'), s.prefix);
        assert.match(s.body, /^if __name__ == '__main__':$/m, `${s.prefix} lacks a main guard`);
        assert.match(s.body, /^(import|from) /m, `${s.prefix} lacks its imports`);
        assert.deepStrictEqual(s.imports, [], `${s.prefix}: a program carries its own imports`);
      } else {
        assert.ok(!s.prefix.endsWith('-program'), s.prefix);
        assert.doesNotMatch(s.body, /__main__|^(import|from) /m, `${s.prefix}: a fragment lists its imports in catalog.json`);
        for (const line of s.imports) assert.ok(text.startsWith(s.imports.join('\n')), `${s.prefix}: ${line}`);
      }
    }
  });

  it('lists the imports each fragment uses', () => {
    // The module names a fragment uses must be imported by the lines the picker adds.
    const modules = ['mp', 'time', 'queue', 'os', 'sys', 'traceback', 'contextlib', 'subprocess', 'threading', 'struct', 'asyncio', 'logging', 'shared_memory'];
    for (const s of catalog.snippets.filter((x) => x.form === 'fragment')) {
      const body = s.body.replace(/#.*$/gm, '').replace(/"""[\s\S]*?"""/g, '');
      for (const m of modules) {
        if (new RegExp(`\\b${m}\\.`).test(body)) {
          assert.ok(s.imports.some((i) => new RegExp(`\\b${m}\\b`).test(i)), `${s.prefix} uses ${m}. without importing it`);
        }
      }
      const from = s.imports.filter((i) => i.startsWith('from ')).flatMap((i) => i.replace(/^from \S+ import /, '').split(/,\s*/));
      for (const name of from) assert.match(body, new RegExp(`\\b${name}\\b`), `${s.prefix} imports ${name} but never uses it`);
    }
  });

  it('marks every fork, FIFO and POSIX-signal snippet Unix only, in its metadata, description and body', () => {
    for (const s of catalog.snippets) {
      const unixOnly = /os\.fork\(|os\.mkfifo|SIGUSR1|signal\.signal\(|os\.O_NONBLOCK/.test(s.body);
      assert.strictEqual(s.platform === 'unix', unixOnly, `${s.prefix}: platform ${s.platform}`);
      if (unixOnly) {
        assert.match(s.description, /Unix only/, s.prefix);
        assert.match(s.body, /(#|""").*Unix only/, `${s.prefix}: the body should say so too`);
        assert.strictEqual(platformNote(s), 'Unix only');
      }
    }
  });

  it('gives every snippet a description, tab stops with defaults, a final $0, and no variables', () => {
    for (const s of catalog.snippets) {
      assert.ok(s.description.length >= 40 && !s.description.includes('\n'), `${s.prefix}: description`);
      const stops = tabStops(s.body);
      assert.ok(stops.some((t) => t.index === 1), `${s.prefix} has no $1`);
      assert.ok(stops.some((t) => t.index === 0), `${s.prefix} has no $0`);
      for (const t of stops.filter((x) => x.index !== 0)) assert.notStrictEqual(t.defaultText, '', `${s.prefix}: $${t.index} has no default`);
      assert.deepStrictEqual(variablesUsed(s.body), [], `${s.prefix} uses snippet variables`);
    }
  });

  it('explains itself: every snippet has comments or a docstring', () => {
    for (const s of catalog.snippets) assert.match(s.body, /#|"""/, s.prefix);
  });

  it('uses 4-space indentation and no tabs or trailing spaces', () => {
    for (const s of catalog.snippets) {
      for (const line of s.body.split('\n')) {
        assert.doesNotMatch(line, /\t|\s+$/, `${s.prefix}: ${JSON.stringify(line)}`);
        assert.strictEqual((/^ */.exec(line)![0].length) % 4, 0, `${s.prefix}: ${JSON.stringify(line)}`);
      }
    }
  });

  it('is listed in full in the README', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Snippets'), readme.indexOf('\n### ', readme.indexOf('### Snippets') + 1));
    assert.match(section, new RegExp(`^${catalog.snippets.length} multiprocessing`, 'm'), 'the README gives another count');
    const missing = catalog.snippets.filter((s) => !section.includes(`\`${s.prefix}\``)).map((s) => s.prefix);
    assert.deepStrictEqual(missing, [], 'snippets missing from the README table');
  });

  it('names its partner where a snippet needs one', () => {
    assert.strictEqual(byPrefix.get('mp-basemanager-worker-program')!.partner, 'mp-basemanager-master-program');
  });
});

describe('snippets/catalog: bad catalogue data gets clear errors', () => {
  const categories = [{ id: 'c', label: 'C', file: 'c.json' }];
  const good = { prefix: 'mp-x', description: 'Does x.', body: ['x = ${1:1}$0'] };

  it('joins a snippet with its metadata', () => {
    const cat = buildCatalog(
      { categories, snippets: { 'mp-x': { form: 'fragment', platform: 'any', imports: ['import os'] } } },
      { 'c.json': { X: good } },
    );
    assert.strictEqual(cat.snippets[0].name, 'X');
    assert.strictEqual(cat.snippets[0].body, 'x = ${1:1}$0');
    assert.strictEqual(expandedSource(cat.snippets[0]), 'import os\n\n\nx = 1\n');
  });

  const problems = (raw: object, files: Record<string, unknown>): string[] => {
    try {
      buildCatalog(raw, files);
    } catch (err) {
      assert.ok(err instanceof CatalogError);
      return err.problems;
    }
    return [];
  };

  it('reports snippets without metadata and metadata without snippets', () => {
    assert.deepStrictEqual(problems({ categories, snippets: { 'mp-y': { form: 'program', platform: 'any', imports: [] } } }, { 'c.json': { X: good } }), [
      'catalog.json: "mp-x": missing (every snippet needs form, platform and imports)',
      'catalog.json: "mp-y" has no snippet in any snippet file',
    ]);
  });

  it('reports bad prefixes, duplicate prefixes, bad bodies and bad metadata values', () => {
    const meta = { form: 'fragment', platform: 'any', imports: [] };
    const found = problems(
      { categories, snippets: { 'mp-x': { form: 'script', platform: 'win', imports: ['os'] } } },
      {
        'c.json': {
          A: good,
          B: good,
          C: { ...good, prefix: 'xyz' },
          D: { ...good, prefix: 'mp-d', body: ['${1:unclosed'] },
          E: { ...good, prefix: 'mp-e', description: '' },
        },
      },
    );
    assert.ok(found.some((p) => /"C": prefix must be/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /prefix mp-x is used twice/.test(p)));
    assert.ok(found.some((p) => /form must be/.test(p)));
    assert.ok(found.some((p) => /platform must be/.test(p)));
    assert.ok(found.some((p) => /imports must be/.test(p)));
    assert.ok(found.some((p) => /"E": needs a description/.test(p)));
    void meta;
  });

  it('reports a snippet file that is not valid JSON, with its name', () => {
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'mpscope-snippets-'));
    try {
      fs.writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify({ categories, snippets: {} }));
      fs.writeFileSync(path.join(dir, 'c.json'), '{ "X": { // a comment\n } }');
      assert.throws(() => loadCatalog(dir), /c\.json is not valid JSON/);
      fs.unlinkSync(path.join(dir, 'c.json'));
      assert.throws(() => loadCatalog(dir), /cannot read c\.json: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('snippets/preview: what the picker shows', () => {
  it('previews the first code lines, skipping imports, comments and blank lines', () => {
    const s = byPrefix.get('mp-pool-map-program')!;
    assert.deepStrictEqual(previewLines(s, 2), ['def square(x):', 'return x * x']);
    assert.strictEqual(previewDetail(s, 2), 'def square(x):  |  return x * x');
    assert.strictEqual(shortTitle(s), 'Pool.map over a list');
    assert.strictEqual(shortTitle(byPrefix.get('mp-os-fork-waitpid')!), 'Run a function in a forked child and reap it');
  });

  it('heads the full preview with the description, the form and the platform', () => {
    const text = previewDocument(byPrefix.get('mp-os-fork-waitpid')!);
    assert.match(text, /^# mp-os-fork-waitpid: /);
    assert.match(text, /fragment for existing code · Unix only/);
    assert.match(text, /# needs: import os; import sys; import traceback/);
    assert.match(text, /def run_in_fork\(func, \*args\):/);
  });
});
