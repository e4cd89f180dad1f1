import * as path from 'path';
import { factsOf } from '../facts';
import { mainGuardFix } from '../fixes/mainGuard';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { spawnSeverity, startMethodPhrase } from './util';

/**
 * MP001: processes started by code that runs at import time, outside `if __name__ == "__main__":`.
 * Under spawn and forkserver every child imports the main module again; that import reaches the
 * same code, which tries to start processes from a child still bootstrapping: RuntimeError.
 */
export const missingMainGuard: Rule = {
  code: 'MP001',
  name: 'missing-main-guard',
  summary: 'Processes started at module level without an `if __name__ == "__main__":` guard',
  severity: 'error',
  check(ctx) {
    // A package's __main__.py is not re-imported by spawn children.
    if (ctx.path && path.basename(ctx.path) === '__main__.py') return;
    const m = ctx.model;
    const facts = factsOf(m);
    const reported = new Set<SyntaxNode>();
    for (const call of facts.moduleCalls) {
      if (m.mainGuardOf(call)) continue;
      let how: string | undefined;
      if (facts.startsProcesses(call)) {
        how = describe(m.textOf(call));
      } else {
        const fn = m.functionValue(child(call, 'function'));
        const inner = fn ? facts.startsProcessesIn(fn) : undefined;
        if (fn && inner) how = `${fn.name}() starts processes (${describe(m.textOf(inner.call))})`;
      }
      if (!how) continue;
      const top = m.topStatement(call);
      if (reported.has(top)) continue;
      reported.add(top);
      const fix = mainGuardFix(m, top);
      ctx.report({
        start: call.start,
        end: call.end,
        severity: spawnSeverity(ctx),
        message:
          `${how} at module level, outside \`if __name__ == "__main__":\`. Children started with spawn or ` +
          `forkserver import this module again and fail with RuntimeError ${startMethodPhrase(ctx)}.`,
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};

function describe(callText: string): string {
  const short = callText.length > 40 ? callText.slice(0, 37) + '...' : callText;
  return `\`${short.split('\n')[0]}\``;
}
