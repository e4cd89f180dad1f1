// Which of a fragment's import lines a Python file still lacks, and where to add them: after the
// file's own header imports (past a shebang, encoding line, module docstring and
// `from __future__`), so that the added lines look like the user wrote them.

/** What one import statement binds, e.g. `mp=multiprocessing`, `queue=queue`, `Empty=queue.Empty`. */
function bindings(statement: string): string[] {
  const s = statement.replace(/#.*$/, '').replace(/[()\\]/g, ' ').replace(/\s+/g, ' ').trim();
  let m = /^import (.+)$/.exec(s);
  if (m) {
    return m[1].split(',').map((part) => {
      const [mod, alias] = part.trim().split(/\s+as\s+/);
      // `import a.b` binds `a` but is also what a fragment asking for `import a.b` wants.
      return alias ? `${alias}=${mod}` : `${mod}=${mod}`;
    });
  }
  m = /^from (\S+) import (.+)$/.exec(s);
  if (m) {
    const mod = m[1];
    return m[2]
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, alias] = part.split(/\s+as\s+/);
        return `${alias ?? name}=${mod}.${name}`;
      });
  }
  return [];
}

/** Import statements anywhere in the text (one per entry, continuation lines joined). */
export function importStatements(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*(import|from)\s/.test(lines[i])) continue;
    let stmt = lines[i];
    // Parenthesised or backslash-continued imports span several lines.
    let open = count(stmt, '(') - count(stmt, ')');
    while ((open > 0 || /\\\s*$/.test(stmt)) && i + 1 < lines.length) {
      i += 1;
      stmt += ' ' + lines[i];
      open = count(stmt, '(') - count(stmt, ')');
    }
    out.push(stmt.trim());
  }
  return out;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/** The import lines from `required` whose names the text does not already import. */
export function missingImports(text: string, required: string[]): string[] {
  const have = new Set(importStatements(text).flatMap(bindings));
  return required.filter((line) => {
    const wanted = bindings(line);
    return wanted.length === 0 || !wanted.every((b) => have.has(b));
  });
}

export interface ImportPlan {
  /** Zero-based line before which to insert `text`. */
  line: number;
  text: string;
}

/** Where and what to insert so the text gains `imports` (the lines missing from it). */
export function planImportInsertion(text: string, imports: string[]): ImportPlan | undefined {
  if (imports.length === 0) return undefined;
  const lines = text.split(/\r?\n/);
  let i = 0;
  let afterHeader = 0;
  // Shebang and encoding lines must stay first.
  while (i < lines.length && i < 2 && /^#(!|.*coding[:=])/.test(lines[i])) i++;
  afterHeader = i;
  while (i < lines.length && lines[i].trim() === '') i++;
  // A module docstring stays the first statement.
  const doc = /^[rRuUbB]{0,2}("""|''')/.exec(lines[i] ?? '');
  if (doc) {
    const quote = doc[1];
    const rest = lines[i].slice(doc[0].length);
    if (!rest.includes(quote)) {
      i++;
      while (i < lines.length && !lines[i].includes(quote)) i++;
    }
    i++;
    afterHeader = i;
  }
  let lastImportEnd = -1;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '' || /^\s*#/.test(line)) {
      i++;
      continue;
    }
    if (!/^(import|from)\s/.test(line)) break;
    let stmt = line;
    let open = count(stmt, '(') - count(stmt, ')');
    while ((open > 0 || /\\\s*$/.test(stmt)) && i + 1 < lines.length) {
      i++;
      stmt += lines[i];
      open = count(stmt, '(') - count(stmt, ')');
    }
    i++;
    lastImportEnd = i;
  }
  const block = imports.join('\n') + '\n';
  if (lastImportEnd >= 0) return { line: lastImportEnd, text: block };
  // No imports yet: put them after the header, separated from the code that follows.
  const next = lines[afterHeader];
  const needsGap = next !== undefined && next.trim() !== '';
  return { line: afterHeader, text: needsGap ? block + '\n' : block };
}
