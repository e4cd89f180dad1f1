// The general SARIF 2.1.0 writer: the one writer `mpscope lint` and `mpscope run` share.
import * as assert from 'assert';
import { toSarif, type SarifRunInfo } from '../../../src/lint/sarif';
import { assertValidSarif } from './sarif-valid';

type Json = Record<string, any>;

const info: SarifRunInfo = {
  toolName: 'mpscope',
  version: '1.2.3',
  informationUri: 'https://example.invalid/mpscope',
  rules: [
    { id: 'MP001', name: 'missing-main-guard', shortDescription: 'no guard', defaultLevel: 'error' },
    { id: 'deadlock', shortDescription: 'waits forever' },
  ],
  results: [
    {
      ruleId: 'deadlock',
      level: 'error',
      message: 'two processes wait for each other',
      locations: [{ file: '/w/app.py', region: { startLine: 6 }, message: 'acquire (pid 11)' }],
      related: [
        { file: '/w/lib/other mod.py', region: { startLine: 12 }, message: 'acquire (pid 12)' },
        { file: '/elsewhere/x.py', region: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 9 }, message: 'start' },
      ],
      properties: { pids: [11, 12] },
    },
    { ruleId: 'deadlock', level: 'note', message: 'nowhere in particular', locations: [] },
    { ruleId: 'not-a-rule', level: 'warning', message: 'unknown rule', locations: [{ file: '/w/app.py' }] },
  ],
  invocation: { executionSuccessful: false, commandLine: 'python3 app.py', exitCode: 3, exitSignalName: 'SIGTERM', workingDirectory: '/w' },
  baseDir: '/w',
};

describe('lint: SARIF writer', () => {
  let sarif: Json;
  let run: Json;
  before(() => {
    sarif = toSarif(info) as Json;
    run = sarif.runs[0];
  });

  it('writes a valid SARIF 2.1.0 log', () => {
    assertValidSarif(sarif);
    assertValidSarif(toSarif({ toolName: 'x', version: '0', rules: [], results: [] }));
  });

  it('gives each location its own file, region and message; related locations are numbered', () => {
    const [r0] = run.results;
    assert.deepStrictEqual(r0.locations, [
      {
        physicalLocation: { artifactLocation: { uri: 'app.py', uriBaseId: 'SRCROOT' }, region: { startLine: 6 } },
        message: { text: 'acquire (pid 11)' },
      },
    ]);
    assert.deepStrictEqual(
      r0.relatedLocations.map((l: Json) => [l.id, l.physicalLocation.artifactLocation, l.message.text]),
      [
        [1, { uri: 'lib/other%20mod.py', uriBaseId: 'SRCROOT' }, 'acquire (pid 12)'],
        [2, { uri: 'file:///elsewhere/x.py' }, 'start'],
      ],
    );
    assert.deepStrictEqual(r0.properties, { pids: [11, 12] });
    assert.strictEqual(r0.ruleIndex, 1);
  });

  it('writes a result without a location, and one whose rule is not listed without a ruleIndex', () => {
    assert.deepStrictEqual(run.results[1].locations, []);
    assert.ok(!('relatedLocations' in run.results[1]));
    assert.ok(!('ruleIndex' in run.results[2]));
    assert.ok(!('region' in run.results[2].locations[0].physicalLocation));
  });

  it('writes rules with only the fields given', () => {
    assert.deepStrictEqual(run.tool.driver.rules, [
      { id: 'MP001', name: 'missing-main-guard', shortDescription: { text: 'no guard' }, defaultConfiguration: { level: 'error' } },
      { id: 'deadlock', shortDescription: { text: 'waits forever' } },
    ]);
  });

  it('describes the invocation', () => {
    assert.deepStrictEqual(run.invocations, [
      { executionSuccessful: false, commandLine: 'python3 app.py', exitCode: 3, exitSignalName: 'SIGTERM', workingDirectory: { uri: 'file:///w' } },
    ]);
    const plain = (toSarif({ ...info, invocation: undefined, notifications: [] }) as Json).runs[0].invocations;
    assert.deepStrictEqual(plain, [{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });
});
