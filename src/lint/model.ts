// What the rules know about one file: its scopes, the names bound in each, and what an expression
// resolves to, following simple assignments and imports (`import multiprocessing as mp`,
// `from multiprocessing import Process`, `ctx = mp.get_context("spawn")`, `with Pool() as p`,
// `a, b = Pipe()`, `self.lock = Lock()`). Resolution is deliberately conservative: a name bound
// in more than one way resolves to nothing, so rules stay quiet rather than guess.
import { canonical, MANAGER, PROCESS, STAR_EXPORTS, SYNC_MANAGER } from './names';
import { child, childrenOf, type SyntaxNode } from './syntax';
import type { PythonDocument } from './document';
import type { LineIndex } from './text';

export type Value =
  /** A module, a start-method context, or a function or class of a known module. */
  | { kind: 'name'; q: string; startMethod?: string }
  /** The result of calling a known class or factory (`of` is its canonical name). */
  | { kind: 'instance'; of: string; call?: SyntaxNode; cls?: ClassInfo; startMethod?: string }
  | { kind: 'function'; fn: FunctionInfo }
  | { kind: 'class'; cls: ClassInfo }
  | { kind: 'lambda'; node: SyntaxNode };

export type ScopeKind = 'module' | 'function' | 'lambda' | 'class' | 'comprehension';

export interface Binding {
  kind: 'import' | 'assign' | 'param' | 'def' | 'class' | 'for' | 'with' | 'other';
  /** The bound identifier (or the statement for imports). */
  node: SyntaxNode;
  /** The expression assigned (assign, for: the iterable, with: the context expression). */
  value?: SyntaxNode;
  /** Positions inside a tuple the name was unpacked from (`a, (b, c) = ...`). */
  unpack?: number[];
  /** Dotted name an import binds. */
  q?: string;
  /** Parameter index and function, for parameters. */
  param?: { fn: FunctionInfo; index: number };
}

export interface Scope {
  node: SyntaxNode;
  kind: ScopeKind;
  parent: Scope | undefined;
  bindings: Map<string, Binding[]>;
  globals: Set<string>;
  nonlocals: Set<string>;
  starImports: string[];
  fn?: FunctionInfo;
  cls?: ClassInfo;
  /** Identifier references resolved to this scope, by name. */
  refs: Map<string, SyntaxNode[]>;
}

export interface FunctionInfo {
  node: SyntaxNode;
  name: string;
  scope: Scope;
  /** Parameter names in order (`*args`/`**kw` included, bare `*` and `/` left out). */
  params: string[];
  /** Set when defined directly in a class body. */
  cls?: ClassInfo;
  /** Defined inside another function (a closure: spawn cannot pickle it). */
  nested: boolean;
  decorators: SyntaxNode[];
}

export interface ClassInfo {
  node: SyntaxNode;
  name: string;
  scope: Scope;
  bases: SyntaxNode[];
  methods: Map<string, FunctionInfo>;
  /** `self.<attr> = value` assignments in its methods. */
  attrs: Map<string, Binding[]>;
}

const SCOPE_TYPES = new Set([
  'function_definition',
  'lambda',
  'class_definition',
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
]);

const COMPREHENSIONS = new Set([
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
]);

export class Model {
  readonly root: SyntaxNode;
  readonly text: string;
  readonly lines: LineIndex;
  readonly module: Scope;
  readonly scopes = new Map<SyntaxNode, Scope>();
  readonly functions: FunctionInfo[] = [];
  readonly classes: ClassInfo[] = [];
  /** Every call node, in document order. */
  readonly calls: SyntaxNode[] = [];
  /** Comment nodes, in document order. */
  readonly comments: SyntaxNode[] = [];
  /** `if __name__ == "__main__":` statements at module level. */
  readonly mainGuards: SyntaxNode[] = [];
  /**
   * What a parameter receives, learnt from the places its function is used as a process target
   * or pool task (set by Facts, which knows those places).
   */
  paramTypeProvider: ((fn: FunctionInfo, name: string) => Value | undefined) | undefined;
  /** `with` statements, in document order. */
  readonly withStatements: SyntaxNode[] = [];

  private readonly bindingIds = new Set<SyntaxNode>();
  /** Calls by the short name of their callee (`f` in `f()` and `x.f()`). */
  private readonly byName = new Map<string, SyntaxNode[]>();
  private readonly valueCache = new Map<SyntaxNode, Value | null>();
  private readonly resolving = new Set<SyntaxNode>();

