// SARIF 2.1.0 for code-scanning tools (--sarif FILE): one result per finding, the first
// location as the result's location, the others as related locations.
import { pathToFileURL } from 'url';
import type { RunReport } from './report';
import type { Finding, FindingLocation } from './findings/types';
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

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

function physical(l: FindingLocation) {
  return {
    physicalLocation: {
      artifactLocation: { uri: pathToFileURL(l.file).href },
      region: { startLine: l.line },
    },
    message: { text: `${l.role}${l.pid !== null ? ` (pid ${l.pid})` : ''}` },
  };
}

function result(f: Finding, ruleIndex: number) {
  const [first, ...rest] = f.locations;
  return {
    ruleId: f.kind,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: first ? [physical(first)] : [],
    relatedLocations: rest.map((l, i) => ({ id: i + 1, ...physical(l) })),
    properties: { pids: f.pids },
  };
}

export function toSarif(report: RunReport): object {
  const kinds = [...new Set([...Object.keys(RULES), ...report.findings.map((f) => f.kind)])];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mpscope',
            version,
            informationUri: 'https://example.invalid/mpscope',
            rules: kinds.map((id) => ({
              id,
              shortDescription: { text: RULES[id] ?? id },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: report.stopped === null || report.stopped.reason === 'leftover',
            commandLine: [report.python, report.script, ...report.args].join(' '),
            exitCode: report.exitCode ?? undefined,
            exitSignalName: report.signal ?? undefined,
            workingDirectory: { uri: pathToFileURL(report.cwd).href },
          },
        ],
        results: report.findings.map((f) => result(f, kinds.indexOf(f.kind))),
      },
    ],
  };
}
