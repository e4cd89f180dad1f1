// Facts several rules share, computed once per file on top of the Model: where processes are
// created and what they receive, which functions run in children, which calls each function
// makes, and where a process object flows (a variable, a list of processes).
import type { ClassInfo, FunctionInfo, Model, Scope, Value } from './model';
import { EXECUTOR_TASK_METHODS, POOL, POOL_TASK_METHODS, PPE, PROCESS } from './names';
import { child, type SyntaxNode } from './syntax';

export interface ProcessCreation {
  /** `Process(...)`, `ctx.Process(...)` or `MyProcess(...)`. */
  call: SyntaxNode;
  /** For subclasses of Process. */
  cls?: ClassInfo;
  /** The expression given as `target=`. */
  target?: SyntaxNode;
  /** The function that runs in the child (target, or `run` of a subclass), when in this file. */
  targetFn?: FunctionInfo;
  /** Expressions handed to the child (args, kwargs values, constructor arguments). */
  args: SyntaxNode[];
  /** Parameter of the function receiving each expression (target, or `__init__` of a subclass). */
  paramArgs: Map<string, SyntaxNode>;
  /** `daemon=True` or `daemon=False` at creation; undefined when not given or not a literal. */
  daemonLiteral?: boolean;
}

export interface PoolTask {
  /** The call that submits work: `pool.map(f, xs)`, `ex.submit(f, x)`, `loop.run_in_executor(ex, f)`. */
  call: SyntaxNode;
  method: string;
  /** `pool` (multiprocessing.Pool), `threadpool` (runs in threads), `executor` (ProcessPoolExecutor). */
  kind: 'pool' | 'threadpool' | 'executor';
  /** The callable sent to the workers. */
  fnExpr?: SyntaxNode;
  fn?: FunctionInfo;
  /** Argument expressions sent along, when their positions are known. */
  args: SyntaxNode[];
  paramArgs: Map<string, SyntaxNode>;
}

export class Facts {
  readonly creations: ProcessCreation[] = [];
  readonly creationByCall = new Map<SyntaxNode, ProcessCreation>();
  readonly tasks: PoolTask[] = [];
  /** Calls made directly by each function (not by functions or lambdas nested in it). */
  readonly callsByFunction = new Map<FunctionInfo, SyntaxNode[]>();
  /** Calls made by module-level code (including class bodies). */
  readonly moduleCalls: SyntaxNode[] = [];

  constructor(readonly model: Model) {
    // What a target's parameters are is only known from where it is used; the model asks as it
    // resolves names (see paramType).
    model.paramTypeProvider = (fn, name) => this.paramType(fn, name);
    this.collect();
  }

  private collect(): void {
    const m = this.model;
    for (const call of m.calls) {
      const owner = this.ownerOf(call);
      if (owner === 'module') this.moduleCalls.push(call);
      else if (owner) {
        let list = this.callsByFunction.get(owner);
        if (!list) this.callsByFunction.set(owner, (list = []));
        list.push(call);
      }
      const v = m.valueOf(call);
      if (v?.kind === 'instance' && v.of === PROCESS && v.call === call) this.addCreation(call, v);
      this.addTask(call);
    }
  }

  /** The function whose own code makes a call ('module' for import-time code, undefined inside lambdas). */
  ownerOf(node: SyntaxNode): FunctionInfo | 'module' | undefined {
    for (let s: Scope | undefined = this.model.scopeOf(node); s; s = s.parent) {
      if (s.kind === 'lambda') return undefined;
      if (s.fn) return s.fn;
    }
    return 'module';
  }

