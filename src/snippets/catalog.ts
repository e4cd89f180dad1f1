// The snippet library as data: the VS Code snippet files in snippets/ (what completion offers)
// joined with snippets/catalog.json (what the picker and the test suite need to know about each
// snippet). The metadata lives in its own file because VS Code's snippet-file schema declares
// `additionalProperties: false`: extra keys in a snippet entry would be flagged as errors.
import * as fs from 'fs';
import * as path from 'path';
import { expandSnippet, parseSnippet, type SnippetNode } from './syntax';

/** A complete program (imports, functions, main guard; runs as it is) or a piece to insert
 * into existing code (it relies on the `imports` listed for it). */
export type SnippetForm = 'program' | 'fragment';
/** `unix`: needs fork, FIFOs or POSIX signals, so it fails on Windows. */
export type SnippetPlatform = 'any' | 'unix';

export const PREFIX_PATTERN = /^(mp|cf|ipc|log|sub)-[a-z0-9]+(-[a-z0-9]+)*$/;

export interface SnippetCategory {
  id: string;
  label: string;
  /** The snippet file of this category, relative to the snippets folder. */
  file: string;
}

export interface SnippetMeta {
  form: SnippetForm;
  platform: SnippetPlatform;
  /** Import lines a fragment needs; the picker adds the missing ones. Empty for programs. */
  imports: string[];
  /** Another snippet this one talks to (the BaseManager worker's master). */
  partner?: string;
  /** The program picks its own start method, so a runner must not force one. */
  setsStartMethod?: boolean;
  /** Row numbers of the snippet catalogue in the research notes this snippet implements. */
  catalogue?: number[];
}

export interface SnippetEntry extends SnippetMeta {
  prefix: string;
  /** The key of the snippet in its file; VS Code shows it next to the prefix. */
  name: string;
  description: string;
  /** The body in snippet syntax, lines joined with "\n". */
  body: string;
  category: SnippetCategory;
}

export interface SnippetCatalog {
  categories: SnippetCategory[];
  snippets: SnippetEntry[];
}

interface RawCatalog {
  categories?: unknown;
  snippets?: unknown;
}

interface RawSnippet {
  prefix?: unknown;
  body?: unknown;
  description?: unknown;
}

export class CatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(`snippet catalogue is invalid: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  }
}

/** Reads snippets/catalog.json and every snippet file it names. Throws CatalogError. */
export function loadCatalog(snippetsDir: string): SnippetCatalog {
  const read = (file: string): unknown => {
    const full = path.join(snippetsDir, file);
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      throw new CatalogError([`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new CatalogError([`${file} is not valid JSON: ${(err as Error).message}`]);
    }
  };
  const raw = read('catalog.json') as RawCatalog;
  const files: Record<string, unknown> = {};
  if (Array.isArray(raw?.categories)) {
    for (const c of raw.categories as { file?: unknown }[]) {
      if (typeof c?.file === 'string') files[c.file] = read(c.file);
    }
  }
  return buildCatalog(raw, files);
}

