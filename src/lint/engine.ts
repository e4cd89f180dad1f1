// Runs the rules over one document: builds the model, decides the start method, applies
// settings (rules off, severity overrides) and suppression comments.
import { PythonDocument } from './document';
import { factsOf } from './facts';
import { Model } from './model';
import { isRelevantModule } from './names';
import type { Finding, Rule, RuleContext, Severity, StartMethod } from './rule';
import { RULES } from './rules';
import { DEFAULT_SETTINGS, platformStartMethod, type LintSettings } from './settings';
import { collectSuppressions, isSuppressed } from './suppress';

export interface LintOptions {
  settings?: LintSettings;
  /** File path (used by rules that depend on the file name, and in reports). */
  path?: string;
  /** Platform whose default start method `auto` assumes (defaults to this machine's). */
  platform?: NodeJS.Platform;
  /** Rules to run (default: all). */
  rules?: readonly Rule[];
}

export interface SyntaxProblem {
  start: number;
  end: number;
  message: string;
}

export interface LintResult {
  findings: Finding[];
  /** Set when the file does not parse cleanly (the rules still ran on the recovered tree). */
  syntaxError?: SyntaxProblem;
  /** True when the file imports nothing the rules look at, so no rule ran. */
  skipped: boolean;
}

/** True when the document imports a module the rules know (else no rule can match). */
export function isRelevant(doc: PythonDocument): boolean {
  return doc.importsAny(isRelevantModule);
}

export function lintDocument(doc: PythonDocument, options: LintOptions = {}): LintResult {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const syntaxError = doc.syntaxError();
  if (!settings.enable || !isRelevant(doc)) return { findings: [], syntaxError, skipped: true };
  const model = new Model(doc);
  factsOf(model); // learns parameter types before any rule resolves names
  const { method, explicit } = decideStartMethod(model, settings, options.platform);
  const findings: Finding[] = [];
  const suppressions = collectSuppressions(model);
  for (const rule of options.rules ?? RULES) {
    const configured = settings.rules[rule.code];
    if (configured === 'off') continue;
    const ctx: RuleContext = {
      model,
      startMethod: method,
      startMethodExplicit: explicit,
      path: options.path,
      report(f) {
        const finding: Finding = {
          ...f,
          code: rule.code,
          name: rule.name,
          severity: (configured as Severity | undefined) ?? f.severity ?? rule.severity,
        };
        if (!isSuppressed(finding, model, suppressions)) findings.push(finding);
      },
    };
    try {
      rule.check(ctx);
    } catch (err) {
      // A bug in one rule must not hide the others' findings; surface it as a finding of its own.
      findings.push({
        code: rule.code,
        name: rule.name,
        message: `mpscope internal error in rule ${rule.code}: ${(err as Error)?.message ?? err}`,
        start: 0,
        end: 0,
        severity: 'hint',
      });
    }
  }
  findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
  return { findings, syntaxError, skipped: false };
}

/** Lints a text in one go (parses, lints, frees the tree). */
export async function lintText(text: string, options: LintOptions = {}): Promise<LintResult> {
  const doc = await PythonDocument.create(text);
  try {
    return lintDocument(doc, options);
  } finally {
    doc.dispose();
  }
}

/**
 * The start method severity decisions assume: the setting if not `auto`; else what the file asks
 * for (`set_start_method("spawn")`, `get_context("forkserver")`); else the platform's default.
 */
export function decideStartMethod(
  model: Model,
  settings: LintSettings,
  platform?: NodeJS.Platform,
): { method: StartMethod; explicit: boolean } {
  if (settings.startMethod !== 'auto') return { method: settings.startMethod, explicit: true };
  const asked = new Set<string>();
  for (const call of [...model.callsNamed('set_start_method'), ...model.callsNamed('get_context')]) {
    const q = model.calleeName(call);
    if (q === 'multiprocessing.set_start_method' || q === 'multiprocessing.get_context') {
      const method = model.stringValue(model.argument(call, 0, 'method'));
      if (method) asked.add(method);
    }
  }
  if (asked.has('spawn')) return { method: 'spawn', explicit: true };
  if (asked.has('forkserver')) return { method: 'forkserver', explicit: true };
  if (asked.has('fork')) return { method: 'fork', explicit: true };
  return { method: platformStartMethod(platform), explicit: false };
}