  private addCreation(call: SyntaxNode, v: Extract<Value, { kind: 'instance' }>): void {
    const m = this.model;
    const creation: ProcessCreation = { call, args: [], paramArgs: new Map() };
    if (v.cls) {
      creation.cls = v.cls;
      creation.targetFn = m.findMethod(v.cls, 'run');
      const init = m.findMethod(v.cls, '__init__');
      const pos = m.positional(call) ?? [];
      creation.args.push(...pos);
      for (const kw of keywordArgs(m, call)) creation.args.push(kw.value);
      if (init) mapParams(m, init, 1, pos, keywordArgs(m, call), creation.paramArgs);
      const daemon = m.keyword(call, 'daemon');
      creation.daemonLiteral = m.boolLiteral(daemon);
    } else {
      creation.target = m.argument(call, 1, 'target');
      const fnValue = creation.target ? m.valueOf(creation.target) : undefined;
      if (fnValue?.kind === 'function') creation.targetFn = fnValue.fn;
      const argsTuple = m.argument(call, 3, 'args');
      const positional = tupleElements(argsTuple);
      const kwargsDict = m.argument(call, 4, 'kwargs');
      const kws = dictEntries(m, kwargsDict);
      creation.args.push(...(positional ?? []), ...kws.map((k) => k.value));
      if (creation.targetFn && positional) {
        const offset = isBoundMethod(m, creation.target, creation.targetFn) ? 1 : 0;
        mapParams(m, creation.targetFn, offset, positional, kws, creation.paramArgs);
      }
      creation.daemonLiteral = m.boolLiteral(m.keyword(call, 'daemon'));
    }
    this.creations.push(creation);
    this.creationByCall.set(call, creation);
  }

  private addTask(call: SyntaxNode): void {
    const m = this.model;
    const mc = m.methodCall(call);
    if (!mc) return;
    let kind: PoolTask['kind'] | undefined;
    let fnExpr: SyntaxNode | undefined;
    let args: SyntaxNode[] = [];
    if (POOL_TASK_METHODS.has(mc.name)) {
      const recv = m.instanceOf(mc.receiver);
      if (recv === POOL) kind = 'pool';
      else if (recv === 'multiprocessing.ThreadPool') kind = 'threadpool';
      if (kind) {
        fnExpr = m.argument(call, 0, 'func');
        if (mc.name === 'apply' || mc.name === 'apply_async') args = tupleElements(m.argument(call, 1, 'args')) ?? [];
      }
    }
    if (!kind && EXECUTOR_TASK_METHODS.has(mc.name) && m.instanceOf(mc.receiver) === PPE) {
      kind = 'executor';
      fnExpr = m.argument(call, 0, 'fn');
      if (mc.name === 'submit') args = (m.positional(call) ?? []).slice(1);
    }
    if (!kind && mc.name === 'run_in_executor' && m.instanceOf(m.argument(call, 0)) === PPE) {
      kind = 'executor';
      fnExpr = m.argument(call, 1);
      args = (m.positional(call) ?? []).slice(2);
    }
    if (!kind) return;
    const fnValue = fnExpr ? m.valueOf(fnExpr) : undefined;
    const fn = fnValue?.kind === 'function' ? fnValue.fn : undefined;
    const paramArgs = new Map<string, SyntaxNode>();
    if (fn && args.length) mapParams(m, fn, isBoundMethod(m, fnExpr, fn) ? 1 : 0, args, [], paramArgs);
    this.tasks.push({ call, method: mc.name, kind, fnExpr, fn, args, paramArgs });
  }

  private readonly paramMemo = new Map<FunctionInfo, Map<string, Value | null>>();
  private readonly paramBusy = new Set<string>();

  /**
   * The value every use of `fn` as a process target or pool task passes to parameter `name`
   * (undefined when they differ or cannot be followed). Found from the references to the
   * function itself, so that it can be answered while the creations are still being collected.
   */
  paramType(fn: FunctionInfo, name: string): Value | undefined {
    let memo = this.paramMemo.get(fn);
    if (memo?.has(name)) return memo.get(name) ?? undefined;
    const key = `${fn.node.start}:${name}`;
    if (this.paramBusy.has(key)) return undefined; // a cycle: stay unknown
    this.paramBusy.add(key);
    let result: Value | undefined;
    try {
      result = this.computeParamType(fn, name);
    } finally {
      this.paramBusy.delete(key);
    }
    if (!memo) this.paramMemo.set(fn, (memo = new Map()));
    memo.set(name, result ?? null);
    return result;
  }

