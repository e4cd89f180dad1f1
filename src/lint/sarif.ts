// SARIF 2.1.0 output (the format code-scanning services read). The one writer of the SARIF
// envelope, rules, results and locations in mpscope: `mpscope lint` and `mpscope run` (via
// src/runner/sarif.ts) both describe their findings in the small shapes below and call toSarif.
// Kept independent of the rules so that any part of mpscope can write its findings the same way.
import * as path from 'path';
import { pathToFileURL } from 'url';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifRule {
  id: string;
  /** A friendly name (lint rules have one; run finding kinds are named by their id). */
  name?: string;
  shortDescription: string;
  helpUri?: string;
  /** Omitted when the rule's findings have no single level (run findings vary per finding). */
  defaultLevel?: SarifLevel;
}

export interface SarifRegion {
  /** 1-based. */
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

/** A place in a file, with an optional message saying what happens there. */
export interface SarifLocation {
  /** Absolute path. */
  file: string;
  region?: SarifRegion;
  message?: string;
}

export interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: string;
  /** Where the result is; may be empty (a finding no source line can be given for). */
  locations: SarifLocation[];
  /** Other places involved, numbered 1.. as SARIF relatedLocations (omitted when empty: SARIF's default). */
  related?: SarifLocation[];
  /** Tool-specific data (SARIF property bag). */
  properties?: Record<string, unknown>;
}

/** How the analysed program or the tool ran (SARIF invocation); everything optional. */
export interface SarifInvocation {
  /** Defaults to true. */
  executionSuccessful?: boolean;
  commandLine?: string;
  exitCode?: number;
  exitSignalName?: string;
  /** Absolute path. */
  workingDirectory?: string;
}

export interface SarifRunInfo {
  toolName: string;
  version: string;
  informationUri?: string;
  rules: SarifRule[];
  results: SarifResult[];
  /** Files that could not be analysed, reported as tool notifications. */
  notifications?: Array<{ file: string; message: string; region?: SarifRegion }>;
  invocation?: SarifInvocation;
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

function physicalLocation(l: SarifLocation, baseDir?: string): Record<string, unknown> {
  return { artifactLocation: artifact(l.file, baseDir), ...(l.region ? { region: l.region } : {}) };
}

function location(l: SarifLocation, baseDir?: string): Record<string, unknown> {
  return { physicalLocation: physicalLocation(l, baseDir), ...(l.message !== undefined ? { message: { text: l.message } } : {}) };
}

function rule(r: SarifRule): Record<string, unknown> {
  return {
    id: r.id,
    ...(r.name !== undefined ? { name: r.name } : {}),
    shortDescription: { text: r.shortDescription },
    ...(r.helpUri !== undefined ? { helpUri: r.helpUri } : {}),
    ...(r.defaultLevel ? { defaultConfiguration: { level: r.defaultLevel } } : {}),
  };
}

function result(r: SarifResult, ruleIndex: Map<string, number>, baseDir?: string): Record<string, unknown> {
  return {
    ruleId: r.ruleId,
    ...(ruleIndex.has(r.ruleId) ? { ruleIndex: ruleIndex.get(r.ruleId) } : {}),
    level: r.level,
    message: { text: r.message },
    locations: r.locations.map((l) => location(l, baseDir)),
    ...(r.related?.length ? { relatedLocations: r.related.map((l, i) => ({ id: i + 1, ...location(l, baseDir) })) } : {}),
    ...(r.properties ? { properties: r.properties } : {}),
  };
}

function invocation(run: SarifRunInfo): Record<string, unknown> {
  const inv = run.invocation ?? {};
  return {
    executionSuccessful: inv.executionSuccessful ?? true,
    ...(inv.commandLine !== undefined ? { commandLine: inv.commandLine } : {}),
    ...(inv.exitCode !== undefined ? { exitCode: inv.exitCode } : {}),
    ...(inv.exitSignalName !== undefined ? { exitSignalName: inv.exitSignalName } : {}),
    ...(inv.workingDirectory !== undefined ? { workingDirectory: { uri: pathToFileURL(inv.workingDirectory).href } } : {}),
    ...(run.notifications
      ? {
          toolExecutionNotifications: run.notifications.map((n) => ({
            level: 'error',
            message: { text: n.message },
            locations: [{ physicalLocation: physicalLocation(n, run.baseDir) }],
          })),
        }
      : {}),
  };
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
            ...(run.informationUri !== undefined ? { informationUri: run.informationUri } : {}),
            rules: run.rules.map(rule),
          },
        },
        ...(run.baseDir ? { originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(run.baseDir + path.sep).href } } } : {}),
        results: run.results.map((r) => result(r, ruleIndex, run.baseDir)),
        invocations: [invocation(run)],
      },
    ],
  };
}
