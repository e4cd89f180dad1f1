// Checks a SARIF log against the SARIF 2.1.0 rules that apply to what mpscope writes (required
// properties, enums, integer ranges, rule indexes, URI base ids). No schema package is a
// dependency, so the constraints of the OASIS schema we rely on are spelled out here.
import * as assert from 'assert';

type Json = Record<string, any>;

const LEVELS = ['none', 'note', 'warning', 'error'];

function text(m: unknown, where: string): void {
  assert.ok(m && typeof (m as Json).text === 'string', `${where}: message.text must be a string`);
}

function int(v: unknown, min: number, where: string): void {
  assert.ok(Number.isInteger(v) && (v as number) >= min, `${where} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
}

function region(r: Json, where: string): void {
  int(r.startLine, 1, `${where}.startLine`);
  if (r.startColumn !== undefined) int(r.startColumn, 1, `${where}.startColumn`);
  if (r.endLine !== undefined) int(r.endLine, r.startLine, `${where}.endLine`);
  if (r.endColumn !== undefined) int(r.endColumn, 1, `${where}.endColumn`);
}

function artifact(a: Json, baseIds: Json, where: string): void {
  assert.strictEqual(typeof a?.uri, 'string', `${where}.uri`);
  if (a.uriBaseId !== undefined) {
    assert.ok(baseIds[a.uriBaseId], `${where}.uriBaseId ${a.uriBaseId} is not in originalUriBaseIds`);
    assert.ok(!/^[a-z]+:/i.test(a.uri), `${where}.uri must be relative when it has a uriBaseId`);
  } else {
    assert.doesNotThrow(() => new URL(a.uri), `${where}.uri must be an absolute URI without a uriBaseId`);
  }
}

function location(l: Json, baseIds: Json, where: string): void {
  assert.ok(l.physicalLocation, `${where}.physicalLocation`);
  artifact(l.physicalLocation.artifactLocation, baseIds, `${where}.physicalLocation.artifactLocation`);
  if (l.physicalLocation.region) region(l.physicalLocation.region, `${where}.physicalLocation.region`);
  if (l.message !== undefined) text(l.message, where);
  if (l.id !== undefined) int(l.id, -1, `${where}.id`);
}

function result(r: Json, rules: Json[], baseIds: Json, where: string): void {
  text(r.message, where);
  assert.strictEqual(typeof r.ruleId, 'string', `${where}.ruleId`);
  if (r.ruleIndex !== undefined) {
    int(r.ruleIndex, -1, `${where}.ruleIndex`);
    assert.strictEqual(rules[r.ruleIndex]?.id, r.ruleId, `${where}.ruleIndex points at another rule`);
  }
  if (r.level !== undefined) assert.ok(LEVELS.includes(r.level), `${where}.level ${r.level}`);
  assert.ok(Array.isArray(r.locations), `${where}.locations`);
  r.locations.forEach((l: Json, i: number) => location(l, baseIds, `${where}.locations[${i}]`));
  if (r.relatedLocations !== undefined) {
    r.relatedLocations.forEach((l: Json, i: number) => location(l, baseIds, `${where}.relatedLocations[${i}]`));
    const ids = r.relatedLocations.map((l: Json) => l.id);
    assert.strictEqual(new Set(ids).size, ids.length, `${where}.relatedLocations ids must be unique`);
  }
  if (r.properties !== undefined) assert.strictEqual(typeof r.properties, 'object', `${where}.properties`);
}

function invocation(inv: Json, baseIds: Json, where: string): void {
  assert.strictEqual(typeof inv.executionSuccessful, 'boolean', `${where}.executionSuccessful is required`);
  if (inv.exitCode !== undefined) assert.ok(Number.isInteger(inv.exitCode), `${where}.exitCode`);
  if (inv.commandLine !== undefined) assert.strictEqual(typeof inv.commandLine, 'string', `${where}.commandLine`);
  if (inv.exitSignalName !== undefined) assert.strictEqual(typeof inv.exitSignalName, 'string', `${where}.exitSignalName`);
  if (inv.workingDirectory !== undefined) artifact(inv.workingDirectory, baseIds, `${where}.workingDirectory`);
  for (const [i, n] of (inv.toolExecutionNotifications ?? []).entries()) {
    text(n.message, `${where}.toolExecutionNotifications[${i}]`);
    if (n.level !== undefined) assert.ok(LEVELS.includes(n.level), `${where}.toolExecutionNotifications[${i}].level`);
    (n.locations ?? []).forEach((l: Json, j: number) => location(l, baseIds, `${where}.toolExecutionNotifications[${i}].locations[${j}]`));
  }
}

/** Throws (an assertion error naming the place) unless `log` is a valid SARIF 2.1.0 log. */
export function assertValidSarif(log: unknown): void {
  // What a consumer reads is the JSON text: check that, not the object (undefined disappears).
  const s = JSON.parse(JSON.stringify(log)) as Json;
  assert.strictEqual(s.version, '2.1.0');
  assert.match(s.$schema, /sarif-2\.1\.0/);
  assert.ok(Array.isArray(s.runs) && s.runs.length > 0, 'runs');
  s.runs.forEach((run: Json, k: number) => {
    const where = `runs[${k}]`;
    const driver = run.tool?.driver;
    assert.strictEqual(typeof driver?.name, 'string', `${where}.tool.driver.name is required`);
    if (driver.informationUri !== undefined) assert.doesNotThrow(() => new URL(driver.informationUri), `${where} informationUri`);
    const rules: Json[] = driver.rules ?? [];
    rules.forEach((r, i) => {
      assert.strictEqual(typeof r.id, 'string', `${where}.rules[${i}].id`);
      if (r.shortDescription !== undefined) text(r.shortDescription, `${where}.rules[${i}].shortDescription`);
      if (r.defaultConfiguration?.level !== undefined) assert.ok(LEVELS.includes(r.defaultConfiguration.level), `${where}.rules[${i}] level`);
    });
    assert.strictEqual(new Set(rules.map((r) => r.id)).size, rules.length, `${where}: rule ids must be unique`);
    const baseIds: Json = run.originalUriBaseIds ?? {};
    for (const [id, a] of Object.entries(baseIds)) {
      assert.match((a as Json).uri, /\/$/, `${where}.originalUriBaseIds.${id}.uri must end with /`);
    }
    (run.results ?? []).forEach((r: Json, i: number) => result(r, rules, baseIds, `${where}.results[${i}]`));
    (run.invocations ?? []).forEach((inv: Json, i: number) => invocation(inv, baseIds, `${where}.invocations[${i}]`));
  });
}