  private computeParamType(fn: FunctionInfo, name: string): Value | undefined {
    const m = this.model;
    const sources: SyntaxNode[] = [];
    const defining = fn.scope.parent;
    if (!defining) return undefined;
    if (fn.cls && fn.name === '__init__') {
      // Constructor arguments of a class instantiated in this file.
      const found = fn.cls.scope.parent;
      if (!found) return undefined;
      for (const ref of m.refsOf(fn.cls.name, m.lookupScope(fn.cls.name, found) ?? found)) {
        const call = ref.parent;
        if (call?.type === 'call' && ref.field === 'function') {
          const arg = argumentFor(m, call, fn, name, 1, 0);
          if (arg === null) return undefined;
          if (arg) sources.push(arg);
        }
      }
    } else if (!fn.cls) {
      const bound = m.lookupScope(fn.name, defining);
      if (!bound) return undefined;
      for (const ref of m.refsOf(fn.name, bound)) {
        const p = ref.parent;
        if (!p) continue;
        let arg: SyntaxNode | undefined | null;
        if (p.type === 'keyword_argument' && ref.field === 'value' && m.textOf(child(p, 'name')!) === 'target') {
          const call = p.parent?.parent;
          if (call?.type !== 'call') continue;
          arg = argumentFor(m, call, fn, name, 0, 3, 'args', 4);
        } else if (p.type === 'argument_list' && p.parent?.type === 'call') {
          const call = p.parent;
          const mc = m.methodCall(call);
          const pos = m.positional(call);
          if (!mc || !pos) continue;
          const at = pos.indexOf(ref);
          if (at === 0 && (mc.name === 'apply' || mc.name === 'apply_async')) arg = argumentFor(m, call, fn, name, 0, 1, 'args');
          else if (at === 0 && mc.name === 'submit') arg = argumentFor(m, call, fn, name, 0, -1);
          else if (at === 1 && mc.name === 'run_in_executor') arg = argumentFor(m, call, fn, name, 0, -2);
          else continue;
        } else continue;
        if (arg === null) return undefined;
        if (arg) sources.push(arg);
      }
    }
    let result: Value | undefined;
    for (const expr of sources) {
      const v = m.valueOf(expr);
      if (!v) return undefined;
      if (!result) result = v;
      else if (JSON.stringify(describe(result)) !== JSON.stringify(describe(v))) return undefined;
    }
    return result;
  }

  // ---------------------------------------------------------------- flows of process objects

  /** Process creations an expression may denote: a variable, or a loop variable over a list of processes. */
  creationsOf(expr: SyntaxNode | undefined, depth = 0): ProcessCreation[] {
    if (!expr || depth > 4) return [];
    const m = this.model;
    const direct = this.creationByCall.get(expr);
    if (direct) return [direct];
    if (expr.type !== 'identifier') return [];
    const found = m.bindingsOf(m.textOf(expr), m.scopeOf(expr));
    if (!found) return [];
    const out: ProcessCreation[] = [];
    for (const b of found.bindings) {
      if (b.kind === 'assign' && b.value && !b.unpack) {
        const c = this.creationByCall.get(b.value);
        if (c) out.push(c);
      } else if (b.kind === 'for' && b.value && !b.unpack) {
        out.push(...this.containerCreations(b.value, depth + 1));
      }
    }
    return out;
  }

  /** Creations stored in a list: `[Process(...) for ...]`, `[p1, p2]`, or `procs.append(p)`. */
  containerCreations(expr: SyntaxNode, depth = 0): ProcessCreation[] {
    if (depth > 4) return [];
    const m = this.model;
    if (expr.type === 'list_comprehension' || expr.type === 'generator_expression') {
      const body = child(expr, 'body');
      return body ? this.creationsOf(body, depth + 1) : [];
    }
    if (expr.type === 'list' || expr.type === 'tuple') {
      return expr.children.filter((c) => c.named).flatMap((c) => this.creationsOf(c, depth + 1));
    }
    if (expr.type !== 'identifier') return [];
    const name = m.textOf(expr);
    const found = m.bindingsOf(name, m.scopeOf(expr));
    if (!found) return [];
    const out: ProcessCreation[] = [];
    for (const b of found.bindings) {
      if (b.kind === 'assign' && b.value && !b.unpack) out.push(...this.containerCreations(b.value, depth + 1));
    }
    for (const ref of m.refsOf(name, found.scope)) {
      const appended = appendedValue(m, ref);
      if (appended) out.push(...this.creationsOf(appended, depth + 1));
    }
    return out;
  }