  constructor(doc: PythonDocument) {
    this.root = doc.root;
    this.text = doc.text;
    this.lines = doc.lines;
    this.module = this.newScope(this.root, 'module', undefined);
    this.build();
  }

  // ---------------------------------------------------------------- text helpers

  textOf(node: SyntaxNode): string {
    return this.text.slice(node.start, node.end);
  }

  /** Value of a string literal with no interpolation, else undefined. */
  stringValue(node: SyntaxNode | undefined): string | undefined {
    if (!node || node.type !== 'string') return undefined;
    let out = '';
    for (const c of node.children) {
      if (c.type === 'interpolation') return undefined;
      if (c.type === 'string_content') out += this.textOf(c);
    }
    return out;
  }

  // ---------------------------------------------------------------- building

  private newScope(node: SyntaxNode, kind: ScopeKind, parent: Scope | undefined): Scope {
    const scope: Scope = {
      node,
      kind,
      parent,
      bindings: new Map(),
      globals: new Set(),
      nonlocals: new Set(),
      starImports: [],
      refs: new Map(),
    };
    this.scopes.set(node, scope);
    return scope;
  }

  private bind(scope: Scope, name: string, b: Binding): void {
    if (scope.globals.has(name)) scope = this.module;
    let list = scope.bindings.get(name);
    if (!list) scope.bindings.set(name, (list = []));
    list.push(b);
    if (b.node.type === 'identifier') this.bindingIds.add(b.node);
  }

  /** Binds every name in an assignment target. */
  private bindTarget(scope: Scope, target: SyntaxNode, kind: Binding['kind'], value: SyntaxNode | undefined, unpack: number[] = []): void {
    switch (target.type) {
      case 'identifier':
        this.bind(scope, this.textOf(target), { kind, node: target, value, unpack: unpack.length ? unpack : undefined });
        break;
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'expression_list':
      case 'tuple':
      case 'list': {
        let i = 0;
        for (const c of target.children) {
          if (!c.named || c.type === 'comment') continue;
          this.bindTarget(scope, c, kind, value, [...unpack, i]);
          i++;
        }
        break;
      }
      case 'parenthesized_expression': {
        const inner = target.children.find((c) => c.named && c.type !== 'comment');
        if (inner) this.bindTarget(scope, inner, kind, value, unpack);
        break;
      }
      case 'list_splat_pattern':
      case 'list_splat': {
        const inner = target.children.find((c) => c.type === 'identifier');
        if (inner) this.bind(scope, this.textOf(inner), { kind: 'other', node: inner });
        break;
      }
      case 'attribute': {
        // self.<attr> = value inside a method: remembered on the class.
        const obj = child(target, 'object');
        const attr = child(target, 'attribute');
        const fn = scope.fn;
        if (obj && attr && obj.type === 'identifier' && fn?.cls && fn.params[0] === this.textOf(obj)) {
          const name = this.textOf(attr);
          let list = fn.cls.attrs.get(name);
          if (!list) fn.cls.attrs.set(name, (list = []));
          list.push({ kind, node: target, value, unpack: unpack.length ? unpack : undefined });
        }
        break;
      }
      default:
        break;
    }
  }

