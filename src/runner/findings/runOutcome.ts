// How the run itself ended: `script-failed` (the script exited with a non-zero code or a signal,
// e.g. an uncaught exception or a syntax error), `timeout` (--timeout) and `process-limit`
// (more processes than --max-processes, e.g. a fork bomb).
import * as path from 'path';
import type { Finding } from './types';
import { type FindingContext, howEnded, loc, seconds } from './context';

export function runOutcomeFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  if (ctx.stopReason === 'timeout') {
    out.push({
      kind: 'timeout',
      severity: 'error',
      message: `The run did not finish within ${seconds(ctx.timeoutMs ?? 0)} (--timeout); mpscope stopped every process of it.`,
      pids: [],
      locations: [],
    });
  }
  if (model.limit || ctx.stopReason === 'limit') {
    const max = model.limit?.max ?? model.maxProcesses ?? 0;
    out.push({
      kind: 'process-limit',
      severity: 'error',
      message: `More than ${max} processes of the run were alive at once (${model.limit?.count ?? '?'} seen; a fork bomb?); mpscope killed the whole run. Raise the limit with --max-processes (mpscope.maxProcesses).`,
      pids: [],
      locations: [],
    });
  }
  const main = model.mainPid !== null ? model.processes.get(model.mainPid) : undefined;
  if (main && ctx.stopReason !== 'timeout' && ctx.stopReason !== 'limit' && ctx.stopReason !== 'stop' && ctx.stopReason !== 'deadlock') {
    const failed = (main.exitCode !== null && main.exitCode !== 0) || main.signal !== null;
    if (failed) {
      const e = main.exceptions.find((x) => x.where === 'main');
      const script = main.argv.find((a) => a.endsWith('.py')) ?? 'The script';
      const what = e
        ? ` after an uncaught ${e.type}${e.message ? `: ${e.message.split('\n')[0]}` : ''}${e.site ? ` at ${path.basename(e.site.file)}:${e.site.line}` : ''}`
        : main.exitHow === 'os._exit' && main.exitSite
          ? ` (os._exit at ${path.basename(main.exitSite.file)}:${main.exitSite.line})`
          : '';
      out.push({
        kind: 'script-failed',
        severity: 'error',
        message: `${path.basename(script)} ${howEnded(main)}${what}.`,
        pids: [main.pid],
        locations: [...loc(e?.site, main.pid, 'exception'), ...(e ? [] : loc(main.exitSite, main.pid, 'exit'))],
      });
    }
  }
  return out;
}
