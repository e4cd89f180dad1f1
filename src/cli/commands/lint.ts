// `mpscope lint`: the language server's static checks for terminals and CI.
import * as fs from 'fs';
import * as path from 'path';
import type { CliCommand, CliIO } from '../command';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../usage';
import { lintFiles, type FileResult } from '../../lint/batch';
import { collectPythonFiles, MissingPathError } from '../../lint/files';
import { RULES } from '../../lint/rules';
import type { Finding, Severity } from '../../lint/rule';
import { SEVERITIES } from '../../lint/rule';
import { sarifLevel, toSarif, type SarifRegion, type SarifResult } from '../../lint/sarif';
import type { LintSettings, RuleSetting, StartMethodSetting } from '../../lint/settings';
import type { LineIndex } from '../../lint/text';
import { version } from '../../../package.json';

const USAGE = `Usage: mpscope lint [--json] [--sarif FILE] [--start-method M] [--rule CODE=LEVEL]... PATH...

Checks Python files for multiprocessing pitfalls (the same rules the editor shows). Directories are
searched for *.py files (hidden directories, __pycache__ and virtual environments are skipped).

Options:
  --json               print the findings as JSON instead of text
  --sarif FILE         also write the findings to FILE as SARIF 2.1.0 ('-' for stdout)
  --start-method M     auto (default), fork, spawn or forkserver: under spawn and forkserver a
                       missing main guard is an error, under fork a warning
  --rule CODE=LEVEL    change a rule's severity: off, error, warning, information or hint
                       (repeatable, e.g. --rule MP003=off --rule MP008=error)
  -h, --help           show this help

Silence one finding with a comment on its line: # mpscope: ignore[MP003]  (or # mpscope: ignore).

Rules:
${RULES.map((r) => `  ${r.code}  ${r.severity.padEnd(11)} ${r.name}`).join('\n')}

Exit status: 0 nothing of warning level or above, 1 findings of warning or error level (or files
that could not be read or parsed), 2 bad usage.
`;

interface LintCliOptions {
  json: boolean;
  sarif?: string;
  settings: LintSettings;
  paths: string[];
}

const START_METHODS = ['auto', 'fork', 'spawn', 'forkserver'];

export function parseLintArgs(argv: string[]): LintCliOptions {
  const opts: LintCliOptions = { json: false, settings: { enable: true, rules: {}, startMethod: 'auto' }, paths: [] };
  const value = (i: number, flag: string, example: string): string => {
    const v = argv[i];
    if (v === undefined || v === '' || (v.startsWith('-') && v !== '-')) throw new UsageError(`${flag} needs a value, e.g. ${flag} ${example}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--sarif') opts.sarif = value(++i, '--sarif', 'results.sarif');
    else if (a.startsWith('--sarif=')) opts.sarif = a.slice('--sarif='.length) || value(argv.length, '--sarif', 'results.sarif');
    else if (a === '--start-method' || a.startsWith('--start-method=')) {
      const v = a === '--start-method' ? value(++i, '--start-method', 'spawn') : a.slice('--start-method='.length);
      if (!START_METHODS.includes(v)) throw new UsageError(`--start-method must be one of ${START_METHODS.join(', ')}, not '${v}'`);
      opts.settings.startMethod = v as StartMethodSetting;
    } else if (a === '--rule' || a.startsWith('--rule=')) {
      const v = a === '--rule' ? value(++i, '--rule', 'MP003=off') : a.slice('--rule='.length);
      const eq = v.indexOf('=');
      const code = eq > 0 ? v.slice(0, eq).toUpperCase() : '';
      const level = eq > 0 ? v.slice(eq + 1) : '';
      if (!RULES.some((r) => r.code === code)) throw new UsageError(`--rule: unknown rule '${eq > 0 ? v.slice(0, eq) : v}' (see mpscope lint --help)`);
      if (level !== 'off' && !(SEVERITIES as readonly string[]).includes(level)) {
        throw new UsageError(`--rule ${code}: level must be off, error, warning, information or hint, not '${level}'`);
      }
      opts.settings.rules[code] = level as RuleSetting;
    } else if (a === '--') {
      opts.paths.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}' for lint (see mpscope lint --help)`);
    else opts.paths.push(a);
  }
  if (opts.paths.length === 0) throw new UsageError('lint needs at least one file or directory (see mpscope lint --help)');
  return opts;
}

/** The JSON shape of one finding (1-based lines and columns): the CLI contract tools read. */
export interface LintJsonFinding {
  file: string;
  code: string;
  name: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  related: Array<{ message: string; line: number; column: number }>;
  fixes: string[];
}

export interface LintJsonProblem {
  file: string;
  kind: 'syntax-error' | 'read-error';
  message: string;
  line?: number;
  column?: number;
}

