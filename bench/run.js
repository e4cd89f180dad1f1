// `npm run bench`: runs every bench/*.bench.ts in turn, each in its own Node process, and prints
// what each measured. A benchmark prints its result lines itself, as ratios against a baseline
// measured in the same run, and exits non-zero when it cannot measure.
//   node bench/run.js [name-filter]
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const filter = process.argv[2];
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`bench: no benchmark matches ${filter ?? '*'}`);
  process.exit(2);
}

let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, file)], {
    stdio: 'inherit',
    cwd: path.join(__dirname, '..'),
  });
  if (r.status !== 0) {
    failed++;
    console.log(`bench: ${file} failed (status ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