  private build(): void {
    // Explicit stacks (node, scope) so that deep expressions cannot overflow the JS stack.
    const nodes: SyntaxNode[] = [this.root];
    const scopes: Scope[] = [this.module];
    const stack = { push: ([n, s]: [SyntaxNode, Scope]) => (nodes.push(n), scopes.push(s)) };
    const idNodes: SyntaxNode[] = [];
    const idScopes: Scope[] = [];
    while (nodes.length) {
      const node = nodes.pop()!;
      const scope = scopes.pop()!;
      let childScope = scope;
      switch (node.type) {
        case 'comment':
          this.comments.push(node);
          continue;
        case 'call': {
          this.calls.push(node);
          node.scope = scope;
          const f = node.children[0];
          let short: string | undefined;
          if (f?.field === 'function') {
            if (f.type === 'identifier') short = this.textOf(f);
            else if (f.type === 'attribute') {
              const attr = f.children[f.children.length - 1];
              if (attr?.field === 'attribute') short = this.textOf(attr);
            }
          }
          if (short !== undefined) {
            let list = this.byName.get(short);
            if (!list) this.byName.set(short, (list = []));
            list.push(node);
          }
          break;
        }
        case 'identifier':
          idNodes.push(node);
          idScopes.push(scope);
          node.scope = scope;
          continue;
        case 'function_definition':
          this.enterFunction(node, scope, stack);
          continue;
        case 'class_definition':
          this.enterClass(node, scope, stack);
          continue;
        case 'lambda': {
          const s = this.newScope(node, 'lambda', scope);
          const params = child(node, 'parameters');
          if (params) this.bindParams(s, params, undefined, stack, scope);
          const body = child(node, 'body');
          if (body) stack.push([body, s]);
          continue;
        }
        case 'import_statement':
        case 'import_from_statement':
          this.bindImport(node, scope);
          continue;
        case 'global_statement':
        case 'nonlocal_statement':
          for (const c of node.children) {
            if (c.type === 'identifier') {
              (node.type === 'global_statement' ? scope.globals : scope.nonlocals).add(this.textOf(c));
            }
          }
          continue;
        case 'assignment': {
          const left = child(node, 'left');
          let right = child(node, 'right');
          // a = b = value: every target gets the final value.
          while (right && right.type === 'assignment') right = child(right, 'right');
          if (left) this.bindTarget(scope, left, 'assign', right);
          break;
        }
        case 'augmented_assignment': {
          const left = child(node, 'left');
          if (left && left.type === 'identifier') this.bind(scope, this.textOf(left), { kind: 'other', node: left });
          break;
        }
        case 'named_expression': {
          const name = child(node, 'name');
          if (name) this.bind(scope, this.textOf(name), { kind: 'assign', node: name, value: child(node, 'value') });
          break;
        }
        case 'for_statement':
        case 'for_in_clause': {
          const left = child(node, 'left');
          if (left) this.bindTarget(scope, left, 'for', child(node, 'right'));
          break;
        }
        case 'as_pattern': {
          const alias = child(node, 'alias');
          const target = alias?.children.find((c) => c.named);
          if (target) {
            const value = node.children.find((c) => c.named && c.field !== 'alias');
            const kind = node.parent?.type === 'with_item' ? 'with' : 'other';
            this.bindTarget(scope, target, kind, kind === 'with' ? value : undefined);
          }
          break;
        }
        case 'if_statement':
          if (scope === this.module && this.isMainTest(child(node, 'condition'))) this.mainGuards.push(node);
          break;
        case 'with_statement':
          this.withStatements.push(node);
          break;
        default:
          if (COMPREHENSIONS.has(node.type)) childScope = this.newScope(node, 'comprehension', scope);
          break;
      }
      for (let i = node.children.length - 1; i >= 0; i--) {
        nodes.push(node.children[i]);
        scopes.push(childScope);
      }
    }
    // Second pass: each identifier reference is filed under the scope its name resolves to.
    for (let k = 0; k < idNodes.length; k++) {
      const id = idNodes[k];
      const scope = idScopes[k];
      if (!this.isReference(id)) continue;
      const name = this.textOf(id);
      const target = this.lookupScope(name, scope);
      if (!target) continue;
      let list = target.refs.get(name);
      if (!list) target.refs.set(name, (list = []));
      list.push(id);
    }
  }

  private enterFunction(node: SyntaxNode, scope: Scope, stack: { push(x: [SyntaxNode, Scope]): void }): void {
    const nameNode = child(node, 'name');
    const name = nameNode ? this.textOf(nameNode) : '<function>';
    const s = this.newScope(node, 'function', scope);
    const decorated = node.parent?.type === 'decorated_definition' ? node.parent : undefined;
    const decorators = decorated ? decorated.children.filter((c) => c.type === 'decorator') : [];
    const fn: FunctionInfo = {
      node,
      name,
      scope: s,
      params: [],
      cls: scope.kind === 'class' ? scope.cls : undefined,
      nested: this.enclosingFunctionScope(scope) !== undefined,
      decorators,
    };
    s.fn = fn;
    this.functions.push(fn);
    if (fn.cls) fn.cls.methods.set(name, fn);
    if (nameNode) this.bind(scope, name, { kind: 'def', node: nameNode });
    for (const d of decorators) stack.push([d, scope]);
    const params = child(node, 'parameters');
    if (params) this.bindParams(s, params, fn, stack, scope);
    const ret = child(node, 'return_type');
    if (ret) stack.push([ret, scope]);
    const body = child(node, 'body');
    if (body) stack.push([body, s]);
  }

