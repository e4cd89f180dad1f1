// The README's "Settings" section lists every setting package.json declares, and each setting
// has a markdownDescription (what the Settings editor shows).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');

describe('integrations: settings are documented', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const props: Record<string, { markdownDescription?: string; default?: unknown }> = manifest.contributes.configuration.properties;

  it('every setting has a markdownDescription', () => {
    const missing = Object.keys(props).filter((k) => !props[k].markdownDescription?.trim());
    assert.deepStrictEqual(missing, []);
  });

  it('the README\'s Settings table lists exactly the settings of package.json, with their defaults', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = /<!-- settings:begin[\s\S]*?<!-- settings:end -->/.exec(readme);
    assert.ok(table, 'README.md has no settings table (<!-- settings:begin --> ... <!-- settings:end -->)');
    const rows = new Map<string, string>();
    for (const m of table[0].matchAll(/^\| `(mpscope\.[^`]+)` \| [^|]* \| ([^|]*) \|/gm)) rows.set(m[1], m[2].trim());
    assert.deepStrictEqual([...rows.keys()].sort(), Object.keys(props).sort(), 'README settings and package.json differ');
    for (const [k, def] of rows) {
      if (props[k].default !== undefined) assert.strictEqual(def, '`' + JSON.stringify(props[k].default) + '`', `default of ${k}`);
    }
  });
});