  /**
   * Where a created process goes: the variable it is assigned to, and whether that variable is a
   * plain name (`p = Process()`) whose uses can be followed.
   */
  boundName(call: SyntaxNode): { name: string; scope: Scope; id: SyntaxNode } | undefined {
    const m = this.model;
    const parent = call.parent;
    if (!parent || parent.type !== 'assignment' || call.field !== 'right') return undefined;
    const left = child(parent, 'left');
    if (!left || left.type !== 'identifier') return undefined;
    const scope = m.scopeOf(left);
    const found = m.bindingsOf(m.textOf(left), scope);
    return found ? { name: m.textOf(left), scope: found.scope, id: left } : undefined;
  }

  /** True if the process is a daemon: `daemon=True`, `p.daemon = True`, or a subclass setting it. */
  isDaemon(c: ProcessCreation): boolean {
    if (c.daemonLiteral === true) return true;
    const m = this.model;
    if (c.cls && this.classSetsDaemon(c.cls)) return true;
    const bound = this.boundName(c.call);
    if (!bound) return false;
    for (const ref of m.refsOf(bound.name, bound.scope)) {
      const attr = ref.parent;
      if (!attr || attr.type !== 'attribute' || ref.field !== 'object') continue;
      if (m.textOf(child(attr, 'attribute')!) !== 'daemon') continue;
      const assign = attr.parent;
      if (assign?.type === 'assignment' && attr.field === 'left' && m.boolLiteral(child(assign, 'right')) === true) return true;
    }
    return false;
  }

  private classSetsDaemon(cls: ClassInfo): boolean {
    const m = this.model;
    for (const b of cls.attrs.get('daemon') ?? []) if (m.boolLiteral(b.value) === true) return true;
    const init = m.findMethod(cls, '__init__');
    for (const call of (init && this.callsByFunction.get(init)) ?? []) {
      if (m.boolLiteral(m.keyword(call, 'daemon')) === true) return true;
    }
    return false;
  }

  private terminatedSet: Set<ProcessCreation> | undefined;
  private joinIndex: Map<ProcessCreation, SyntaxNode[]> | undefined;

  /** Creations some terminate()/kill() call may stop. */
  terminated(c: ProcessCreation): boolean {
    if (!this.terminatedSet) {
      this.terminatedSet = new Set();
      for (const name of ['terminate', 'kill']) {
        for (const call of this.model.callsNamed(name)) {
          const mc = this.model.methodCall(call);
          if (mc) for (const x of this.creationsOf(mc.receiver)) this.terminatedSet.add(x);
        }
      }
    }
    return this.terminatedSet.has(c);
  }

  /** The join() calls that may join a creation. */
  joinsOf(c: ProcessCreation): readonly SyntaxNode[] {
    if (!this.joinIndex) {
      this.joinIndex = new Map();
      for (const call of this.model.callsNamed('join')) {
        const mc = this.model.methodCall(call);
        if (!mc) continue;
        for (const x of this.creationsOf(mc.receiver)) {
          const list = this.joinIndex.get(x) ?? [];
          list.push(call);
          this.joinIndex.set(x, list);
        }
      }
    }
    return this.joinIndex.get(c) ?? [];
  }

  // ---------------------------------------------------------------- object identity

