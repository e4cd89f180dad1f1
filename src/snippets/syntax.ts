// VS Code snippet syntax (the TextMate dialect VS Code documents under "Snippet syntax"), parsed
// into a small tree so that the test suite and the picker can see the Python a snippet expands
// to when every tab stop keeps its default. No `vscode` import: VS Code's own parser is not
// reachable from an extension, and the test suite needs this in plain Node.
//
//   any         ::= tabstop | placeholder | choice | variable | text
//   tabstop     ::= '$' int | '${' int '}' | '${' int transform '}'
//   placeholder ::= '${' int ':' any '}'
//   choice      ::= '${' int '|' text (',' text)* '|}'
//   variable    ::= '$' var | '${' var '}' | '${' var ':' any '}' | '${' var transform '}'
//   transform   ::= '/' regex '/' (format | text)+ '/' options
//
// A backslash escapes `$`, `}` and `\` (and `,` `|` inside a choice); before anything else it is
// a literal backslash, as in VS Code, so Python's '\n' needs no escaping.

export type SnippetNode = Text | TabStop | Choice | Variable;

export interface Text {
  kind: 'text';
  value: string;
}

export interface TabStop {
  kind: 'tabstop';
  index: number;
  /** The default text: undefined for a bare `$1` (it mirrors another placeholder, or is empty). */
  children?: SnippetNode[];
  transform?: Transform;
}

export interface Choice {
  kind: 'choice';
  index: number;
  options: string[];
}

export interface Variable {
  kind: 'variable';
  name: string;
  children?: SnippetNode[];
  transform?: Transform;
}

export interface Transform {
  regex: RegExp;
  format: FormatPart[];
}

export type FormatPart =
  | string
  | { group: number; modifier?: 'upcase' | 'downcase' | 'capitalize' | 'camelcase' | 'pascalcase'; ifText?: string; elseText?: string };

export class SnippetSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
  }
}

/** Parses a snippet body. Malformed `${` constructs throw SnippetSyntaxError (VS Code would
 * silently insert them as text, which hides typos; we want the test suite to see them). */