  private enterClass(node: SyntaxNode, scope: Scope, stack: { push(x: [SyntaxNode, Scope]): void }): void {
    const nameNode = child(node, 'name');
    const name = nameNode ? this.textOf(nameNode) : '<class>';
    const s = this.newScope(node, 'class', scope);
    const supers = child(node, 'superclasses');
    const bases = supers ? supers.children.filter((c) => c.named && c.type !== 'keyword_argument' && c.type !== 'comment') : [];
    const cls: ClassInfo = { node, name, scope: s, bases, methods: new Map(), attrs: new Map() };
    s.cls = cls;
    this.classes.push(cls);
    if (nameNode) this.bind(scope, name, { kind: 'class', node: nameNode });
    if (node.parent?.type === 'decorated_definition') {
      for (const d of node.parent.children) if (d.type === 'decorator') stack.push([d, scope]);
    }
    if (supers) stack.push([supers, scope]);
    const body = child(node, 'body');
    if (body) stack.push([body, s]);
  }

  private bindParams(
    s: Scope,
    params: SyntaxNode,
    fn: FunctionInfo | undefined,
    stack: { push(x: [SyntaxNode, Scope]): void },
    outer: Scope,
  ): void {
    let index = 0;
    for (const p of params.children) {
      let id: SyntaxNode | undefined;
      switch (p.type) {
        case 'identifier':
          id = p;
          break;
        case 'default_parameter':
        case 'typed_default_parameter': {
          id = child(p, 'name');
          const v = child(p, 'value');
          if (v) stack.push([v, outer]);
          const t = child(p, 'type');
          if (t) stack.push([t, outer]);
          break;
        }
        case 'typed_parameter':
          id = p.children.find((c) => c.type === 'identifier') ??
            p.children.find((c) => c.type === 'list_splat_pattern' || c.type === 'dictionary_splat_pattern')?.children.find((c) => c.type === 'identifier');
          for (const t of childrenOf(p, 'type')) stack.push([t, outer]);
          break;
        case 'list_splat_pattern':
        case 'dictionary_splat_pattern':
          id = p.children.find((c) => c.type === 'identifier');
          break;
        default:
          break;
      }
      if (!id) continue;
      const name = this.textOf(id);
      if (fn) fn.params.push(name);
      this.bind(s, name, { kind: 'param', node: id, param: fn ? { fn, index } : undefined });
      index++;
    }
  }

  private bindImport(node: SyntaxNode, scope: Scope): void {
    if (node.type === 'import_statement') {
      for (const c of node.children) {
        if (c.type === 'dotted_name') {
          // `import a.b.c` binds `a` to the module a.
          const full = this.textOf(c);
          const first = full.split('.')[0].trim();
          this.bind(scope, first, { kind: 'import', node, q: first });
        } else if (c.type === 'aliased_import') {
          const name = child(c, 'name');
          const alias = child(c, 'alias');
          if (name && alias) this.bind(scope, this.textOf(alias), { kind: 'import', node, q: this.dotted(name) });
        }
      }
      return;
    }
    const moduleNode = child(node, 'module_name');
    if (!moduleNode || moduleNode.type !== 'dotted_name') return; // relative imports: not ours
    const module = this.dotted(moduleNode);
    for (const c of node.children) {
      if (c.field !== 'name' && c.type !== 'wildcard_import') continue;
      if (c.type === 'wildcard_import') {
        scope.starImports.push(module);
      } else if (c.type === 'dotted_name') {
        const n = this.dotted(c);
        this.bind(scope, n, { kind: 'import', node, q: `${module}.${n}` });
      } else if (c.type === 'aliased_import') {
        const name = child(c, 'name');
        const alias = child(c, 'alias');
        if (name && alias) this.bind(scope, this.textOf(alias), { kind: 'import', node, q: `${module}.${this.dotted(name)}` });
      }
    }
  }

  private dotted(node: SyntaxNode): string {
    return node.children.filter((c) => c.type === 'identifier').map((c) => this.textOf(c)).join('.');
  }

