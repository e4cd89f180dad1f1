// Runs inside the VS Code extension host (code-server or Electron): loads every *.test.js
// bundled next to this file and runs them with Mocha.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha = require('mocha');

// The reporter calls console.log(format, ...args). The code-server workbench forwards extension
// host console calls as one joined string without applying the format ("✔ %s title"), so format
// here; under Electron this changes nothing.
Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(util.format(...args));

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000 });
  const grep = process.env.MPSCOPE_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