export function parseSnippet(source: string): SnippetNode[] {
  return new Parser(source).parseAll();
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseAll(): SnippetNode[] {
    const nodes = this.parseUntil(false);
    if (this.pos < this.src.length) throw new SnippetSyntaxError('unexpected "}"', this.pos);
    return nodes;
  }

  /** Parses nodes until the end, or (inside a placeholder) until an unescaped `}`. */
  private parseUntil(nested: boolean): SnippetNode[] {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = () => {
      if (text) nodes.push({ kind: 'text', value: text });
      text = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next === '$' || next === '}' || next === '\\') {
          text += next;
          this.pos += 2;
        } else {
          text += c;
          this.pos += 1;
        }
      } else if (c === '}' && nested) {
        break;
      } else if (c === '$') {
        const node = this.parseDollar();
        if (node) {
          flush();
          nodes.push(node);
        } else {
          text += '$';
          this.pos += 1;
        }
      } else {
        text += c;
        this.pos += 1;
      }
    }
    flush();
    return nodes;
  }

  /** At a `$`: returns the construct, or undefined when the `$` is a plain character. */
  private parseDollar(): SnippetNode | undefined {
    const start = this.pos;
    const rest = this.src.slice(this.pos + 1);
    let m = /^[0-9]+/.exec(rest);
    if (m) {
      this.pos += 1 + m[0].length;
      return { kind: 'tabstop', index: Number(m[0]) };
    }
    m = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(rest);
    if (m) {
      this.pos += 1 + m[0].length;
      return { kind: 'variable', name: m[0] };
    }
    if (rest[0] !== '{') return undefined;
    this.pos += 2;
    m = /^([0-9]+)|^([_a-zA-Z][_a-zA-Z0-9]*)/.exec(this.src.slice(this.pos));
    if (!m) throw new SnippetSyntaxError('"${" must be followed by a tab stop number or a variable name', start);
    this.pos += m[0].length;
    const isTabStop = m[1] !== undefined;
    const index = isTabStop ? Number(m[1]) : -1;
    const name = m[2] ?? '';
    const c = this.src[this.pos];
    if (c === '}') {
      this.pos += 1;
      return isTabStop ? { kind: 'tabstop', index } : { kind: 'variable', name };
    }
    if (c === ':') {
      this.pos += 1;
      const children = this.parseUntil(true);
      this.expect('}', start);
      return isTabStop ? { kind: 'tabstop', index, children } : { kind: 'variable', name, children };
    }
    if (c === '|' && isTabStop) {
      this.pos += 1;
      const options = this.parseChoiceOptions(start);
      return { kind: 'choice', index, options };
    }
    if (c === '/') {
      this.pos += 1;
      const transform = this.parseTransform(start);
      this.expect('}', start);
      return isTabStop ? { kind: 'tabstop', index, transform } : { kind: 'variable', name, transform };
    }
    throw new SnippetSyntaxError(`unterminated "\${" construct`, start);
  }

  private parseChoiceOptions(start: number): string[] {
    const options: string[] = [];
    let current = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      const next = this.src[this.pos + 1];
      if (c === '\\' && next !== undefined && '$}\\,|'.includes(next)) {
        current += next;
        this.pos += 2;
      } else if (c === ',') {
        options.push(current);
        current = '';
        this.pos += 1;
      } else if (c === '|' && next === '}') {
        options.push(current);
        this.pos += 2;
        return options;
      } else {
        current += c;
        this.pos += 1;
      }
    }
    throw new SnippetSyntaxError('unterminated choice', start);
  }

  private parseTransform(start: number): Transform {
    const regexSource = this.readUntilSlash(start, false);
    const formatSource = this.readUntilSlash(start, true);
    const flags = /^[a-z]*/.exec(this.src.slice(this.pos))![0];
    this.pos += flags.length;
    let regex: RegExp;
    try {
      regex = new RegExp(regexSource, flags);
    } catch (err) {
      throw new SnippetSyntaxError(`bad transform regex: ${(err as Error).message}`, start);
    }
    return { regex, format: parseFormat(formatSource) };
  }

  /** Reads up to the next unescaped `/` (consumed); `\/` becomes `/`, other escapes stay.
   * In a format string a `/` inside `${...}` (as in `${1:/upcase}`) does not end it. */
  private readUntilSlash(start: number, format: boolean): string {
    let out = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (format && c === '$' && this.src[this.pos + 1] === '{') {
        const close = this.src.indexOf('}', this.pos);
        if (close < 0) break;
        out += this.src.slice(this.pos, close + 1);
        this.pos = close + 1;
      } else if (c === '\\' && this.src[this.pos + 1] === '/') {
        out += '/';
        this.pos += 2;
      } else if (c === '\\' && this.pos + 1 < this.src.length) {
        out += c + this.src[this.pos + 1];
        this.pos += 2;
      } else if (c === '/') {
        this.pos += 1;
        return out;
      } else {
        out += c;
        this.pos += 1;
      }
    }
    throw new SnippetSyntaxError('unterminated transform', start);
  }

  private expect(ch: string, start: number): void {
    if (this.src[this.pos] !== ch) throw new SnippetSyntaxError(`expected "${ch}" to close "\${"`, start);
    this.pos += 1;
  }
}

/** Format string of a transform: text, `$1`, `${1}`, `${1:/upcase}`, `${1:+if}`, `${1:-else}`,
 * `${1:else}`, `${1:?if:else}`. */
function parseFormat(src: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let text = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1];
      text += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      i += 2;
      continue;
    }
    if (c === '$') {
      const simple = /^\$([0-9]+)/.exec(src.slice(i));
      if (simple) {
        if (text) parts.push(text);
        text = '';
        parts.push({ group: Number(simple[1]) });
        i += simple[0].length;
        continue;
      }
      const braced = /^\$\{([0-9]+)(?::(\/(upcase|downcase|capitalize|camelcase|pascalcase)|\+([^}]*)|\?([^:}]*):([^}]*)|-?([^}]*)))?\}/.exec(
        src.slice(i),
      );
      if (braced) {
        if (text) parts.push(text);
        text = '';
        const group = Number(braced[1]);
        if (braced[3]) parts.push({ group, modifier: braced[3] as 'upcase' });
        else if (braced[4] !== undefined) parts.push({ group, ifText: braced[4] });
        else if (braced[5] !== undefined) parts.push({ group, ifText: braced[5], elseText: braced[6] });
        else if (braced[7] !== undefined) parts.push({ group, elseText: braced[7] });
        else parts.push({ group });
        i += braced[0].length;
        continue;
      }
    }
    text += c;
    i += 1;
  }
  if (text) parts.push(text);
  return parts;
}