/** Joins the parsed catalog.json with the parsed snippet files, checking everything. */
export function buildCatalog(raw: RawCatalog, files: Record<string, unknown>): SnippetCatalog {
  const problems: string[] = [];
  const categories: SnippetCategory[] = [];
  if (!Array.isArray(raw?.categories)) problems.push('catalog.json: "categories" must be an array');
  for (const c of (Array.isArray(raw?.categories) ? raw.categories : []) as Record<string, unknown>[]) {
    if (typeof c?.id !== 'string' || typeof c.label !== 'string' || typeof c.file !== 'string') {
      problems.push(`catalog.json: category ${JSON.stringify(c)} needs string id, label and file`);
      continue;
    }
    categories.push({ id: c.id, label: c.label, file: c.file });
  }
  const metas = (raw?.snippets && typeof raw.snippets === 'object' ? raw.snippets : {}) as Record<string, unknown>;
  if (!raw?.snippets || typeof raw.snippets !== 'object') problems.push('catalog.json: "snippets" must be an object');

  const snippets: SnippetEntry[] = [];
  const seen = new Set<string>();
  for (const category of categories) {
    const file = files[category.file];
    if (!file || typeof file !== 'object' || Array.isArray(file)) {
      problems.push(`${category.file}: must be a JSON object of snippets`);
      continue;
    }
    for (const [name, value] of Object.entries(file as Record<string, RawSnippet>)) {
      const where = `${category.file}: "${name}"`;
      const prefix = value?.prefix;
      if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
        problems.push(`${where}: prefix must be one string like mp-..., cf-..., ipc-..., log-..., sub-...`);
        continue;
      }
      if (seen.has(prefix)) problems.push(`${where}: prefix ${prefix} is used twice`);
      seen.add(prefix);
      const body = value.body;
      if (!Array.isArray(body) || !body.every((l) => typeof l === 'string')) {
        problems.push(`${where}: body must be an array of lines`);
        continue;
      }
      if (typeof value.description !== 'string' || value.description.trim() === '') {
        problems.push(`${where}: needs a description`);
        continue;
      }
      const meta = checkMeta(metas[prefix], `catalog.json: "${prefix}"`, problems);
      if (!meta) continue;
      const text = body.join('\n');
      try {
        parseSnippet(text);
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`);
        continue;
      }
      snippets.push({ ...meta, prefix, name, description: value.description, body: text, category });
    }
  }
  for (const prefix of Object.keys(metas)) {
    if (!seen.has(prefix)) problems.push(`catalog.json: "${prefix}" has no snippet in any snippet file`);
  }
  for (const s of snippets) {
    if (s.partner && !seen.has(s.partner)) problems.push(`catalog.json: "${s.prefix}" names unknown partner ${s.partner}`);
  }
  if (problems.length > 0) throw new CatalogError(problems);
  return { categories, snippets };
}

function checkMeta(value: unknown, where: string, problems: string[]): SnippetMeta | undefined {
  if (!value || typeof value !== 'object') {
    problems.push(`${where}: missing (every snippet needs form, platform and imports)`);
    return undefined;
  }
  const m = value as Record<string, unknown>;
  const before = problems.length;
  if (m.form !== 'program' && m.form !== 'fragment') problems.push(`${where}: form must be "program" or "fragment"`);
  if (m.platform !== 'any' && m.platform !== 'unix') problems.push(`${where}: platform must be "any" or "unix"`);
  if (!Array.isArray(m.imports) || !m.imports.every((i) => typeof i === 'string' && /^(import|from) /.test(i))) {
    problems.push(`${where}: imports must be an array of import lines`);
  }
  if (m.partner !== undefined && typeof m.partner !== 'string') problems.push(`${where}: partner must be a prefix`);
  if (m.setsStartMethod !== undefined && typeof m.setsStartMethod !== 'boolean') {
    problems.push(`${where}: setsStartMethod must be a boolean`);
  }
  if (m.catalogue !== undefined && !(Array.isArray(m.catalogue) && m.catalogue.every((n) => Number.isInteger(n)))) {
    problems.push(`${where}: catalogue must be an array of row numbers`);
  }
  if (problems.length > before) return undefined;
  return {
    form: m.form as SnippetForm,
    platform: m.platform as SnippetPlatform,
    imports: m.imports as string[],
    ...(m.partner !== undefined ? { partner: m.partner as string } : {}),
    ...(m.setsStartMethod !== undefined ? { setsStartMethod: m.setsStartMethod as boolean } : {}),
    ...(m.catalogue !== undefined ? { catalogue: m.catalogue as number[] } : {}),
  };
}

/** The Python text of a snippet with every default accepted. A fragment gets its imports first,
 * which is what a Python file holds after the picker has inserted it. */
export function expandedSource(entry: SnippetEntry, values?: Record<number, string>): string {
  const body = expandSnippet(entry.body, { values });
  if (entry.form === 'program' || entry.imports.length === 0) return body + '\n';
  return `${entry.imports.join('\n')}\n\n\n${body}\n`;
}

/** Parsed body, for callers that walk the tree. */
export function bodyNodes(entry: SnippetEntry): SnippetNode[] {
  return parseSnippet(entry.body);
}