function region(lines: LineIndex, start: number, end: number): Required<SarifRegion> {
  const a = lines.position(start);
  const b = lines.position(end);
  return { startLine: a.line + 1, startColumn: a.character + 1, endLine: b.line + 1, endColumn: b.character + 1 };
}

export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'check Python files for multiprocessing pitfalls (text, JSON or SARIF)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const opts = parseLintArgs(argv);
    let files: string[];
    try {
      files = collectPythonFiles(opts.paths, io.cwd);
    } catch (err) {
      if (err instanceof MissingPathError) throw new UsageError(err.message);
      throw err;
    }
    const display = (p: string) => {
      const rel = path.relative(io.cwd, p);
      return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
    };
    const results = await lintFiles(files, { settings: opts.settings });
    const findings: LintJsonFinding[] = [];
    const problems: LintJsonProblem[] = [];
    const sarifResults: SarifResult[] = [];
    const notifications: Array<{ file: string; message: string; region?: SarifRegion }> = [];
    for (const r of results) collect(r, display, findings, problems, sarifResults, notifications);

    if (opts.sarif) {
      const sarif = toSarif({
        toolName: 'mpscope',
        version,
        rules: RULES.map((r) => ({ id: r.code, name: r.name, shortDescription: r.summary, defaultLevel: sarifLevel(r.severity) })),
        results: sarifResults,
        notifications,
        baseDir: io.cwd,
      });
      const text = JSON.stringify(sarif, null, 2) + '\n';
      if (opts.sarif === '-') io.stdout.write(text);
      else {
        try {
          fs.writeFileSync(path.resolve(io.cwd, opts.sarif), text);
        } catch (err) {
          throw new UsageError(`cannot write ${opts.sarif}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
    }
    if (opts.sarif !== '-') {
      if (opts.json) {
        io.stdout.write(JSON.stringify({ version: 1, files: files.length, findings, problems }, null, 2) + '\n');
      } else {
        for (const p of problems) {
          const at = p.line ? `:${p.line}:${p.column}` : '';
          io.stdout.write(`${p.file}${at}: error: ${p.kind === 'syntax-error' ? 'could not parse: ' : 'could not read: '}${p.message}\n`);
        }
        for (const f of findings) {
          io.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.severity} ${f.code} ${f.message} [${f.name}]\n`);
        }
        const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
        const parts = [`${findings.length} finding${findings.length === 1 ? '' : 's'}`];
        if (findings.length) parts.push(`(${count('error')} error, ${count('warning')} warning, ${count('information') + count('hint')} other)`);
        parts.push(`in ${files.length} file${files.length === 1 ? '' : 's'}`);
        if (problems.length) parts.push(`; ${problems.length} file${problems.length === 1 ? '' : 's'} could not be checked`);
        io.stdout.write(parts.join(' ') + '\n');
      }
    }
    const serious = findings.some((f) => f.severity === 'error' || f.severity === 'warning');
    return serious || problems.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  },
};

function collect(
  r: FileResult,
  display: (p: string) => string,
  findings: LintJsonFinding[],
  problems: LintJsonProblem[],
  sarif: SarifResult[],
  notifications: Array<{ file: string; message: string; region?: SarifRegion }>,
): void {
  const file = display(r.path);
  if (r.readError || !r.result) {
    problems.push({ file, kind: 'read-error', message: r.readError ?? 'unknown error' });
    notifications.push({ file: r.path, message: `could not read: ${r.readError}` });
    return;
  }
  const lines = r.lines;
  if (r.result.syntaxError && lines) {
    const e = r.result.syntaxError;
    const pos = lines.position(e.start);
    problems.push({ file, kind: 'syntax-error', message: e.message, line: pos.line + 1, column: pos.character + 1 });
    notifications.push({ file: r.path, message: `could not parse: ${e.message}`, region: region(lines, e.start, e.end) });
  }
  if (!lines) return;
  for (const f of r.result.findings as Finding[]) {
    const reg = region(lines, f.start, f.end);
    findings.push({
      file,
      code: f.code,
      name: f.name,
      severity: f.severity,
      message: f.message,
      line: reg.startLine,
      column: reg.startColumn,
      endLine: reg.endLine,
      endColumn: reg.endColumn,
      related: (f.related ?? []).map((rel) => {
        const p = lines.position(rel.start);
        return { message: rel.message, line: p.line + 1, column: p.character + 1 };
      }),
      fixes: (f.fixes ?? []).map((x) => x.title),
    });
    sarif.push({
      ruleId: f.code,
      level: sarifLevel(f.severity),
      message: f.message,
      locations: [{ file: r.path, region: reg }],
      related: (f.related ?? []).map((rel) => ({ file: r.path, message: rel.message, region: region(lines, rel.start, rel.end) })),
    });
  }
}