function applyTransform(value: string, t: Transform): string {
  const replace = (match: RegExpExecArray): string =>
    t.format
      .map((part) => {
        if (typeof part === 'string') return part;
        const g = match[part.group];
        if (part.ifText !== undefined || part.elseText !== undefined) {
          return g ? (part.ifText ?? g) : (part.elseText ?? '');
        }
        if (g === undefined) return '';
        switch (part.modifier) {
          case 'upcase':
            return g.toUpperCase();
          case 'downcase':
            return g.toLowerCase();
          case 'capitalize':
            return g.charAt(0).toUpperCase() + g.slice(1);
          case 'camelcase':
          case 'pascalcase': {
            const words = g.split(/[-_\s]+/).filter(Boolean);
            const joined = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('');
            return part.modifier === 'camelcase' ? joined.charAt(0).toLowerCase() + joined.slice(1) : joined;
          }
          default:
            return g;
        }
      })
      .join('');
  const isGlobal = t.regex.flags.includes('g');
  const re = new RegExp(t.regex.source, isGlobal ? t.regex.flags : t.regex.flags + 'g');
  let out = '';
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value))) {
    out += value.slice(last, m.index) + replace(m);
    last = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex += 1;
    if (!isGlobal) break;
  }
  return out + value.slice(last);
}

export interface ExpandOptions {
  /** Text to use for a tab stop instead of its default (e.g. another choice option). */
  values?: Record<number, string>;
  /** Value of a variable; undefined means unknown. VS Code inserts an unknown variable's name. */
  variable?: (name: string) => string | undefined;
}

/** The text the snippet inserts when the user accepts every default (first option of a choice). */
export function expandSnippet(source: string | SnippetNode[], options: ExpandOptions = {}): string {
  const nodes = typeof source === 'string' ? parseSnippet(source) : source;
  // A bare `$1` mirrors the first `${1:...}` (or choice) that has a default, wherever it is.
  const defaults = new Map<number, SnippetNode[] | string>();
  walk(nodes, (n) => {
    if (n.kind === 'tabstop' && n.children && !defaults.has(n.index)) defaults.set(n.index, n.children);
    if (n.kind === 'choice' && !defaults.has(n.index)) defaults.set(n.index, n.options[0] ?? '');
  });
  const render = (list: SnippetNode[]): string => list.map(renderNode).join('');
  const tabValue = (index: number, own?: SnippetNode[]): string => {
    const override = options.values?.[index];
    if (override !== undefined) return override;
    const def = own ?? defaults.get(index);
    if (def === undefined) return '';
    return typeof def === 'string' ? def : render(def);
  };
  const renderNode = (n: SnippetNode): string => {
    switch (n.kind) {
      case 'text':
        return n.value;
      case 'choice':
        return tabValue(n.index);
      case 'tabstop': {
        const value = tabValue(n.index, n.children);
        return n.transform ? applyTransform(value, n.transform) : value;
      }
      case 'variable': {
        const known = options.variable?.(n.name);
        const value = known !== undefined && known !== '' ? known : n.children ? render(n.children) : known ?? n.name;
        return n.transform ? applyTransform(value, n.transform) : value;
      }
    }
  };
  return render(nodes);
}

/** Every node, depth first. */
export function walk(nodes: SnippetNode[], visit: (n: SnippetNode) => void): void {
  for (const n of nodes) {
    visit(n);
    if ((n.kind === 'tabstop' || n.kind === 'variable') && n.children) walk(n.children, visit);
  }
}

/** A tab stop and the default text it starts with, in tab order ($1, $2, ..., then $0). */
export interface TabStopInfo {
  index: number;
  defaultText: string;
  options?: string[];
}

export function tabStops(source: string | SnippetNode[]): TabStopInfo[] {
  const nodes = typeof source === 'string' ? parseSnippet(source) : source;
  const seen = new Map<number, TabStopInfo>();
  walk(nodes, (n) => {
    if (n.kind === 'choice') {
      // A choice defines its tab stop; VS Code offers its options there.
      if (!seen.get(n.index)?.options) {
        seen.set(n.index, { index: n.index, defaultText: n.options[0] ?? '', options: n.options });
      }
    } else if (n.kind === 'tabstop') {
      const prior = seen.get(n.index);
      if (!prior) {
        seen.set(n.index, { index: n.index, defaultText: n.children ? expandSnippet(n.children) : '' });
      } else if (n.children && !prior.options && prior.defaultText === '') {
        prior.defaultText = expandSnippet(n.children);
      }
    }
  });
  return [...seen.values()].sort((a, b) => (a.index === 0 ? 1 : b.index === 0 ? -1 : a.index - b.index));
}

/** Names of the variables a snippet uses ($TM_FILENAME ...). */
export function variablesUsed(source: string | SnippetNode[]): string[] {
  const nodes = typeof source === 'string' ? parseSnippet(source) : source;
  const names = new Set<string>();
  walk(nodes, (n) => {
    if (n.kind === 'variable') names.add(n.name);
  });
  return [...names];
}

/** Escapes plain text so a snippet inserts it literally. */
export function escapeSnippetText(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}
