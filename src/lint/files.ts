// Finding the Python files to lint: files named directly, and *.py files under directories
// (hidden directories, __pycache__, node_modules and virtual environments are skipped).
import * as fs from 'fs';
import * as path from 'path';

const SKIP_DIRS = new Set(['__pycache__', 'node_modules', 'site-packages']);

export class MissingPathError extends Error {}

/** Expands paths to a sorted, de-duplicated list of files. Throws MissingPathError for a path that does not exist. */
export function collectPythonFiles(paths: readonly string[], cwd: string): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new MissingPathError(`no such file or directory: ${p}`);
    }
    if (stat.isDirectory()) walkDir(abs, out);
    else out.add(abs);
  }
  return [...out].sort();
}

function walkDir(dir: string, out: Set<string>): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable directory: nothing to lint there
  }
  // A virtual environment holds installed packages, not the project's code.
  if (entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      walkDir(full, out);
    } else if (e.isFile() && e.name.endsWith('.py')) {
      out.add(full);
    }
  }
}
