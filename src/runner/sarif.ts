// SARIF 2.1.0 for code-scanning tools (`mpscope run --sarif FILE`): one result per finding, the
// first location as the result's location, the others as related locations. Only maps run
// findings onto the general writer's shapes; src/lint/sarif.ts writes the SARIF itself.
import type { RunReport } from './report';
import type { Finding, FindingLocation, Severity } from './findings/types';
import { toSarif as writeSarif, type SarifLevel, type SarifLocation, type SarifResult } from '../lint/sarif';
import { version } from '../../package.json';

const RULES: Record<string, string> = {
  unjoined: 'A child process (or Pool/executor) was started and never joined.',
  zombie: 'A child process exited but was not reaped for a long time.',
  orphan: 'A child process outlived its parent.',
  'child-exception': 'An uncaught exception in a child process.',
  'leaked-shm': 'A shared-memory block was created and never unlinked.',
  'script-failed': 'The script exited with an error.',
  timeout: 'The run did not finish in time.',
  'process-limit': 'Too many processes were alive at once.',
  deadlock: 'Processes wait for each other forever.',
  'potential-deadlock': 'Locks are acquired in inconsistent orders.',
};

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

function location(l: FindingLocation): SarifLocation {
  return { file: l.file, region: { startLine: l.line }, message: `${l.role}${l.pid !== null ? ` (pid ${l.pid})` : ''}` };
}

function result(f: Finding): SarifResult {
  const [first, ...rest] = f.locations.map(location);
  return {
    ruleId: f.kind,
    level: LEVEL[f.severity],
    message: f.message,
    locations: first ? [first] : [],
    related: rest,
    properties: { pids: f.pids },
  };
}

export function toSarif(report: RunReport): object {
  // Every known kind is listed, plus any kind a newer detector reported that this table lacks.
  const kinds = [...new Set([...Object.keys(RULES), ...report.findings.map((f) => f.kind)])];
  return writeSarif({
    toolName: 'mpscope',
    version,
    informationUri: 'https://example.invalid/mpscope',
    rules: kinds.map((id) => ({ id, shortDescription: RULES[id] ?? id })),
    results: report.findings.map(result),
    invocation: {
      executionSuccessful: report.stopped === null || report.stopped.reason === 'leftover',
      commandLine: [report.python, report.script, ...report.args].join(' '),
      exitCode: report.exitCode ?? undefined,
      exitSignalName: report.signal ?? undefined,
      workingDirectory: report.cwd,
    },
  });
}
