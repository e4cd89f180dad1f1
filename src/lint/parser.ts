// Loads the Python grammar for web-tree-sitter: WebAssembly only, no native build, no network.
// The two .wasm files sit next to the bundle in dist/ (esbuild.js copies them there); when running
// from sources (tests, benchmarks under tsx) they are found in node_modules instead.
import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser } from 'web-tree-sitter';

const RUNTIME_WASM = 'tree-sitter.wasm';
const PYTHON_WASM = 'tree-sitter-python.wasm';

/** Directories that may hold each .wasm file, most likely first. */
function candidates(file: string): string[] {
  const pkg = file === RUNTIME_WASM ? 'web-tree-sitter' : 'tree-sitter-python';
  return [
    path.join(__dirname, file), // dist/ next to server.js / cli.js / extension.js
    path.join(__dirname, '..', '..', 'dist', file), // src/lint -> dist/ when it was built
    path.join(__dirname, '..', '..', 'node_modules', pkg, file), // src/lint -> node_modules
    path.join(__dirname, '..', 'node_modules', pkg, file), // dist -> node_modules
  ];
}

/** Absolute path of one of the .wasm files, or a clear error naming where it looked. */
export function locateWasm(file: string): string {
  const tried = candidates(file);
  for (const p of tried) if (fs.existsSync(p)) return p;
  throw new Error(`cannot find ${file} (looked in ${tried.join(', ')})`);
}

let loading: Promise<Language> | undefined;

/** The Python language, loaded once per process. */
export function loadPython(): Promise<Language> {
  loading ??= (async () => {
    // Giving the runtime its bytes directly avoids emscripten's own file lookup, which guesses
    // paths from the bundle's location.
    const wasmBinary = fs.readFileSync(locateWasm(RUNTIME_WASM));
    await Parser.init({ wasmBinary } as unknown as Parameters<typeof Parser.init>[0]);
    return Language.load(fs.readFileSync(locateWasm(PYTHON_WASM)));
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** A new parser for Python. Parsers are cheap; each document may keep its own. */
export async function createPythonParser(): Promise<Parser> {
  const language = await loadPython();
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}
