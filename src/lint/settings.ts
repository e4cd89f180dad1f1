// Lint settings shared by the language server, the CLI and the tests. The extension reads them
// from `mpscope.lint.*` (package.json declares them); the CLI uses the defaults.
import { SEVERITIES, type Severity, type StartMethod } from './rule';

export type RuleSetting = Severity | 'off';
export type StartMethodSetting = 'auto' | StartMethod;

export interface LintSettings {
  /** `mpscope.lint.enable`. */
  enable: boolean;
  /** `mpscope.lint.rules`: per-code override, e.g. `{ "MP003": "off", "MP008": "error" }`. */
  rules: Record<string, RuleSetting>;
  /** `mpscope.lint.startMethod`: decides the main-guard rule's severity. */
  startMethod: StartMethodSetting;
}

export const DEFAULT_SETTINGS: LintSettings = { enable: true, rules: {}, startMethod: 'auto' };

const START_METHODS: readonly StartMethodSetting[] = ['auto', 'fork', 'spawn', 'forkserver'];

/** Turns whatever the client sent into valid settings; unknown values fall back to defaults. */
export function normalizeSettings(raw: unknown): LintSettings {
  const out: LintSettings = { enable: true, rules: {}, startMethod: 'auto' };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  if (typeof r.enable === 'boolean') out.enable = r.enable;
  if (typeof r.startMethod === 'string' && (START_METHODS as string[]).includes(r.startMethod)) {
    out.startMethod = r.startMethod as StartMethodSetting;
  }
  if (r.rules && typeof r.rules === 'object') {
    for (const [code, value] of Object.entries(r.rules as Record<string, unknown>)) {
      if (typeof value === 'string' && (value === 'off' || (SEVERITIES as string[]).includes(value))) {
        out.rules[code.toUpperCase()] = value as RuleSetting;
      }
    }
  }
  return out;
}

/** Start method a platform uses by default (Python before 3.14 on Linux: fork). */
export function platformStartMethod(platform: NodeJS.Platform = process.platform): StartMethod {
  return platform === 'win32' || platform === 'darwin' ? 'spawn' : 'fork';
}
