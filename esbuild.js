// Bundles mpscope's entry points with esbuild.
//   node esbuild.js               development build (sourcemaps)
//   node esbuild.js --production  minified, no sourcemaps (what `npm run package` ships)
//   node esbuild.js --watch       rebuild on change
// Type-checking is separate: `npm run typecheck` (tsc --noEmit, strict).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Files the bundles load at run time, copied next to them. */
function copyAssets() {
  const copies = [
    // The Python grammar for web-tree-sitter, used by the linter (no native build, no network).
    ['node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm'],
    ['node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/tree-sitter.wasm'],
    // ps-list's process lister on Windows; bundled ps-list looks for it in vendor/ next to the bundle.
    ['node_modules/ps-list/vendor/fastlist-0.3.0-x64.exe', 'dist/vendor/fastlist-0.3.0-x64.exe'],
    ['node_modules/ps-list/vendor/fastlist-0.3.0-x86.exe', 'dist/vendor/fastlist-0.3.0-x86.exe'],
  ];
  for (const [from, to] of copies) {
    if (fs.existsSync(from)) {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

// ESM-only dependencies (ps-list) read import.meta.url, which is empty in a CommonJS bundle and
// made the bundled CLI crash at start: give them the URL of the bundle file itself.
// ("use strict" first: a banner before esbuild's own directive would turn strict mode off.)
const IMPORT_META_URL_SHIM = `"use strict";\nconst __mpscope_import_meta_url = require('url').pathToFileURL(__filename).href;`;

const common = {
  bundle: true,
  define: { 'import.meta.url': '__mpscope_import_meta_url' },
  banner: { js: IMPORT_META_URL_SHIM },
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  external: ['vscode'],
};

const builds = [
  // The extension: the only bundle that may import `vscode`.
  { ...common, entryPoints: { extension: 'src/ui/extension.ts' }, outdir: 'dist' },
  // The language server, started by the extension in its own Node process.
  { ...common, entryPoints: { server: 'src/server/server.ts' }, outdir: 'dist' },
  // The command-line tool (`mpscope ps | run | lint`), also the package's `bin`.
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: `#!/usr/bin/env node\n${IMPORT_META_URL_SHIM}` },
  },
  // The run report webview's script (issue 6): runs in the browser sandbox of a webview, with
  // cytoscape bundled in (no network at run time). Never imports `vscode`.
  {
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'iife',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
    entryPoints: { report: 'src/ui/report/webview/main.ts' },
    outdir: 'dist',
  },
];

// The extension-host test suite is bundled too (it runs inside VS Code, which needs JavaScript).
if (!production) {
  builds.push({
    ...common,
    // index.ts plus every *.test.ts, each its own file, so index.js can find them by name.
    entryPoints: fs
      .readdirSync('test/vscode/suite')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `test/vscode/suite/${f}`),
    outdir: 'out/test/vscode/suite',
    external: ['vscode', 'mocha'],
  });
}

/**
 * Deletes bundled extension-host tests whose source is gone (renamed or removed), since the
 * suite runs every *.test.js it finds. Only those files: other launchers may be reading out/.
 */
function removeStaleSuiteBundles() {
  const out = 'out/test/vscode/suite';
  if (production || !fs.existsSync(out)) return;
  for (const file of fs.readdirSync(out)) {
    const source = file.replace(/\.js(\.map)?$/, '.ts');
    if (source !== file && !fs.existsSync(path.join('test/vscode/suite', source))) {
      fs.rmSync(path.join(out, file), { force: true });
    }
  }
}

async function main() {
  copyAssets();
  removeStaleSuiteBundles();
  if (watch) {
    const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[esbuild] watching for changes');
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync('dist/cli.js', 0o755);
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