  /**
   * A key naming the object an expression denotes, stable across functions: a module global
   * (`global:lock`), an attribute of a class's instances (`class:Bank.lock`), or, for a parameter
   * of a process target or pool task, the single parent variable every caller passes to it
   * (`obj:lock@120`). Undefined when that cannot be told.
   */
  objectIdentity(expr: SyntaxNode, env?: Map<string, string>): string | undefined {
    const m = this.model;
    if (expr.type === 'identifier') {
      const name = m.textOf(expr);
      const found = m.bindingsOf(name, m.scopeOf(expr));
      if (!found) return undefined;
      if (found.scope === m.module) return `global:${name}`;
      const fn = found.scope.fn;
      if (fn && found.bindings.length === 1 && found.bindings[0].kind === 'param') {
        if (env?.has(name)) return env.get(name);
        let key: string | undefined;
        const sources = [
          ...this.creations.filter((c) => c.targetFn === fn || (c.cls && m.findMethod(c.cls, '__init__') === fn)),
          ...this.tasks.filter((t) => t.fn === fn),
        ];
        for (const c of sources) {
          const arg = c.paramArgs.get(name);
          const k = arg ? this.objectIdentity(arg) : undefined;
          if (!k || (key && key !== k)) return undefined;
          key = k;
        }
        return key;
      }
      // A local variable of the function that creates the processes.
      if (found.bindings.every((b) => b.kind === 'assign')) return `obj:${name}@${found.scope.node.start}`;
      return undefined;
    }
    if (expr.type === 'attribute') {
      const obj = child(expr, 'object');
      const attr = child(expr, 'attribute');
      if (!obj || !attr) return undefined;
      const v = m.valueOf(obj);
      if (v?.kind === 'instance' && v.cls) return `class:${v.cls.name}.${m.textOf(attr)}`;
    }
    return undefined;
  }

  /** For a call of a same-file function: each of its parameters mapped to the identity of the argument passed. */
  argumentIdentities(call: SyntaxNode, fn: FunctionInfo, env?: Map<string, string>): Map<string, string> {
    const m = this.model;
    const out = new Map<string, string>();
    const pos = m.positional(call) ?? [];
    const offset = isBoundMethod(m, child(call, 'function'), fn) ? 1 : 0;
    pos.forEach((arg, i) => {
      const p = fn.params[i + offset];
      const k = p !== undefined ? this.identityIn(arg, env) : undefined;
      if (p !== undefined && k) out.set(p, k);
    });
    for (const kw of keywordArgs(m, call)) {
      const k = this.identityIn(kw.value, env);
      if (k && fn.params.includes(kw.name)) out.set(kw.name, k);
    }
    return out;
  }

  private identityIn(expr: SyntaxNode, env?: Map<string, string>): string | undefined {
    if (env && expr.type === 'identifier' && env.has(this.model.textOf(expr))) return env.get(this.model.textOf(expr));
    return this.objectIdentity(expr, env);
  }

  private lockUse: Map<string, Map<FunctionInfo | 'module', { acquires: number; releases: number }>> | undefined;

  /**
   * True when a lock is used as a mutex: used by one function only, or every function that calls
   * acquire() on it also calls release() as often. Locks acquired in one thread and released in another (a handshake, like a
   * binary semaphore) are not: rules about holding a lock then stay quiet.
   */
  isMutexLike(key: string): boolean {
    if (!this.lockUse) {
      this.lockUse = new Map();
      for (const call of [...this.model.callsNamed('acquire'), ...this.model.callsNamed('release')]) {
        const mc = this.model.methodCall(call);
        if (!mc || (mc.name !== 'acquire' && mc.name !== 'release')) continue;
        const k = this.objectIdentity(mc.receiver);
        if (!k) continue;
        const owner = this.ownerOf(call) ?? 'module';
        let perOwner = this.lockUse.get(k);
        if (!perOwner) this.lockUse.set(k, (perOwner = new Map()));
        let counts = perOwner.get(owner);
        if (!counts) perOwner.set(owner, (counts = { acquires: 0, releases: 0 }));
        if (mc.name === 'acquire') counts.acquires++;
        else counts.releases++;
      }
    }
    const perOwner = this.lockUse.get(key);
    // Used by one function only: whatever it does, it is that function's mutex.
    if (!perOwner || perOwner.size < 2) return true;
    for (const c of perOwner.values()) if (c.acquires !== c.releases) return false;
    return true;
  }

  // ---------------------------------------------------------------- call graph

  /** Same-file functions a function calls directly. */
  callees(fn: FunctionInfo): Array<{ call: SyntaxNode; fn: FunctionInfo }> {
    const out: Array<{ call: SyntaxNode; fn: FunctionInfo }> = [];
    for (const call of this.callsByFunction.get(fn) ?? []) {
      const f = this.model.functionValue(child(call, 'function'));
      if (f) out.push({ call, fn: f });
    }
    return out;
  }

