// Multiprocessing roles from command lines and ancestry, as CPython writes those command lines.
import * as assert from 'assert';
import { classifyRole, isHelperRole, mpMarker, type RoleParent, type RoleSubject } from '../../../src/procs/roles';
import { isPythonName, isPythonProcess, pythonTarget } from '../../../src/procs/python';

const SPAWN = "/usr/bin/python3 -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork";
const SPAWN_WIN = 'C:\\Python311\\python.exe -c "from multiprocessing.spawn import spawn_main; spawn_main(parent_pid=4242, pipe_handle=400)" --multiprocessing-fork';
const FROZEN = 'C:\\app\\app.exe --multiprocessing-fork parent_pid=4242 pipe_handle=400';
const FORKSERVER = "/usr/bin/python3 -c from multiprocessing.forkserver import main; main(8, 9, ['__main__'], **{'sys_path': ['/app']})";
const TRACKER = '/usr/bin/python3 -c from multiprocessing.resource_tracker import main;main(5)';
const SEMTRACKER = '/usr/bin/python3.7 -c from multiprocessing.semaphore_tracker import main;main(5)';
const MAIN = '/usr/bin/python3 app.py --workers 4';

const subject = (command: string, isPython = true): RoleSubject => ({ command, argv: command.split(' '), isPython });
const parent = (command: string, role: RoleParent['role'], isPython = true): RoleParent => ({ ...subject(command, isPython), role });

describe('procs: multiprocessing roles', () => {
  it('recognises the bootstrap command lines', () => {
    assert.strictEqual(mpMarker(SPAWN), 'spawn');
    assert.strictEqual(mpMarker(SPAWN_WIN), 'spawn');
    assert.strictEqual(mpMarker(FROZEN), 'spawn');
    assert.strictEqual(mpMarker(FORKSERVER), 'forkserver');
    assert.strictEqual(mpMarker(TRACKER), 'resource-tracker');
    assert.strictEqual(mpMarker(SEMTRACKER), 'resource-tracker');
    assert.strictEqual(mpMarker(MAIN), undefined);
    assert.strictEqual(mpMarker('python3 -c "print(1)"'), undefined);
  });

  it('the main script, with no Python parent of the same command line', () => {
    assert.strictEqual(classifyRole(subject(MAIN), parent('/bin/bash', 'other', false)), 'main');
    assert.strictEqual(classifyRole(subject(MAIN), undefined), 'main');
    // A different Python program started by Python (subprocess) is a main script of its own.
    assert.strictEqual(classifyRole(subject('/usr/bin/python3 other.py'), parent(MAIN, 'main')), 'main');
  });

  it('fork children keep their parent\'s command line', () => {
    assert.strictEqual(classifyRole(subject(MAIN), parent(MAIN, 'main')), 'fork-child');
    assert.strictEqual(classifyRole(subject(MAIN), parent(MAIN, 'fork-child')), 'fork-child');
    // A spawn child that forks: its child has the spawn command line under a spawn child.
    assert.strictEqual(classifyRole(subject(SPAWN), parent(SPAWN, 'spawn-child')), 'fork-child');
  });

  it('spawn children, the forkserver and its children, the resource tracker', () => {
    assert.strictEqual(classifyRole(subject(SPAWN), parent(MAIN, 'main')), 'spawn-child');
    assert.strictEqual(classifyRole(subject(FROZEN, false), parent('C:\\app\\app.exe', 'other', false)), 'spawn-child');
    assert.strictEqual(classifyRole(subject(FORKSERVER), parent(MAIN, 'main')), 'forkserver');
    assert.strictEqual(classifyRole(subject(FORKSERVER), parent(FORKSERVER, 'forkserver')), 'forkserver-child');
    assert.strictEqual(classifyRole(subject(FORKSERVER), parent(FORKSERVER, 'forkserver-child')), 'fork-child');
    assert.strictEqual(classifyRole(subject(TRACKER), parent(MAIN, 'main')), 'resource-tracker');
    assert.strictEqual(classifyRole(subject(TRACKER), parent(TRACKER, 'resource-tracker')), 'resource-tracker');
  });

  it('labels helpers as helpers, never as the user\'s children', () => {
    assert.ok(isHelperRole('forkserver'));
    assert.ok(isHelperRole('resource-tracker'));
    for (const r of ['main', 'fork-child', 'spawn-child', 'forkserver-child', 'pool-worker', 'unknown', 'other'] as const) {
      assert.ok(!isHelperRole(r), r);
    }
  });

  it('Pool workers by the multiprocessing name a run reports', () => {
    assert.strictEqual(classifyRole(subject(MAIN), parent(MAIN, 'main'), 'ForkPoolWorker-3'), 'pool-worker');
    assert.strictEqual(classifyRole(subject(SPAWN), parent(MAIN, 'main'), 'SpawnPoolWorker-1'), 'pool-worker');
    assert.strictEqual(classifyRole(subject(SPAWN), parent(MAIN, 'main'), 'Process-1'), 'spawn-child');
    // A name cannot turn the helpers or the main script into workers.
    assert.strictEqual(classifyRole(subject(TRACKER), parent(MAIN, 'main'), 'ForkPoolWorker-1'), 'resource-tracker');
    assert.strictEqual(classifyRole(subject(MAIN), undefined, 'ForkPoolWorker-1'), 'main');
  });

  it('a Python zombie mpscope never saw alive, and non-Python processes', () => {
    assert.strictEqual(classifyRole({ command: '', isPython: true }, parent(MAIN, 'main')), 'unknown');
    assert.strictEqual(classifyRole(subject('/bin/sleep 10', false), parent(MAIN, 'main')), 'other');
  });
});

describe('procs: what counts as Python', () => {
  it('knows interpreter names', () => {
    for (const n of ['python', 'python3', 'python3.11', 'python3.13t', 'python3.12d', 'pythonw.exe', 'python.exe', 'pypy3', '/usr/bin/python3.8', 'C:\\Py\\python.exe', 'python3.11-dbg']) {
      assert.ok(isPythonName(n), n);
    }
    for (const n of ['bash', 'pythonista', 'ipython', 'my-python-app', 'node', '', 'python3-config']) {
      assert.ok(!isPythonName(n), n);
    }
  });

  it('uses argv[0] (scripts with a #! line) or the kernel name (zombies)', () => {
    assert.ok(isPythonProcess({ name: 'uvicorn', argv: ['/usr/bin/python3', '/usr/local/bin/uvicorn'], command: '' }));
    assert.ok(isPythonProcess({ name: 'python3', argv: [], command: '' }));
    assert.ok(isPythonProcess({ name: 'x', command: '/usr/bin/python3 app.py' }));
    assert.ok(!isPythonProcess({ name: 'bash', argv: ['bash', 'python3'], command: 'bash python3' }));
  });

  it('finds what a Python command line runs', () => {
    assert.strictEqual(pythonTarget(['python3', '-u', '/srv/app.py', '--x']), 'app.py');
    assert.strictEqual(pythonTarget(['python3', '-X', 'dev', '-W', 'error', 'main.py']), 'main.py');
    assert.strictEqual(pythonTarget(['python3', '-m', 'pytest', '-x']), '-m pytest');
    assert.strictEqual(pythonTarget(['python3', '-mhttp.server']), '-m http.server');
    assert.strictEqual(pythonTarget(['python3', '-c', 'print(1)']), '-c');
    assert.strictEqual(pythonTarget(['python3']), undefined);
  });
});
