// A parsed Python source: text, tree-sitter tree, and the converted SyntaxNode tree (built on
// first use). `update()` re-parses incrementally after an edit.
import type { Parser, Point, Tree, TreeCursor } from 'web-tree-sitter';
import { createPythonParser } from './parser';
import { convertTree, firstSyntaxError, reuseIndex, type SyntaxNode } from './syntax';
import { diffTexts, LineIndex } from './text';

/** Statement types that can hold other statements; imports are searched only through these. */
const COMPOUND = new Set([
  'module',
  'block',
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'except_group_clause',
  'finally_clause',
  'with_statement',
  'function_definition',
  'class_definition',
  'decorated_definition',
  'match_statement',
  'case_clause',
]);

export class PythonDocument {
  private tree: Tree;
  private converted: SyntaxNode | undefined;
  private lineIndex: LineIndex | undefined;
  private importedCache: Set<string> | undefined;

  private constructor(
    private readonly parser: Parser,
    private source: string,
  ) {
    const tree = parser.parse(source);
    if (!tree) throw new Error('tree-sitter returned no tree');
    this.tree = tree;
  }

  /** Parses `text` with a new parser of its own. */
  static async create(text: string): Promise<PythonDocument> {
    return new PythonDocument(await createPythonParser(), text);
  }

  /** Parses `text` with a parser the caller owns (batch use: one parser for many files). */
  static withParser(parser: Parser, text: string): PythonDocument {
    return new PythonDocument(parser, text);
  }

  get text(): string {
    return this.source;
  }

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.source));
  }

  get hasError(): boolean {
    return this.tree.rootNode.hasError;
  }

  /** The SyntaxNode tree (converted from tree-sitter on first use). */
  get root(): SyntaxNode {
    return (this.converted ??= convertTree(this.tree, this.source));
  }

  /** First syntax error: its offset and a short message, or undefined. */
  syntaxError(): { start: number; end: number; message: string } | undefined {
    if (!this.hasError) return undefined;
    const n = firstSyntaxError(this.root);
    if (!n) return { start: 0, end: 0, message: 'syntax error' };
    if (n.missing) return { start: n.start, end: n.end, message: `syntax error: missing '${n.type}'` };
    const snippet = this.source.slice(n.start, Math.min(n.end, n.start + 30)).split('\n')[0];
    return { start: n.start, end: n.end, message: `syntax error near '${snippet}'` };
  }

  /**
   * Top-level module names imported anywhere in the file (`import a.b` gives `a.b`;
   * `from a.b import c` gives `a.b`). Read straight from the tree-sitter tree, statements only,
   * so that files with nothing to check are skipped without converting them.
   */
  importedModules(): Set<string> {
    if (this.importedCache) return this.importedCache;
    const found = new Set<string>();
    if (this.converted) {
      // Already converted (the editor case): reading the plain tree is cheaper than the cursor.
      scanImportsConverted(this.converted, this.source, found);
      return (this.importedCache = found);
    }
    const cursor = this.tree.walk();
    try {
      scanImports(cursor, found);
    } finally {
      cursor.delete();
    }
    return (this.importedCache = found);
  }

  /**
   * True when some import statement names a module `pred` accepts; stops at the first one (the
   * usual `import multiprocessing` near the top of the file).
   */
  importsAny(pred: (module: string) => boolean): boolean {
    if (this.importedCache) {
      for (const m of this.importedCache) if (pred(m)) return true;
      return false;
    }
    const found = new Set<string>();
    if (this.converted) return scanImportsConverted(this.converted, this.source, found, pred);
    const cursor = this.tree.walk();
    try {
      return scanImports(cursor, found, pred);
    } finally {
      cursor.delete();
    }
  }

  /** Re-parses after the text changed, reusing what did not change. */
  update(newText: string): void {
    const change = diffTexts(this.source, newText);
    if (!change) return;
    const oldLines = this.lines;
    const newLines = new LineIndex(newText);
    // Keep the pre-edit tree alive until conversion is done, so that no subtree id of the old
    // conversion can be recycled by the new parse.
    const keep = this.tree.copy();
    const point = (lines: LineIndex, offset: number): Point => {
      const p = lines.position(offset);
      return { row: p.line, column: p.character };
    };
    this.tree.edit({
      startIndex: change.start,
      oldEndIndex: change.oldEnd,
      newEndIndex: change.newEnd,
      startPosition: point(oldLines, change.start),
      oldEndPosition: point(oldLines, change.oldEnd),
      newEndPosition: point(newLines, change.newEnd),
    });
    const tree = this.parser.parse(newText, this.tree);
    if (!tree) throw new Error('tree-sitter returned no tree');
    const previous = this.converted;
    const oldText = this.source;
    this.tree.delete();
    this.tree = tree;
    this.source = newText;
    this.lineIndex = newLines;
    this.importedCache = undefined;
    this.converted = previous
      ? convertTree(tree, newText, { text: oldText, byId: reuseIndex(previous) })
      : undefined;
    keep.delete();
  }

  dispose(): void {
    this.tree.delete();
  }
}

function scanImportsConverted(root: SyntaxNode, text: string, found: Set<string>, stop?: (m: string) => boolean): boolean {
  const stack = [root];
  const add = (name: string): boolean => {
    found.add(name);
    return !!stop?.(name);
  };
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'import_statement') {
      for (const c of n.children) {
        if (c.type === 'dotted_name' && add(text.slice(c.start, c.end))) return true;
        if (c.type === 'aliased_import') {
          const name = c.children.find((x) => x.type === 'dotted_name');
          if (name && add(text.slice(name.start, name.end))) return true;
        }
      }
    } else if (n.type === 'import_from_statement') {
      const mod = n.children.find((c) => c.field === 'module_name');
      if (mod?.type === 'dotted_name' && add(text.slice(mod.start, mod.end))) return true;
    } else if (COMPOUND.has(n.type)) {
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
  }
  return false;
}

function scanImports(cursor: TreeCursor, found: Set<string>, stop?: (m: string) => boolean): boolean {
  for (;;) {
    const type = cursor.nodeType;
    if (type === 'import_statement' || type === 'import_from_statement') {
      const before = found.size;
      collectImport(cursor, type === 'import_from_statement', found);
      if (stop && found.size > before && [...found].slice(before).some(stop)) return true;
    } else if (COMPOUND.has(type) && cursor.gotoFirstChild()) {
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return false;
    }
  }
}

function collectImport(cursor: TreeCursor, from: boolean, found: Set<string>): void {
  if (!cursor.gotoFirstChild()) return;
  do {
    const type = cursor.nodeType;
    const field = cursor.currentFieldName;
    if (from) {
      if (field === 'module_name' && type === 'dotted_name') found.add(cursor.nodeText);
    } else if (type === 'dotted_name') {
      found.add(cursor.nodeText);
    } else if (type === 'aliased_import' && cursor.gotoFirstChild()) {
      if (cursor.nodeType === 'dotted_name') found.add(cursor.nodeText);
      cursor.gotoParent();
    }
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
}