  /** True for identifiers that read or write a variable (not attribute names, keywords, params). */
  private isReference(id: SyntaxNode): boolean {
    const p = id.parent;
    if (!p) return false;
    switch (p.type) {
      case 'attribute':
        return id.field !== 'attribute';
      case 'keyword_argument':
        return id.field !== 'name';
      case 'function_definition':
      case 'class_definition':
        return id.field !== 'name';
      case 'parameters':
      case 'lambda_parameters':
      case 'typed_parameter':
        return false;
      case 'default_parameter':
      case 'typed_default_parameter':
        return id.field === 'value';
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        return !(p.parent && (p.parent.type === 'parameters' || p.parent.type === 'lambda_parameters' || p.parent.type === 'typed_parameter'));
      case 'dotted_name':
      case 'aliased_import':
      case 'global_statement':
      case 'nonlocal_statement':
      case 'keyword_pattern':
        return false;
      default:
        return true;
    }
  }

  private isMainTest(cond: SyntaxNode | undefined): boolean {
    if (!cond || cond.type !== 'comparison_operator') return false;
    const ops = cond.children.filter((c) => !c.named);
    if (ops.length !== 1 || ops[0].type !== '==') return false;
    const [a, b] = cond.children.filter((c) => c.named);
    if (!a || !b) return false;
    const isName = (n: SyntaxNode) => n.type === 'identifier' && this.textOf(n) === '__name__';
    const isMain = (n: SyntaxNode) => this.stringValue(n) === '__main__';
    return (isName(a) && isMain(b)) || (isMain(a) && isName(b));
  }

  // ---------------------------------------------------------------- scopes

  /** The scope a node's names are looked up in. */
  scopeOf(node: SyntaxNode): Scope {
    // Calls and identifiers carry the scope the build recorded (every build sets it on all of them).
    if ((node.type === 'identifier' || node.type === 'call') && node.scope) return node.scope as Scope;
    let prev: SyntaxNode = node;
    for (let p = node.parent; p; prev = p, p = p.parent) {
      if (!SCOPE_TYPES.has(p.type)) continue;
      const s = this.scopes.get(p);
      if (!s) continue;
      if (p.type === 'function_definition') {
        if (prev.field === 'body') return s;
        if (prev.field === 'parameters' && this.inParamName(node, prev)) return s;
        continue; // decorators, defaults, annotations: the enclosing scope
      }
      if (p.type === 'class_definition') {
        if (prev.field === 'body') return s;
        continue;
      }
      return s;
    }
    return this.module;
  }

  private inParamName(node: SyntaxNode, params: SyntaxNode): boolean {
    for (let n: SyntaxNode | null = node; n && n !== params; n = n.parent) {
      if (n.field === 'value' || n.field === 'type') return false;
    }
    return true;
  }