  /**
   * The first call satisfying `pred` made by `fn` or by a same-file function it calls (up to
   * `depth` calls deep), with the chain of calls that leads there.
   */
  findInCalls(
    fn: FunctionInfo,
    pred: (call: SyntaxNode) => boolean,
    depth = 4,
    seen = new Set<FunctionInfo>(),
  ): { call: SyntaxNode; via: SyntaxNode[] } | undefined {
    if (seen.has(fn)) return undefined;
    seen.add(fn);
    const calls = this.callsByFunction.get(fn) ?? [];
    for (const call of calls) if (pred(call)) return { call, via: [] };
    if (depth <= 0) return undefined;
    for (const { call, fn: callee } of this.callees(fn)) {
      const found = this.findInCalls(callee, pred, depth - 1, seen);
      if (found) return { call: found.call, via: [call, ...found.via] };
    }
    return undefined;
  }

  /** Functions that run in a child process: targets, `run` of Process subclasses, pool tasks. */
  childFunctions(): Map<FunctionInfo, { creations: ProcessCreation[]; tasks: PoolTask[] }> {
    const out = new Map<FunctionInfo, { creations: ProcessCreation[]; tasks: PoolTask[] }>();
    const entry = (fn: FunctionInfo) => {
      let e = out.get(fn);
      if (!e) out.set(fn, (e = { creations: [], tasks: [] }));
      return e;
    };
    for (const c of this.creations) if (c.targetFn) entry(c.targetFn).creations.push(c);
    for (const t of this.tasks) if (t.fn && t.kind !== 'threadpool') entry(t.fn).tasks.push(t);
    return out;
  }

  private readonly deepStarts = new Map<FunctionInfo, { call: SyntaxNode; via: SyntaxNode[] } | null>();

  /** The process-starting call `fn` makes, itself or through the same-file functions it calls (memoized). */
  startsProcessesIn(fn: FunctionInfo): { call: SyntaxNode; via: SyntaxNode[] } | undefined {
    if (!this.deepStarts.has(fn)) this.deepStarts.set(fn, this.findInCalls(fn, (c) => this.startsProcesses(c)) ?? null);
    return this.deepStarts.get(fn) ?? undefined;
  }

  /** Calls that create processes: Process(...).start(), p.start(), Pool(), Manager(), executors. */
  startsProcesses(call: SyntaxNode): boolean {
    const m = this.model;
    const mc = m.methodCall(call);
    if (mc && mc.name === 'start') {
      if (m.isProcess(mc.receiver)) return true;
      const of = m.instanceOf(mc.receiver);
      if (of === 'multiprocessing.managers.BaseManager' || of === 'multiprocessing.managers.SyncManager') return true;
      return false;
    }
    const v = m.valueOf(call);
    if (v?.kind !== 'instance' || v.call !== call) return false;
    return v.of === POOL || v.of === 'multiprocessing.Manager' || v.of === PPE;
  }
}

// ---------------------------------------------------------------- helpers

const factsCache = new WeakMap<Model, Facts>();

export function factsOf(model: Model): Facts {
  let f = factsCache.get(model);
  if (!f) factsCache.set(model, (f = new Facts(model)));
  return f;
}

function describe(v: Value): unknown {
  switch (v.kind) {
    case 'name':
      return ['name', v.q, v.startMethod];
    case 'instance':
      return ['instance', v.of, v.cls?.node.start];
    case 'function':
      return ['function', v.fn.node.start];
    case 'class':
      return ['class', v.cls.node.start];
    case 'lambda':
      return ['lambda', v.node.start];
  }
}

/**
 * The expression a call passes to parameter `name` of `fn`. `argsAt` says where the arguments
 * are: a positional index holding an args tuple (with `argsKw` its keyword), or a negative number
 * -k for "the positional arguments from index k on". Returns null when positions are unknown.
 */
