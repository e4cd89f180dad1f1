// The Python syntax tree the rules work on: plain JavaScript objects converted once from the
// web-tree-sitter tree. Reading a tree-sitter node costs a call into WebAssembly per property, and
// rules look at nodes many times, so one conversion pass is much cheaper overall. After an edit,
// statements whose tree-sitter subtree was reused by the incremental parse are reused here too
// (only their offsets shift), which keeps re-analysis of a large file fast.
import type { Language, Tree, TreeCursor } from 'web-tree-sitter';

export interface SyntaxNode {
  /** Grammar node type: `call`, `identifier`, `if_statement`, `ERROR`, or a token like `==`. */
  type: string;
  /** UTF-16 offsets into the source. */
  start: number;
  end: number;
  /** Field name in the parent (`function`, `arguments`, `body`...), or null. */
  field: string | null;
  named: boolean;
  /** A token the parser inserted to recover from an error (zero width). */
  missing: boolean;
  children: SyntaxNode[];
  parent: SyntaxNode | null;
  /** tree-sitter subtree id, kept for statements only (reuse after an edit); 0 otherwise. */
  id: number;
  /**
   * A slot for the analysis built on top (the Model keeps the scope of calls and identifiers
   * here); present on every node so that all nodes share one object shape.
   */
  scope: unknown;
}

/** Blocks deep that statements are indexed for reuse (module > class > method > statement). */
const MAX_REUSE_DEPTH = 3;

/** Node types whose converted subtree may be reused after an edit. */
const REUSABLE = new Set([
  'expression_statement',
  'function_definition',
  'class_definition',
  'decorated_definition',
  'if_statement',
  'for_statement',
  'while_statement',
  'try_statement',
  'with_statement',
  'match_statement',
  'return_statement',
  'import_statement',
  'import_from_statement',
  'block',
]);

/** Previous conversion that may donate unchanged subtrees. */
export interface ReuseSource {
  text: string;
  byId: Map<number, SyntaxNode>;
}

/** Statement subtrees by tree-sitter id (see reuseIndex), kept with each converted tree. */
export const REUSE_INDEX = new WeakMap<SyntaxNode, Map<number, SyntaxNode>>();
/** Roughly how many entries of an index are live (to decide when to prune it). */
const REUSE_LIVE = new WeakMap<Map<number, SyntaxNode>, number>();

interface TypeInfo {
  names: string[];
  named: boolean[];
  fields: (string | null)[];
}

const typeInfoCache = new WeakMap<Language, TypeInfo>();

function typeInfo(language: Language): TypeInfo {
  let info = typeInfoCache.get(language);
  if (!info) {
    const names: string[] = [];
    const named: boolean[] = [];
    for (let id = 0; id < language.nodeTypeCount; id++) {
      names.push(intern(language.nodeTypeForId(id) ?? ''));
      named.push(language.nodeTypeIsNamed(id));
    }
    info = { names, named, fields: language.fields.map((f) => (f === null ? null : intern(f))) };
    typeInfoCache.set(language, info);
  }
  return info;
}

/** Column of an offset (indentation decides how a statement's inner lines parse). */
function columnOf(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text.charCodeAt(i - 1) !== 10 && text.charCodeAt(i - 1) !== 13) i--;
  return offset - i;
}

/**
 * The same string, internalized: comparing node types against literals (`n.type === 'call'`) is
 * then a pointer comparison instead of a character-by-character one.
 */
function intern(s: string): string {
  const o: Record<string, true> = {};
  o[s] = true;
  return Object.keys(o)[0];
}

function shift(node: SyntaxNode, delta: number): void {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    n.start += delta;
    n.end += delta;
    for (const c of n.children) stack.push(c);
  }
}

/**
 * Converts a tree-sitter tree to SyntaxNodes. With `reuse`, statements that tree-sitter reused
 * (same subtree id) and whose text is unchanged are taken from the previous conversion.
 */