  private enclosingFunctionScope(scope: Scope): Scope | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.kind === 'function' || s.kind === 'lambda') return s;
    return undefined;
  }

  /** Innermost function enclosing a node (its own scope for code in its body). */
  functionOf(node: SyntaxNode): FunctionInfo | undefined {
    for (let s: Scope | undefined = this.scopeOf(node); s; s = s.parent) if (s.fn) return s.fn;
    return undefined;
  }

  /** The scope where `name`, used in `scope`, is bound (Python's LEGB, class bodies skipped). */
  lookupScope(name: string, scope: Scope): Scope | undefined {
    if (scope.globals.has(name)) return this.module;
    let s: Scope | undefined = scope;
    let first = true;
    while (s) {
      if ((first || s.kind !== 'class') && s.bindings.has(name)) return s;
      if (s.kind === 'module' && s.starImports.length) {
        for (const m of s.starImports) if (STAR_EXPORTS[m]?.has(name)) return s;
      }
      first = false;
      s = s.parent;
    }
    return undefined;
  }

  bindingsOf(name: string, scope: Scope): { scope: Scope; bindings: Binding[] } | undefined {
    const s = this.lookupScope(name, scope);
    if (!s) return undefined;
    return { scope: s, bindings: s.bindings.get(name) ?? [] };
  }

  isBindingNode(id: SyntaxNode): boolean {
    return this.bindingIds.has(id);
  }

  /** References to `name` that resolve to `scope`, in document order. */
  refsOf(name: string, scope: Scope): SyntaxNode[] {
    return scope.refs.get(name) ?? [];
  }

  // ---------------------------------------------------------------- module-level execution

  /** True when the node runs at import time: not inside a def or lambda body. */
  runsAtImport(node: SyntaxNode): boolean {
    for (let s: Scope | undefined = this.scopeOf(node); s; s = s.parent) {
      if (s.kind === 'function' || s.kind === 'lambda') return false;
    }
    return true;
  }

  /** The `if __name__ == "__main__":` block (or its else branch) that holds a node, if any. */
  mainGuardOf(node: SyntaxNode): SyntaxNode | undefined {
    for (const g of this.mainGuards) {
      const body = child(g, 'consequence');
      if (body && body.start <= node.start && node.end <= body.end) return g;
    }
    return undefined;
  }

  /** The module-level statement that holds a node. */
  topStatement(node: SyntaxNode): SyntaxNode {
    let n = node;
    while (n.parent && n.parent !== this.root) n = n.parent;
    return n;
  }

  // ---------------------------------------------------------------- values

  /** What an expression resolves to, or undefined when it cannot be followed. */
  valueOf(expr: SyntaxNode | undefined, scope?: Scope): Value | undefined {
    if (!expr) return undefined;
    const cached = this.valueCache.get(expr);
    if (cached !== undefined) return cached ?? undefined;
    if (this.resolving.has(expr)) return undefined;
    this.resolving.add(expr);
    let v: Value | undefined;
    try {
      v = this.compute(expr, scope ?? this.scopeOf(expr));
    } finally {
      this.resolving.delete(expr);
    }
    this.valueCache.set(expr, v ?? null);
    return v;
  }

  /** Drops cached values (after parameter types were learnt). */
  clearValues(): void {
    this.valueCache.clear();
  }

  private compute(expr: SyntaxNode, scope: Scope): Value | undefined {
    switch (expr.type) {
      case 'identifier':
        return this.nameValue(this.textOf(expr), scope);
      case 'parenthesized_expression':
        return this.valueOf(expr.children.find((c) => c.named && c.type !== 'comment'), scope);
      case 'lambda':
        return { kind: 'lambda', node: expr };
      case 'attribute': {
        const obj = this.valueOf(child(expr, 'object'), scope);
        const attrNode = child(expr, 'attribute');
        if (!obj || !attrNode) return undefined;
        return this.attrValue(obj, this.textOf(attrNode));
      }
      case 'call': {
        const fn = this.valueOf(child(expr, 'function'), scope);
        return fn ? this.callValue(fn, expr) : undefined;
      }
      default:
        return undefined;
    }
  }

  private nameValue(name: string, scope: Scope): Value | undefined {
    const s = this.lookupScope(name, scope);
    if (!s) return undefined;
    const bindings = s.bindings.get(name);
    if (!bindings || bindings.length === 0) {
      for (const m of s.starImports) if (STAR_EXPORTS[m]?.has(name)) return { kind: 'name', q: canonical(`${m}.${name}`) };
      return undefined;
    }
    let result: Value | undefined;
    for (const b of bindings) {
      const v = this.bindingValue(b, s);
      if (!v) return undefined;
      if (!result) result = v;
      else if (!sameValue(result, v)) return undefined;
      else if (result.kind === 'instance' && v.kind === 'instance' && result.call !== v.call) {
        result = { ...result, call: undefined };
      }
    }
    return result;
  }

  bindingValue(b: Binding, scope: Scope): Value | undefined {
    switch (b.kind) {
      case 'import':
        return b.q ? { kind: 'name', q: canonical(b.q) } : undefined;
      case 'def': {
        const fnNode = b.node.parent;
        const fn = fnNode ? this.scopes.get(fnNode)?.fn : undefined;
        return fn ? { kind: 'function', fn } : undefined;
      }
      case 'class': {
        const clsNode = b.node.parent;
        const cls = clsNode ? this.scopes.get(clsNode)?.cls : undefined;
        return cls ? { kind: 'class', cls } : undefined;
      }
      case 'assign':
      case 'with': {
        if (!b.value) return undefined;
        if (b.unpack) return this.unpackValue(b.value, b.unpack, scope);
        return this.valueOf(b.value);
      }
      case 'param': {
        const p = b.param;
        if (!p) return undefined;
        // `self` in a method is an instance of the class.
        if (p.index === 0 && p.fn.cls && !p.fn.decorators.some((d) => this.textOf(d).includes('staticmethod') || this.textOf(d).includes('classmethod'))) {
          return { kind: 'instance', of: this.classCanonical(p.fn.cls) ?? `local.${p.fn.cls.name}`, cls: p.fn.cls };
        }
        return this.paramTypeProvider?.(p.fn, p.fn.params[p.index]);
      }
      default:
        return undefined;
    }
  }

  private unpackValue(value: SyntaxNode, path: number[], scope: Scope): Value | undefined {
    let node: SyntaxNode | undefined = value;
    for (let i = 0; i < path.length && node; i++) {
      if (node.type === 'tuple' || node.type === 'expression_list' || node.type === 'list') {
        node = node.children.filter((c) => c.named && c.type !== 'comment')[path[i]];
        continue;
      }
      // a, b = Pipe(): both ends are connections.
      const v = this.valueOf(node, scope);
      if (v && v.kind === 'instance' && v.of === 'multiprocessing.Pipe' && i === path.length - 1) {
        return { kind: 'instance', of: 'multiprocessing.Connection', call: v.call };
      }
      return undefined;
    }
    return node ? this.valueOf(node, scope) : undefined;
  }

  private attrValue(obj: Value, attr: string): Value | undefined {
    switch (obj.kind) {
      case 'name':
        return { kind: 'name', q: canonical(`${obj.q}.${attr}`), startMethod: obj.startMethod };
      case 'instance': {
        if (obj.of === MANAGER || obj.of === SYNC_MANAGER) return { kind: 'name', q: `manager.${attr}` };
        if (obj.cls) {
          const method = this.findMethod(obj.cls, attr);
          if (method) return { kind: 'function', fn: method };
          const assigned = this.classAttr(obj.cls, attr);
          if (assigned) return assigned;
        }
        return undefined;
      }
      case 'class': {
        const method = this.findMethod(obj.cls, attr);
        return method ? { kind: 'function', fn: method } : undefined;
      }
      default:
        return undefined;
    }
  }

  private classAttr(cls: ClassInfo, attr: string): Value | undefined {
    const list = cls.attrs.get(attr);
    if (!list || list.length === 0) return undefined;
    let result: Value | undefined;
    for (const b of list) {
      const v = b.value ? (b.unpack ? this.unpackValue(b.value, b.unpack, this.scopeOf(b.value)) : this.valueOf(b.value)) : undefined;
      if (!v) return undefined;
      if (!result) result = v;
      else if (!sameValue(result, v)) return undefined;
    }
    return result;
  }

  findMethod(cls: ClassInfo, name: string, seen = new Set<ClassInfo>()): FunctionInfo | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    const m = cls.methods.get(name);
    if (m) return m;
    for (const base of cls.bases) {
      const v = this.valueOf(base);
      if (v?.kind === 'class') {
        const found = this.findMethod(v.cls, name, seen);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The known API class a local class derives from (e.g. multiprocessing.Process), if any. */
  classCanonical(cls: ClassInfo, seen = new Set<ClassInfo>()): string | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    for (const base of cls.bases) {
      const v = this.valueOf(base);
      if (v?.kind === 'name') return v.q;
      if (v?.kind === 'class') {
        const c = this.classCanonical(v.cls, seen);
        if (c) return c;
      }
    }
    return undefined;
  }

  private callValue(fn: Value, call: SyntaxNode): Value | undefined {
    switch (fn.kind) {
      case 'name': {
        const q = fn.q;
        if (q === 'multiprocessing.get_context') {
          const first = this.argument(call, 0, 'method');
          const method = first ? this.stringValue(first) : undefined;
          return { kind: 'name', q: 'multiprocessing', startMethod: method ?? (first ? undefined : 'default') };
        }
        if (q === 'multiprocessing.Manager') return { kind: 'instance', of: MANAGER, call, startMethod: fn.startMethod };
        return { kind: 'instance', of: q, call, startMethod: fn.startMethod };
      }
      case 'class': {
        const base = this.classCanonical(fn.cls);
        return { kind: 'instance', of: base ?? `local.${fn.cls.name}`, call, cls: fn.cls };
      }
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- calls

  /** Positional argument `index` or keyword `name` of a call. */
  argument(call: SyntaxNode, index: number, name?: string): SyntaxNode | undefined {
    const args = child(call, 'arguments');
    if (!args || args.type !== 'argument_list') return undefined;
    let i = 0;
    for (const c of args.children) {
      if (!c.named || c.type === 'comment') continue;
      if (c.type === 'keyword_argument') {
        if (name && this.textOf(child(c, 'name')!) === name) return child(c, 'value');
        continue;
      }
      if (c.type === 'list_splat' || c.type === 'dictionary_splat') return undefined; // unknown positions
      if (i === index) return c;
      i++;
    }
    return undefined;
  }

  /** Keyword argument value by name. */
  keyword(call: SyntaxNode, name: string): SyntaxNode | undefined {
    const args = child(call, 'arguments');
    if (!args) return undefined;
    for (const c of args.children) {
      if (c.type === 'keyword_argument') {
        const n = child(c, 'name');
        if (n && this.textOf(n) === name) return child(c, 'value');
      }
    }
    return undefined;
  }

  /** Positional arguments (undefined if a *splat makes positions unknown). */
  positional(call: SyntaxNode): SyntaxNode[] | undefined {
    const args = child(call, 'arguments');
    if (!args || args.type !== 'argument_list') return [];
    const out: SyntaxNode[] = [];
    for (const c of args.children) {
      if (!c.named || c.type === 'comment' || c.type === 'keyword_argument') continue;
      if (c.type === 'list_splat' || c.type === 'dictionary_splat') return undefined;
      out.push(c);
    }
    return out;
  }

  private readonly methodCache = new Map<SyntaxNode, { receiver: SyntaxNode; name: string } | null>();

  /** For `recv.name(...)`: the receiver and the method name. */
  methodCall(call: SyntaxNode): { receiver: SyntaxNode; name: string } | undefined {
    const cached = this.methodCache.get(call);
    if (cached !== undefined) return cached ?? undefined;
    let result: { receiver: SyntaxNode; name: string } | null = null;
    const f = child(call, 'function');
    if (f && f.type === 'attribute') {
      const obj = child(f, 'object');
      const attr = child(f, 'attribute');
      if (obj && attr) result = { receiver: obj, name: this.textOf(attr) };
    }
    this.methodCache.set(call, result);
    return result ?? undefined;
  }

  /** Calls whose callee is named `name`: `name(...)` or `x.name(...)`, in document order. */
  callsNamed(name: string): readonly SyntaxNode[] {
    return this.byName.get(name) ?? [];
  }

  /** Canonical name of what a call creates or invokes, when it resolves to a known API. */
  calleeName(call: SyntaxNode): string | undefined {
    const v = this.valueOf(child(call, 'function'));
    return v?.kind === 'name' ? v.q : undefined;
  }

  /** The instance type of an expression (canonical name), if it resolves to one. */
  instanceOf(expr: SyntaxNode | undefined): string | undefined {
    const v = this.valueOf(expr);
    return v?.kind === 'instance' ? v.of : undefined;
  }

  /** True when `expr` is a Process object (including subclasses of Process). */
  isProcess(expr: SyntaxNode | undefined): boolean {
    return this.instanceOf(expr) === PROCESS;
  }

  /** Literal truth of an expression: true/false for True/False, undefined otherwise. */
  boolLiteral(expr: SyntaxNode | undefined): boolean | undefined {
    if (!expr) return undefined;
    if (expr.type === 'true') return true;
    if (expr.type === 'false') return false;
    return undefined;
  }

  /** The function an expression names: a def in this file (`f`, `self.m`, `Cls.m`). */
  functionValue(expr: SyntaxNode | undefined): FunctionInfo | undefined {
    const v = this.valueOf(expr);
    return v?.kind === 'function' ? v.fn : undefined;
  }

  /** The statement (child of a block or the module) that holds a node. */
  statementOf(node: SyntaxNode): SyntaxNode {
    let n = node;
    while (n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
    return n;
  }
}

function sameValue(a: Value, b: Value): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'name':
      return a.q === (b as typeof a).q && a.startMethod === (b as typeof a).startMethod;
    case 'instance':
      return a.of === (b as typeof a).of && a.cls === (b as typeof a).cls;
    case 'function':
      return a.fn === (b as typeof a).fn;
    case 'class':
      return a.cls === (b as typeof a).cls;
    case 'lambda':
      return a.node === (b as typeof a).node;
  }
}
