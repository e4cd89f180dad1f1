// SARIF 2.1.0 output (the format code-scanning services read). Kept independent of the rules so
// that other parts of mpscope can write their findings the same way: give it results with a rule
// id, a level and locations, and the rule descriptions.
import * as path from 'path';
import { pathToFileURL } from 'url';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: string;
  helpUri?: string;
  defaultLevel: SarifLevel;
}

export interface SarifRegion {
  /** 1-based. */
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: string;
  file: string;
  region?: SarifRegion;
  related?: Array<{ message: string; region: SarifRegion }>;
}

export interface SarifRunInfo {
  toolName: string;
  version: string;
  informationUri?: string;
  rules: SarifRule[];
  results: SarifResult[];
  /** Files that could not be analysed, reported as tool notifications. */
  notifications?: Array<{ file: string; message: string; region?: SarifRegion }>;
  /** Directory the artifact URIs are made relative to (uriBaseId SRCROOT). */
  baseDir?: string;
}

/** Maps LSP-style severities to SARIF levels. */
export function sarifLevel(severity: 'error' | 'warning' | 'information' | 'hint'): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

function artifact(file: string, baseDir?: string): Record<string, unknown> {
  if (baseDir) {
    const rel = path.relative(baseDir, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
    }
  }
  return { uri: pathToFileURL(file).href };
}

export function toSarif(run: SarifRunInfo): object {
  const ruleIndex = new Map(run.rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: run.toolName,
            version: run.version,
            informationUri: run.informationUri,
            rules: run.rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.shortDescription },
              helpUri: r.helpUri,
              defaultConfiguration: { level: r.defaultLevel },
            })),
          },
        },
        ...(run.baseDir ? { originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(run.baseDir + path.sep).href } } } : {}),
        results: run.results.map((r) => ({
          ruleId: r.ruleId,
          ...(ruleIndex.has(r.ruleId) ? { ruleIndex: ruleIndex.get(r.ruleId) } : {}),
          level: r.level,
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifact(r.file, run.baseDir),
                ...(r.region ? { region: r.region } : {}),
              },
            },
          ],
          ...(r.related?.length
            ? {
                relatedLocations: r.related.map((rel, i) => ({
                  id: i + 1,
                  message: { text: rel.message },
                  physicalLocation: { artifactLocation: artifact(r.file, run.baseDir), region: rel.region },
                })),
              }
            : {}),
        })),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: (run.notifications ?? []).map((n) => ({
              level: 'error',
              message: { text: n.message },
              locations: [
                {
                  physicalLocation: { artifactLocation: artifact(n.file, run.baseDir), ...(n.region ? { region: n.region } : {}) },
                },
              ],
            })),
          },
        ],
      },
    ],
  };
}