export function convertTree(tree: Tree, text: string, reuse?: ReuseSource): SyntaxNode {
  const info = typeInfo(tree.language);
  // Punctuation and keywords carry nothing the rules read, except comparison operators (`==` in
  // the main guard test). Skipping them saves most of the calls into WebAssembly. In a tree with
  // syntax errors, tokens the parser inserted (a missing `)`) are kept, to name the error.
  const hasError = tree.rootNode.hasError;
  const cursor: TreeCursor = tree.walk();
  let reusedLast = false;
  // The index the next conversion will reuse from: the previous one (reused statements keep their
  // ids, so their entries stay valid) plus the statements made now. Entries of statements that are
  // gone are harmless (a match also needs the same text) and are pruned now and then.
  let next = reuse?.byId ?? new Map<number, SyntaxNode>();
  let fresh = 0;
  // Block nesting of each node, for the depth limit of the index.
  const blockDepth = new Map<SyntaxNode, number>();
  const depthOf = (parent: SyntaxNode | null): number => {
    if (!parent) return 0;
    let d = blockDepth.get(parent);
    if (d === undefined) {
      d = (parent.parent ? depthOf(parent.parent) : 0) + (parent.type === 'block' ? 1 : 0);
      blockDepth.set(parent, d);
    }
    return d;
  };

  const make = (parent: SyntaxNode | null): SyntaxNode | undefined => {
    const typeId = cursor.nodeTypeId;
    if (
      typeId < info.named.length &&
      !info.named[typeId] &&
      parent?.type !== 'comparison_operator' &&
      !(hasError && cursor.nodeIsMissing)
    ) {
      reusedLast = true; // nothing below an anonymous token
      return undefined;
    }
    // ERROR nodes use an id outside the grammar's table.
    const type = info.names[typeId] || cursor.nodeType;
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const fieldId = cursor.currentFieldId;
    const field = fieldId ? info.fields[fieldId] ?? null : null;
    let id = 0;
    if (REUSABLE.has(type) && depthOf(parent) <= MAX_REUSE_DEPTH) {
      id = cursor.nodeId;
      if (reuse) {
        const old = reuse.byId.get(id);
        if (
          old &&
          old.type === type &&
          old.end - old.start === end - start &&
          columnOf(reuse.text, old.start) === columnOf(text, start) &&
          reuse.text.slice(old.start, old.end) === text.slice(start, end)
        ) {
          // The subtree stays in the index as it is (its statements keep their ids).
          if (old.start !== start) shift(old, start - old.start);
          old.parent = parent;
          old.field = field;
          if (parent) parent.children.push(old);
          reusedLast = true;
          return old;
        }
      }
    }
    reusedLast = false;
    const node: SyntaxNode = {
      type,
      start,
      end,
      field,
      named: typeId < info.named.length ? info.named[typeId] : cursor.nodeIsNamed,
      missing: start === end && cursor.nodeIsMissing,
      children: [],
      parent,
      id,
      scope: undefined,
    };
    if (parent) parent.children.push(node);
    if (id) {
      next.set(id, node);
      fresh++;
    }
    return node;
  };

  const finish = (root: SyntaxNode): SyntaxNode => {
    // Rebuild the index from the live tree once it holds as many dead entries as live ones.
    const live = REUSE_LIVE.get(next) ?? 0;
    if (!reuse || next.size > 2 * live + 1000) {
      next = indexOf(root);
      REUSE_LIVE.set(next, next.size);
    } else {
      REUSE_LIVE.set(next, live + fresh);
    }
    REUSE_INDEX.set(root, next);
    return root;
  };

  try {
    const root = make(null)!;
    // The parent to attach to at each depth of the cursor (the node itself, or its nearest kept
    // ancestor), and whether to descend below it.
    const stack: SyntaxNode[] = [root];
    const skipStack: boolean[] = [false];
    for (;;) {
      if (!skipStack[skipStack.length - 1] && cursor.gotoFirstChild()) {
        const parent = stack[stack.length - 1];
        const node = make(parent);
        stack.push(node ?? parent);
        skipStack.push(reusedLast);
        continue;
      }
      for (;;) {
        if (stack.length === 1) return finish(root);
        if (cursor.gotoNextSibling()) {
          stack.pop();
          skipStack.pop();
          const parent = stack[stack.length - 1];
          const node = make(parent);
          stack.push(node ?? parent);
          skipStack.push(reusedLast);
          break;
        }
        cursor.gotoParent();
        stack.pop();
        skipStack.pop();
      }
    }
  } finally {
    cursor.delete();
  }
}

/**
 * Index of statement subtrees by tree-sitter id, for the next conversion to reuse. Statements are
 * indexed down to three blocks deep (module > class > method > statement): an edit then reconverts
 * at most the statement of a method body it touches, and building the index stays cheap.
 */
export function reuseIndex(root: SyntaxNode): Map<number, SyntaxNode> {
  return REUSE_INDEX.get(root) ?? indexOf(root);
}

function indexOf(root: SyntaxNode): Map<number, SyntaxNode> {
  const byId = new Map<number, SyntaxNode>();
  const nodes = [root];
  const depths = [0];
  while (nodes.length) {
    const n = nodes.pop()!;
    const depth = depths.pop()!;
    if (n.id) byId.set(n.id, n);
    // Expressions hold no statements, so only descend where statements can be.
    if (n.type === 'module' || n.type === 'block' || REUSABLE.has(n.type) || n.type.endsWith('_clause')) {
      const d = n.type === 'block' ? depth + 1 : depth;
      if (d > MAX_REUSE_DEPTH) continue;
      for (const c of n.children) {
        nodes.push(c);
        depths.push(d);
      }
    }
  }
  return byId;
}

// ---- small helpers used by every rule ----

export function child(node: SyntaxNode, field: string): SyntaxNode | undefined {
  for (const c of node.children) if (c.field === field) return c;
  return undefined;
}

export function childrenOf(node: SyntaxNode, field: string): SyntaxNode[] {
  return node.children.filter((c) => c.field === field);
}

export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.children.filter((c) => c.named && c.type !== 'comment');
}

export function firstNamed(node: SyntaxNode, type?: string): SyntaxNode | undefined {
  for (const c of node.children) if (c.named && (type === undefined || c.type === type)) return c;
  return undefined;
}

/** Depth-first pre-order visit; return false from `visit` to skip a node's children. */
export function walk(node: SyntaxNode, visit: (n: SyntaxNode) => boolean | void): void {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
}

/** Nearest ancestor (not the node itself) of one of the given types. */
export function ancestor(node: SyntaxNode, types: ReadonlySet<string> | string): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (typeof types === 'string' ? p.type === types : types.has(p.type)) return p;
  }
  return undefined;
}

export function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** First ERROR or MISSING node in document order. */
export function firstSyntaxError(root: SyntaxNode): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  walk(root, (n) => {
    if (found) return false;
    if (n.type === 'ERROR' || n.missing) {
      found = n;
      return false;
    }
    return true;
  });
  return found;
}
