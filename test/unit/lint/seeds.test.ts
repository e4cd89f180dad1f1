// The linter on the code examples of the seed tutorials (test/fixtures/lint/seeds, one file per
// example, named by seed and line range) and on the shipped demo programs (media/examples). Every
// finding below was reviewed by hand against ../shared/research/seeds.md; every other example,
// including the catalogue's clean reference programs (§5.2) and media/examples/fixed, must have none.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lintFiles } from '../../../src/lint/batch';
import { collectPythonFiles } from '../../../src/lint/files';

const ROOT = path.join(__dirname, '..', '..', '..');

/** file -> ["CODE@line", ...] in order. */
const EXPECTED: Record<string, string[]> = {
  // S0 第四章 资源管理 (S1 L200-215): no guard, task_done()/join() on a plain Queue, a consumer that never ends.
  's0_L225-248_broken_queue_consumer.py': ['MP012@11', 'MP018@13', 'MP001@20', 'MP001@21', 'MP002@21', 'MP018@24'],
  // S0 L91-102, L314-335, L343-364: module-level Pool with no guard.
  's0_L92-101_module_pool_no_guard.py': ['MP001@9'],
  's0_L315-334_pool_requests_no_guard.py': ['MP001@12'],
  's0_L344-363_pool_numpy_no_guard.py': ['MP001@11'],
  // S0 game server: one child per connection, never joined.
  's0_L373-423_game_server.py': ['MP002@20'],
  // S2 L1211-1237 and L1271-1327: `+=` on a shared Value/Array from two processes, no lock.
  's2_L1212-1236_value_race.py': ['MP022@5', 'MP022@10'],
  's2_L1272-1326_shared_value_sleep.py': ['MP022@9', 'MP022@11', 'MP022@22', 'MP022@24'],
  // S2 方法二 L152-153: `for i in process_list: p.join()` joins only the last process.
  's2_L129-155_stale_join_variable.py': ['MP016@25'],
  // S2 L1769/L1779: task_done()/join() on a plain Queue; no guard; consumer never ends.
  's2_L1760-1779_task_done_plain_queue.py': ['MP012@8', 'MP018@10', 'MP001@16', 'MP001@17', 'MP002@17', 'MP018@20'],
  // S2 L188-210: apply_async() results never collected.
  's2_L189-209_apply_async_no_get.py': ['MP009@17'],
  // S2 L248-250: a Pool created without with/close/join.
  's2_L241-251_pool_not_closed.py': ['MP008@8'],
  // S2 L643-646: join() before q.get().
  's2_L623-680_join_before_get.py': ['MP003@21', 'MP003@22'],
  // S2 task_master.py: register(callable=lambda: q) with start(), and no guard.
  's2_L753-790_task_master_lambda_register.py': ['MP004@17', 'MP004@18', 'MP001@22'],
  // S3 §5.1 and S4 §4.1.1: globals assumed shared.
  's3_L189-201_global_not_shared.py': ['MP005@6'],
  's4_L804-821_global_not_shared.py': ['MP005@7'],
  // S4 §4.8.2: a plain Lock re-acquired through g2() (the seed says it does not deadlock; it does).
  's4_L1159-1182_rlock_deadlock.py': ['MP019@18'],
  // S4 §5.1.4: Process(target=lambda ...).
  's4_L1389-1427_lambda_target.py': ['MP004@17'],
  // S4 §2.1.2 orphan demo and §2.2.2 zombie demo: children never joined (on purpose).
  's4_L230-249_orphan.py': ['MP002@16'],
  's4_L268-293_zombie.py': ['MP002@19'],
  // S4 §3.4.2 错误示例: no main guard.
  's4_L706-715_missing_main_guard.py': ['MP001@9'],
  // media/examples: each demo's planted bug.
  'deadlock_lock_order.py': ['MP007@24'],
  'leaked_shared_memory.py': ['MP013@22'],
  'missing_main_guard.py': ['MP001@27'],
  'orphan.py': ['MP002@25'],
  'queue_join_before_drain.py': ['MP003@23'],
  'self_deadlock.py': ['MP019@21'],
  'unjoined_child.py': ['MP016@27'],
  'zombie.py': ['MP002@22'],
};

describe('lint on the seed tutorials and the demo programs', function () {
  this.timeout(60000);

  it('finds exactly the reviewed findings, and nothing in the other examples', async () => {
    const files = collectPythonFiles(['test/fixtures/lint/seeds', 'media/examples'], ROOT);
    assert.ok(files.length >= 95, `only ${files.length} example files`);
    const results = await lintFiles(files, { platform: 'linux' });
    const actual: Record<string, string[]> = {};
    for (const r of results) {
      assert.strictEqual(r.readError, undefined);
      assert.strictEqual(r.result!.syntaxError, undefined, `${r.path} does not parse`);
      const list = r.result!.findings.map((f) => `${f.code}@${r.lines!.position(f.start).line + 1}`);
      const key = path.relative(ROOT, r.path).startsWith('media/examples/fixed') ? `fixed/${path.basename(r.path)}` : path.basename(r.path);
      if (list.length) actual[key] = list;
    }
    assert.deepStrictEqual(actual, EXPECTED);
  });

  it('every fixture is named after its seed and line range', () => {
    for (const f of fs.readdirSync(path.join(ROOT, 'test/fixtures/lint/seeds'))) {
      assert.match(f, /^s[0-4]_L\d+-\d+_[a-z0-9_]+\.py$/);
    }
  });
});