function argumentFor(
  m: Model,
  call: SyntaxNode,
  fn: FunctionInfo,
  name: string,
  offset: number,
  argsAt: number,
  argsKw?: string,
  kwargsAt?: number,
): SyntaxNode | undefined | null {
  const index = fn.params.indexOf(name) - offset;
  let positional: SyntaxNode[] | undefined;
  if (argsAt < 0) positional = (m.positional(call) ?? undefined)?.slice(-argsAt);
  else if (argsKw) positional = tupleElements(m.argument(call, argsAt, argsKw));
  else positional = m.positional(call);
  if (argsAt === 0 && !argsKw) positional = m.positional(call);
  if (positional === undefined) {
    // No args at all is fine (the parameter then has a default); anything else is unknown.
    const given = argsKw ? m.argument(call, argsAt, argsKw) : undefined;
    if (given) return null;
    positional = [];
  }
  if (index >= 0 && index < positional.length) return positional[index];
  if (kwargsAt !== undefined) {
    const kws = dictEntries(m, m.argument(call, kwargsAt, 'kwargs'));
    const kw = kws.find((k) => k.name === name);
    if (kw) return kw.value;
  }
  if (argsAt === 0 && !argsKw) {
    const kw = keywordArgs(m, call).find((k) => k.name === name);
    if (kw) return kw.value;
  }
  return undefined;
}

/** Elements of a tuple or list literal (`(q,)`, `[a, b]`), else undefined. */
export function tupleElements(node: SyntaxNode | undefined): SyntaxNode[] | undefined {
  if (!node) return undefined;
  if (node.type === 'parenthesized_expression') {
    const inner = node.children.filter((c) => c.named && c.type !== 'comment');
    return inner.length === 1 ? inner : undefined;
  }
  if (node.type !== 'tuple' && node.type !== 'list') return undefined;
  const out: SyntaxNode[] = [];
  for (const c of node.children) {
    if (!c.named || c.type === 'comment') continue;
    if (c.type === 'list_splat') return undefined;
    out.push(c);
  }
  return out;
}

function dictEntries(m: Model, node: SyntaxNode | undefined): Array<{ name: string; value: SyntaxNode }> {
  if (!node) return [];
  if (node.type === 'dictionary') {
    const out: Array<{ name: string; value: SyntaxNode }> = [];
    for (const pair of node.children) {
      if (pair.type !== 'pair') continue;
      const key = m.stringValue(child(pair, 'key'));
      const value = child(pair, 'value');
      if (key !== undefined && value) out.push({ name: key, value });
    }
    return out;
  }
  if (node.type === 'call' && m.textOf(child(node, 'function')!) === 'dict') return keywordArgs(m, node);
  return [];
}

function keywordArgs(m: Model, call: SyntaxNode): Array<{ name: string; value: SyntaxNode }> {
  const args = child(call, 'arguments');
  const out: Array<{ name: string; value: SyntaxNode }> = [];
  if (!args) return out;
  for (const c of args.children) {
    if (c.type !== 'keyword_argument') continue;
    const n = child(c, 'name');
    const v = child(c, 'value');
    if (n && v) out.push({ name: m.textOf(n), value: v });
  }
  return out;
}

function mapParams(
  m: Model,
  fn: FunctionInfo,
  offset: number,
  positional: SyntaxNode[],
  keywords: Array<{ name: string; value: SyntaxNode }>,
  out: Map<string, SyntaxNode>,
): void {
  positional.forEach((arg, i) => {
    const p = fn.params[i + offset];
    if (p !== undefined) out.set(p, arg);
  });
  for (const kw of keywords) if (fn.params.includes(kw.name)) out.set(kw.name, kw.value);
}

/** True when `expr` is `obj.method` for a method (its first parameter is bound already). */
function isBoundMethod(m: Model, expr: SyntaxNode | undefined, fn: FunctionInfo): boolean {
  if (!expr || expr.type !== 'attribute' || !fn.cls) return false;
  const obj = m.valueOf(child(expr, 'object'));
  return obj?.kind === 'instance';
}

/** For a reference `c` in `c.append(x)`: the appended expression. */
export function appendedValue(m: Model, ref: SyntaxNode): SyntaxNode | undefined {
  const attr = ref.parent;
  if (!attr || attr.type !== 'attribute' || ref.field !== 'object') return undefined;
  const name = m.textOf(child(attr, 'attribute')!);
  if (name !== 'append' && name !== 'add') return undefined;
  const call = attr.parent;
  if (!call || call.type !== 'call' || attr.field !== 'function') return undefined;
  return m.argument(call, 0);
}
