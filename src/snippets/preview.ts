// Short previews of a snippet for the picker: the code lines someone recognises a pattern by,
// without the imports, comments and blank lines that every snippet starts with.
import type { SnippetEntry } from './catalog';
import { expandSnippet } from './syntax';

/** The first `max` code lines of the expanded snippet, trimmed. */
export function previewLines(entry: SnippetEntry, max = 3): string[] {
  const out: string[] = [];
  for (const raw of expandSnippet(entry.body).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^(import|from)\s/.test(line)) continue;
    out.push(line);
    if (out.length >= max) break;
  }
  return out;
}

/** One line for the picker's `detail`. */
export function previewDetail(entry: SnippetEntry, max = 3): string {
  // Plain ASCII: not every UI font has arrows or other symbols.
  return previewLines(entry, max).join('  |  ');
}

/** A label for the platform, or undefined when the snippet runs everywhere. */
export function platformNote(entry: SnippetEntry): string | undefined {
  return entry.platform === 'unix' ? 'Unix only' : undefined;
}

/** The whole expansion, headed by what a reader needs to know before inserting it. */
export function previewDocument(entry: SnippetEntry): string {
  const header = [
    `# ${entry.prefix}: ${entry.description}`,
    `# ${entry.category.label} · ${entry.form === 'program' ? 'complete program' : 'fragment for existing code'}` +
      (entry.platform === 'unix' ? ' · Unix only' : ''),
  ];
  if (entry.form === 'fragment' && entry.imports.length > 0) header.push(`# needs: ${entry.imports.join('; ')}`);
  return `${header.join('\n')}\n\n${expandSnippet(entry.body)}\n`;
}

/** The snippet's title without the "(program)" / "(fragment, Unix only)" tail, which the picker
 * shows with its icon and its Unix-only mark instead. */
export function shortTitle(entry: SnippetEntry): string {
  return entry.name.replace(/\s*\((program|fragment)[^)]*\)$/, '');
}
