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
  ];
  for (const [from, to] of copies) {
    if (fs.existsSync(from)) {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

const common = {
  bundle: true,
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
    banner: { js: '#!/usr/bin/env node' },
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

async function main() {
  copyAssets();
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
