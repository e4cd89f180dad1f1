import * as assert from 'assert';
import { PROTOCOL_FILES, TS_MODULES, validateMessage } from '../../../src/runner/protocol';

describe('runner: protocol (one definition, two ends)', () => {
  it('every protocol/*.json module has a TypeScript twin with exactly the same fields', () => {
    const modules = Object.keys(TS_MODULES).sort();
    assert.deepStrictEqual(PROTOCOL_FILES.map((f) => f.module).sort(), modules);
    for (const file of PROTOCOL_FILES) {
      const ts = TS_MODULES[file.module as keyof typeof TS_MODULES];
      const jsonMessages = Object.fromEntries(Object.entries(file.messages).map(([k, v]) => [k, v.fields]));
      assert.deepStrictEqual(ts.messages, jsonMessages, `${file.module}: messages differ`);
      const jsonRequests = Object.fromEntries(
        Object.entries(file.requests).map(([k, v]) => [k, { fields: v.fields, reply: v.reply }]),
      );
      assert.deepStrictEqual(ts.requests, jsonRequests, `${file.module}: requests differ`);
    }
  });

  it('no kind is defined twice across modules', () => {
    const kinds = PROTOCOL_FILES.flatMap((f) => [...Object.keys(f.messages), ...Object.keys(f.requests)]);
    assert.strictEqual(new Set(kinds).size, kinds.length);
  });

  it('validates messages against the JSON spec', () => {
    const ok = validateMessage({ t: 'fork', ts: 1, child: 12, site: { file: '/a.py', line: 3, function: 'f' } });
    assert.ok('msg' in ok);
    assert.ok('msg' in validateMessage({ t: 'fork', ts: 1, child: 12 }), 'optional fields may be absent');
    assert.ok('msg' in validateMessage({ t: 'fork', ts: 1, child: 12, site: null }), 'or null');
    const err = (raw: unknown) => {
      const r = validateMessage(raw);
      return 'error' in r ? r.error : '';
    };
    assert.match(err({ t: 'nope', ts: 1 }), /unknown message kind/);
    assert.match(err({ t: 'fork', ts: 1 }), /missing field child/);
    assert.match(err({ t: 'fork', ts: 1, child: 1.5 }), /is not integer/);
    assert.match(err({ t: 'fork', ts: 1, child: 1, extra: 2 }), /unknown field extra/);
    assert.match(err({ t: 'fork', ts: 1, child: 1, site: { file: 'a' } }), /is not location/);
    assert.match(err({ t: 'fork', child: 1 }), /missing ts/);
    assert.match(err([1]), /not an object/);
  });
});
