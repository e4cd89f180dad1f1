// Every rule on code that has the pitfall (positive) and on close variants that do not (negative).
import * as assert from 'assert';
import { RULES } from '../../../src/lint/rules';
import { findingsOf, lineOf, py } from './helpers';

interface Case {
  name: string;
  src: string;
  /** 1-based lines where findings are expected (positive cases). */
  lines?: number[];
  severity?: string;
  options?: Parameters<typeof findingsOf>[2];
}

const CASES: Record<string, { positive: Case[]; negative: Case[] }> = {
  MP001: {
    positive: [
      {
        name: 'Process started at module level',
        src: py`
          import multiprocessing as mp
          def work(): pass
          p = mp.Process(target=work)
          p.start()
          p.join()
        `,
        lines: [4],
        severity: 'warning',
      },
      {
        name: 'Pool created at module level, an error under spawn',
        src: py`
          from multiprocessing import Pool
          def sq(x): return x * x
          with Pool(4) as pool:
              print(pool.map(sq, range(3)))
        `,
        lines: [3],
        severity: 'error',
        options: { settings: { enable: true, rules: {}, startMethod: 'spawn' } },
      },
      {
        name: 'a context asking for spawn makes it an error',
        src: py`
          import multiprocessing as mp
          def work(): pass
          ctx = mp.get_context("spawn")
          ctx.Process(target=work).start()
        `,
        lines: [4],
        severity: 'error',
      },
      {
        name: 'module-level call of a function that starts processes',
        src: py`
          from concurrent.futures import ProcessPoolExecutor
          def main():
              with ProcessPoolExecutor() as ex:
                  ex.submit(print, 1)
          main()
        `,
        lines: [5],
      },
      {
        name: 'macOS default (spawn) makes it an error',
        src: py`
          import multiprocessing
          m = multiprocessing.Manager()
        `,
        lines: [2],
        severity: 'error',
        options: { platform: 'darwin' },
      },
    ],
    negative: [
      {
        name: 'under the main guard',
        src: py`
          import multiprocessing as mp
          def work(): pass
          if __name__ == "__main__":
              p = mp.Process(target=work)
              p.start()
              p.join()
        `,
      },
      {
        name: 'inside a function that is only called from the guard',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool() as p:
                  p.map(abs, [1])
          if '__main__' == __name__:
              main()
        `,
      },
      {
        name: 'a thread pool at module level',
        src: py`
          from multiprocessing.pool import ThreadPool
          from concurrent.futures import ThreadPoolExecutor
          tp = ThreadPool(2)
          ex = ThreadPoolExecutor()
        `,
      },
      {
        name: 'a package __main__.py is not re-imported by spawn',
        src: py`
          import multiprocessing as mp
          mp.Process(target=print).start()
        `,
        options: { path: '/x/pkg/__main__.py' },
      },
      {
        name: 'creating (not starting) a Process',
        src: py`
          import multiprocessing as mp
          p = mp.Process(target=print)
        `,
      },
    ],
  },
  MP002: {
    positive: [
      {
        name: 'started, never joined',
        src: py`
          import multiprocessing as mp
          def work(): pass
          def main():
              p = mp.Process(target=work)
              p.start()
              print("started")
        `,
        lines: [5],
      },
      {
        name: 'Process(...).start() with no reference',
        src: py`
          from multiprocessing import Process
          def main():
              Process(target=print).start()
        `,
        lines: [3],
      },
      {
        name: 'a list of processes started in a loop, never joined',
        src: py`
          import multiprocessing as mp
          if __name__ == "__main__":
              workers = [mp.Process(target=print, args=(n,)) for n in range(3)]
              for w in workers:
                  w.start()
        `,
        lines: [5],
      },
      {
        name: 'appended to a list nobody joins',
        src: py`
          import multiprocessing as mp
          if __name__ == "__main__":
              procs = []
              for i in range(3):
                  p = mp.Process(target=print)
                  p.start()
                  procs.append(p)
        `,
        lines: [6],
      },
    ],
    negative: [
      {
        name: 'joined',
        src: py`
          import multiprocessing as mp
          def main():
              p = mp.Process(target=print)
              p.start()
              p.join()
        `,
      },
      {
        name: 'daemon=True',
        src: py`
          import multiprocessing as mp
          def main():
              p = mp.Process(target=print, daemon=True)
              p.start()
        `,
      },
      {
        name: 'p.daemon = True',
        src: py`
          import multiprocessing as mp
          def main():
              p = mp.Process(target=print)
              p.daemon = True
              p.start()
        `,
      },
      {
        name: 'joined through the list',
        src: py`
          import multiprocessing as mp
          def main():
              procs = []
              for i in range(3):
                  p = mp.Process(target=print)
                  p.start()
                  procs.append(p)
              for q in procs:
                  q.join()
        `,
      },
      {
        name: 'handed to another function',
        src: py`
          import multiprocessing as mp
          def main(registry):
              p = mp.Process(target=print)
              p.start()
              registry.track(p)
        `,
      },
      {
        name: 'a list owned by a context manager',
        src: py`
          import multiprocessing as mp
          def main(managed):
              with managed() as procs:
                  p = mp.Process(target=print)
                  p.start()
                  procs.append(p)
        `,
      },
      {
        name: 'a thread is not a process',
        src: py`
          import threading
          def main():
              t = threading.Thread(target=print)
              t.start()
        `,
      },
    ],
  },
  MP003: {
    positive: [
      {
        name: 'join, then get',
        src: py`
          import multiprocessing as mp
          def work(q):
              q.put("x" * 10_000_000)
          if __name__ == "__main__":
              q = mp.Queue()
              p = mp.Process(target=work, args=(q,))
              p.start()
              p.join()
              print(len(q.get()))
        `,
        lines: [8],
      },
      {
        name: 'a join loop, then a drain loop',
        src: py`
          import multiprocessing as mp
          def work(q, n):
              q.put(n)
          def main():
              q = mp.Queue()
              procs = [mp.Process(target=work, args=(q, n)) for n in range(3)]
              for p in procs:
                  p.start()
              for p in procs:
                  p.join()
              results = [q.get() for _ in procs]
        `,
        lines: [10],
      },
    ],
    negative: [
      {
        name: 'get, then join',
        src: py`
          import multiprocessing as mp
          def work(q):
              q.put(1)
          def main():
              q = mp.Queue()
              p = mp.Process(target=work, args=(q,))
              p.start()
              print(q.get())
              p.join()
        `,
      },
      {
        name: 'the child only reads the queue',
        src: py`
          import multiprocessing as mp
          def work(q):
              print(q.get())
          def main():
              q = mp.Queue()
              p = mp.Process(target=work, args=(q,))
              p.start()
              q.put(1)
              p.join()
              q.get()
        `,
      },
      {
        name: 'a Manager queue has no feeder thread',
        src: py`
          import multiprocessing as mp
          def work(q):
              q.put(1)
          def main():
              with mp.Manager() as m:
                  q = m.Queue()
                  p = mp.Process(target=work, args=(q,))
                  p.start()
                  p.join()
                  q.get()
        `,
      },
    ],
  },
  MP004: {
    positive: [
      {
        name: 'lambda to Pool.map (always an error)',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool() as pool:
                  pool.map(lambda x: x * 2, range(3))
        `,
        lines: [4],
        severity: 'error',
      },
      {
        name: 'nested function as a Process target (warning under fork)',
        src: py`
          import multiprocessing as mp
          def main():
              def inner():
                  print("hi")
              p = mp.Process(target=inner)
              p.start()
              p.join()
        `,
        lines: [5],
        severity: 'warning',
      },
      {
        name: 'lambda target with spawn is an error',
        src: py`
          import multiprocessing as mp
          if __name__ == "__main__":
              mp.set_start_method("spawn")
              p = mp.Process(target=lambda: print(1))
              p.start()
              p.join()
        `,
        lines: [4],
        severity: 'error',
      },
      {
        name: 'functools.partial of a lambda to executor.submit',
        src: py`
          import functools
          from concurrent.futures import ProcessPoolExecutor
          def main():
              with ProcessPoolExecutor() as ex:
                  ex.submit(functools.partial(lambda a, b: a + b, 1), 2)
        `,
        lines: [5],
      },
    ],
    negative: [
      {
        name: 'a nested target in a context pinned to fork is inherited, not pickled',
        src: py`
          from multiprocessing import get_context
          def main():
              def job():
                  print(1)
              p = get_context('fork').Process(target=job)
              p.start()
              p.join()
        `,
      },
      {
        name: 'module-level function',
        src: py`
          from multiprocessing import Pool
          def double(x): return x * 2
          def main():
              with Pool() as pool:
                  pool.map(double, range(3))
        `,
      },
      {
        name: 'lambda to a thread pool',
        src: py`
          from multiprocessing.pool import ThreadPool
          def main():
              with ThreadPool() as pool:
                  pool.map(lambda x: x, range(3))
        `,
      },
      {
        name: 'a process that is never started',
        src: py`
          import multiprocessing as mp
          def main():
              p = mp.Process(target=lambda: None)
        `,
      },
    ],
  },
  MP005: {
    positive: [
      {
        name: 'global list appended in the child, read after join',
        src: py`
          import multiprocessing as mp
          RESULTS = []
          def work(n):
              RESULTS.append(n * n)
          if __name__ == "__main__":
              p = mp.Process(target=work, args=(3,))
              p.start()
              p.join()
              print(RESULTS)
        `,
        lines: [4],
      },
      {
        name: '`global` counter in a pool task',
        src: py`
          from multiprocessing import Pool
          count = 0
          def task(x):
              global count
              count += x
          def main():
              with Pool() as pool:
                  pool.map(task, range(10))
              print(count)
        `,
        lines: [5],
      },
    ],
    negative: [
      {
        name: 'not read in the parent',
        src: py`
          import multiprocessing as mp
          RESULTS = []
          def work(n):
              RESULTS.append(n)
              print(RESULTS)
          if __name__ == "__main__":
              p = mp.Process(target=work, args=(3,))
              p.start()
              p.join()
        `,
      },
      {
        name: 'a Manager list is shared',
        src: py`
          import multiprocessing as mp
          def work(shared):
              shared.append(1)
          if __name__ == "__main__":
              with mp.Manager() as m:
                  shared = m.list()
                  p = mp.Process(target=work, args=(shared,))
                  p.start()
                  p.join()
                  print(list(shared))
        `,
      },
      {
        name: 'threads share globals',
        src: py`
          import threading
          RESULTS = []
          def work():
              RESULTS.append(1)
          t = threading.Thread(target=work)
          t.start(); t.join()
          print(RESULTS)
        `,
      },
    ],
  },
  MP006: {
    positive: [
      {
        name: 'acquire, work, release with no try/finally',
        src: py`
          import multiprocessing as mp
          lock = mp.Lock()
          def work(items):
              lock.acquire()
              process(items)
              lock.release()
        `,
        lines: [4],
      },
      {
        name: 'an early return skips the release',
        src: py`
          import threading
          lock = threading.Lock()
          def work(x):
              lock.acquire()
              if x:
                  return
              lock.release()
        `,
        lines: [4],
      },
      {
        name: 'never released',
        src: py`
          import threading
          def work():
              lock = threading.Lock()
              lock.acquire()
              print("done")
        `,
        lines: [4],
      },
    ],
    negative: [
      {
        name: 'an object of unknown type (it may not be a lock)',
        src: py`
          import threading
          def work(self):
              self.gate.acquire()
              self.render()
              self.gate.release()
        `,
      },
      {
        name: 'a lock handed to a thread that releases it',
        src: py`
          import threading, _thread
          def main():
              def f(m):
                  m.release()
              mutex = threading.Lock()
              mutex.acquire()
              _thread.start_new_thread(f, (mutex,))
              mutex.acquire()
        `,
      },
      {
        name: 'try/finally',
        src: py`
          import multiprocessing as mp
          lock = mp.Lock()
          def work(items):
              lock.acquire()
              try:
                  process(items)
              finally:
                  lock.release()
        `,
      },
      {
        name: 'with lock',
        src: py`
          import multiprocessing as mp
          lock = mp.Lock()
          def work(items):
              with lock:
                  process(items)
        `,
      },
      {
        name: 'a handshake: released by another thread',
        src: py`
          import threading
          def main():
              ready = threading.Lock()
              ready.acquire()
              def child():
                  ready.release()
              threading.Thread(target=child).start()
              ready.acquire()
        `,
      },
      {
        name: 'nothing between can fail',
        src: py`
          import threading
          lock = threading.Lock()
          cond = threading.Condition()
          def work():
              cond.acquire()
              cond.notify()
              cond.release()
        `,
      },
    ],
  },
  MP007: {
    positive: [
      {
        name: 'A then B, and B then A',
        src: py`
          import multiprocessing as mp
          a = mp.Lock()
          b = mp.Lock()
          def one():
              with a:
                  with b:
                      pass
          def two():
              with b:
                  with a:
                      pass
        `,
        lines: [10],
      },
      {
        name: 'locks passed as arguments to two targets',
        src: py`
          import multiprocessing as mp
          def one(x, y):
              with x, y:
                  pass
          def two(x, y):
              y.acquire()
              with x:
                  pass
              y.release()
          if __name__ == "__main__":
              l1, l2 = mp.Lock(), mp.Lock()
              ps = [mp.Process(target=one, args=(l1, l2)), mp.Process(target=two, args=(l1, l2))]
        `,
        lines: [7],
      },
    ],
    negative: [
      {
        name: 'the same order everywhere',
        src: py`
          import threading
          a = threading.Lock()
          b = threading.Lock()
          def one():
              with a:
                  with b:
                      pass
          def two():
              with a:
                  with b:
                      pass
        `,
      },
      {
        name: 'files, not locks',
        src: py`
          def one():
              with open("a") as f, open("b") as g:
                  pass
          def two():
              with open("b") as g, open("a") as f:
                  pass
        `,
      },
    ],
  },
  MP008: {
    positive: [
      {
        name: 'pool never closed',
        src: py`
          import multiprocessing as mp
          def main():
              pool = mp.Pool(4)
              print(pool.map(abs, [-1, -2]))
        `,
        lines: [3],
      },
      {
        name: 'a pool used without a reference',
        src: py`
          from multiprocessing import Pool
          def main():
              return Pool(2).map(abs, [-1])
        `,
        lines: [3],
      },
    ],
    negative: [
      {
        name: 'with',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool(4) as pool:
                  pool.map(abs, [-1])
        `,
      },
      {
        name: 'close and join',
        src: py`
          from multiprocessing import Pool
          def main():
              pool = Pool(4)
              pool.map(abs, [-1])
              pool.close()
              pool.join()
        `,
      },
      {
        name: 'returned to the caller',
        src: py`
          from multiprocessing import Pool
          def make():
              pool = Pool(4)
              return pool
        `,
      },
    ],
  },
  MP009: {
    positive: [
      {
        name: 'apply_async result discarded',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool() as p:
                  for i in range(3):
                      p.apply_async(abs, (i,))
                  p.close()
                  p.join()
        `,
        lines: [5],
      },
      {
        name: 'results kept but never read',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool() as p:
                  results = [p.apply_async(abs, (i,)) for i in range(3)]
                  p.close()
                  p.join()
        `,
        lines: [4],
      },
      {
        name: 'executor.submit discarded',
        src: py`
          from concurrent.futures import ProcessPoolExecutor
          def main():
              with ProcessPoolExecutor() as ex:
                  ex.submit(abs, -1)
        `,
        lines: [4],
      },
    ],
    negative: [
      {
        name: 'results collected with get()',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool() as p:
                  results = [p.apply_async(abs, (i,)) for i in range(3)]
                  print([r.get() for r in results])
        `,
      },
      {
        name: 'error_callback given',
        src: py`
          from multiprocessing import Pool
          def main():
              with Pool() as p:
                  p.apply_async(abs, (1,), error_callback=print)
                  p.close()
                  p.join()
        `,
      },
    ],
  },
  MP010: {
    positive: [
      {
        name: 'a daemon target starts a process',
        src: py`
          import multiprocessing as mp
          def grandchild(): pass
          def child():
              p = mp.Process(target=grandchild)
              p.start()
              p.join()
          if __name__ == "__main__":
              d = mp.Process(target=child, daemon=True)
              d.start()
              d.join()
        `,
        lines: [8],
      },
      {
        name: 'a pool task creates a pool',
        src: py`
          from multiprocessing import Pool
          def task(x):
              with Pool(2) as inner:
                  return inner.map(abs, [x])
          def main():
              with Pool(2) as pool:
                  pool.map(task, [1, 2])
        `,
        lines: [7],
      },
    ],
    negative: [
      {
        name: 'a non-daemon target starts a process',
        src: py`
          import multiprocessing as mp
          def child():
              p = mp.Process(target=print)
              p.start()
              p.join()
          if __name__ == "__main__":
              d = mp.Process(target=child)
              d.start()
              d.join()
        `,
      },
      {
        name: 'a daemon that only computes',
        src: py`
          import multiprocessing as mp
          def child():
              print(sum(range(10)))
          if __name__ == "__main__":
              d = mp.Process(target=child, daemon=True)
              d.start()
        `,
      },
    ],
  },
  MP011: {
    positive: [
      {
        name: 'set_start_method at module level',
        src: py`
          import multiprocessing as mp
          mp.set_start_method("spawn")
          if __name__ == "__main__":
              pass
        `,
        lines: [2],
      },
      {
        name: 'called twice',
        src: py`
          import multiprocessing as mp
          if __name__ == "__main__":
              mp.set_start_method("spawn")
              mp.set_start_method("fork")
        `,
        lines: [4],
      },
    ],
    negative: [
      {
        name: 'once, in the guard',
        src: py`
          import multiprocessing as mp
          if __name__ == "__main__":
              mp.set_start_method("spawn")
        `,
      },
      {
        name: 'force=True',
        src: py`
          import multiprocessing as mp
          if __name__ == "__main__":
              mp.set_start_method("spawn")
              mp.set_start_method("fork", force=True)
        `,
      },
      {
        name: 'in two branches of an if',
        src: py`
          import multiprocessing as mp, sys
          if __name__ == "__main__":
              if sys.argv[1:]:
                  mp.set_start_method(sys.argv[1])
              else:
                  mp.set_start_method("spawn")
        `,
      },
    ],
  },
  MP012: {
    positive: [
      {
        name: 'consumer with no sentinel',
        src: py`
          import multiprocessing as mp
          def consumer(q):
              while True:
                  item = q.get()
                  print(item)
          if __name__ == "__main__":
              q = mp.Queue()
              c = mp.Process(target=consumer, args=(q,))
              c.start()
              q.put(1)
              c.join()
        `,
        lines: [4],
      },
    ],
    negative: [
      {
        name: 'breaks on a sentinel',
        src: py`
          import multiprocessing as mp
          def consumer(q):
              while True:
                  item = q.get()
                  if item is None:
                      break
          if __name__ == "__main__":
              q = mp.Queue()
              c = mp.Process(target=consumer, args=(q,))
              c.start()
              q.put(None)
              c.join()
        `,
      },
      {
        name: 'a daemon consumer',
        src: py`
          import multiprocessing as mp
          def consumer(q):
              while True:
                  print(q.get())
          if __name__ == "__main__":
              q = mp.Queue()
              mp.Process(target=consumer, args=(q,), daemon=True).start()
        `,
      },
      {
        name: 'get with a timeout',
        src: py`
          import multiprocessing as mp
          def consumer(q):
              while True:
                  print(q.get(timeout=1))
          if __name__ == "__main__":
              q = mp.Queue()
              c = mp.Process(target=consumer, args=(q,))
              c.start()
              c.join()
        `,
      },
    ],
  },
  MP013: {
    positive: [
      {
        name: 'never unlinked',
        src: py`
          from multiprocessing import shared_memory
          def main():
              shm = shared_memory.SharedMemory(create=True, size=1024)
              shm.buf[0] = 1
              shm.close()
        `,
        lines: [3],
      },
      {
        name: 'unlink skipped when the work raises',
        src: py`
          from multiprocessing.shared_memory import SharedMemory
          def main():
              shm = SharedMemory(create=True, size=10)
              fill(shm.buf)
              shm.close()
              shm.unlink()
        `,
        lines: [3],
      },
    ],
    negative: [
      {
        name: 'a creation expected to fail in a test',
        src: py`
          import unittest
          from multiprocessing import shared_memory
          class T(unittest.TestCase):
              def test_bad_size(self):
                  with self.assertRaises(ValueError):
                      shm = shared_memory.SharedMemory(create=True, size=-1)
        `,
      },
      {
        name: 'unlink in finally',
        src: py`
          from multiprocessing import shared_memory
          def main():
              shm = shared_memory.SharedMemory(create=True, size=1024)
              try:
                  fill(shm.buf)
              finally:
                  shm.close()
                  shm.unlink()
        `,
      },
      {
        name: 'attaching (create=False) is not owning',
        src: py`
          from multiprocessing import shared_memory
          def child(name):
              shm = shared_memory.SharedMemory(name=name)
              shm.close()
        `,
      },
    ],
  },
  MP014: {
    positive: [
      {
        name: 'terminate a process that writes a queue',
        src: py`
          import multiprocessing as mp
          def work(q):
              while True:
                  q.put(1)
          if __name__ == "__main__":
              q = mp.Queue()
              p = mp.Process(target=work, args=(q,))
              p.start()
              p.terminate()
              p.join()
        `,
        lines: [9],
      },
      {
        name: 'kill a process holding a lock',
        src: py`
          import multiprocessing as mp
          def work(lock):
              with lock:
                  pass
          if __name__ == "__main__":
              lock = mp.Lock()
              p = mp.Process(target=work, args=(lock,))
              p.start()
              p.kill()
              p.join()
        `,
        lines: [9],
      },
    ],
    negative: [
      {
        name: 'the pipe was closed before terminate (nobody uses it any more)',
        src: py`
          import multiprocessing as mp
          def find(conn):
              conn.send(1)
          def main():
              recv, send = mp.Pipe(duplex=False)
              procs = [mp.Process(target=find, args=(send,)) for _ in range(3)]
              for p in procs:
                  p.start()
              result = recv.recv()
              recv.close()
              send.close()
              for p in procs:
                  p.terminate()
        `,
      },
      {
        name: 'terminate a process that uses nothing shared',
        src: py`
          import multiprocessing as mp, time
          def work():
              time.sleep(10)
          if __name__ == "__main__":
              p = mp.Process(target=work)
              p.start()
              p.terminate()
              p.join()
        `,
      },
      {
        name: 'the child only signals a semaphore',
        src: py`
          import multiprocessing as mp, time
          def work(sem):
              sem.release()
              time.sleep(10)
          if __name__ == "__main__":
              sem = mp.Semaphore(0)
              p = mp.Process(target=work, args=(sem,))
              p.start()
              sem.acquire()
              p.terminate()
              p.join()
        `,
      },
    ],
  },
  MP015: {
    positive: [
      {
        name: 'wait() with stdout=PIPE',
        src: py`
          import subprocess
          def main():
              p = subprocess.Popen(["ls", "-R", "/"], stdout=subprocess.PIPE)
              p.wait()
              return p.stdout.read()
        `,
        lines: [4],
      },
      {
        name: 'from subprocess import Popen, PIPE; with ... as p',
        src: py`
          from subprocess import Popen, PIPE
          def main():
              with Popen(["cmd"], stderr=PIPE) as p:
                  p.wait()
        `,
        lines: [4],
      },
    ],
    negative: [
      {
        name: 'wait() after terminate()',
        src: py`
          import subprocess
          def main():
              p = subprocess.Popen(["server"], stdout=subprocess.PIPE)
              p.terminate()
              p.wait()
        `,
      },
      {
        name: 'communicate()',
        src: py`
          import subprocess
          def main():
              p = subprocess.Popen(["ls"], stdout=subprocess.PIPE)
              out, _ = p.communicate()
              p.wait()
        `,
      },
      {
        name: 'the pipe is read before wait()',
        src: py`
          import subprocess
          def main():
              p = subprocess.Popen(["ls"], stdout=subprocess.PIPE)
              for line in p.stdout:
                  print(line)
              p.wait()
        `,
      },
      {
        name: 'no pipe',
        src: py`
          import subprocess
          def main():
              p = subprocess.Popen(["ls"])
              p.wait()
        `,
      },
    ],
  },
  MP016: {
    positive: [
      {
        name: 'joins the last process every time',
        src: py`
          from multiprocessing import Process
          if __name__ == "__main__":
              procs = []
              for i in range(3):
                  p = Process(target=print, args=(i,))
                  p.start()
                  procs.append(p)
              for i in procs:
                  p.join()
        `,
        lines: [9],
      },
    ],
    negative: [
      {
        name: 'joins the loop variable',
        src: py`
          from multiprocessing import Process
          if __name__ == "__main__":
              procs = [Process(target=print) for _ in range(3)]
              for p in procs:
                  p.start()
              for p in procs:
                  p.join()
        `,
      },
    ],
  },
  MP017: {
    positive: [
      {
        name: 'join without close',
        src: py`
          from multiprocessing import Pool
          def main():
              pool = Pool()
              pool.map(abs, [1])
              pool.join()
        `,
        lines: [5],
      },
    ],
    negative: [
      {
        name: 'close then join',
        src: py`
          from multiprocessing import Pool
          def main():
              pool = Pool()
              pool.map(abs, [1])
              pool.close()
              pool.join()
        `,
      },
    ],
  },
  MP018: {
    positive: [
      {
        name: 'task_done() and join() on a Queue',
        src: py`
          import multiprocessing
          def consumer(q):
              q.get()
              q.task_done()
          if __name__ == "__main__":
              q = multiprocessing.Queue()
              p = multiprocessing.Process(target=consumer, args=(q,))
              p.start()
              q.join()
        `,
        lines: [4, 9],
      },
    ],
    negative: [
      {
        name: 'JoinableQueue',
        src: py`
          import multiprocessing
          def consumer(q):
              q.get()
              q.task_done()
          if __name__ == "__main__":
              q = multiprocessing.JoinableQueue()
              p = multiprocessing.Process(target=consumer, args=(q,))
              p.start()
              q.join()
        `,
      },
    ],
  },
  MP019: {
    positive: [
      {
        name: 'nested with on the same Lock through a call',
        src: py`
          from multiprocessing import Lock
          lock = Lock()
          def inner():
              with lock:
                  pass
          def outer():
              with lock:
                  inner()
        `,
        lines: [8],
      },
      {
        name: 'the lock passed along as an argument',
        src: py`
          import multiprocessing as mp
          def log(lock, text):
              with lock:
                  print(text)
          def save(lock):
              with lock:
                  log(lock, "saving")
          if __name__ == "__main__":
              lock = mp.Lock()
              p = mp.Process(target=save, args=(lock,))
              p.start()
              p.join()
        `,
        lines: [7],
      },
    ],
    negative: [
      {
        name: 'acquired again to wait for another thread (a handshake)',
        src: py`
          import threading
          def main():
              done = threading.Lock()
              done.acquire()
              def worker():
                  done.release()
              threading.Thread(target=worker).start()
              done.acquire()
        `,
      },
      {
        name: 'an RLock',
        src: py`
          from multiprocessing import RLock
          lock = RLock()
          def inner():
              with lock:
                  pass
          def outer():
              with lock:
                  inner()
        `,
      },
      {
        name: 'a different lock',
        src: py`
          from threading import Lock
          a, b = Lock(), Lock()
          def inner():
              with b:
                  pass
          def outer():
              with a:
                  inner()
        `,
      },
    ],
  },
  MP020: {
    positive: [
      {
        name: 'result set in run(), read by the parent',
        src: py`
          from multiprocessing import Process
          class Worker(Process):
              def __init__(self):
                  super().__init__()
                  self.result = None
              def run(self):
                  self.result = 42
          if __name__ == "__main__":
              w = Worker()
              w.start()
              w.join()
              print(w.result)
        `,
        lines: [12],
      },
    ],
    negative: [
      {
        name: 'read by a subclass method (running in the child too)',
        src: py`
          from multiprocessing import Process
          class Base(Process):
              def run(self):
                  self.client = object()
                  self.work()
          class Worker(Base):
              def work(self):
                  print(self.client)
        `,
      },
      {
        name: 'a plain class',
        src: py`
          import multiprocessing
          class Job:
              def run(self):
                  self.result = 42
          j = Job()
          j.run()
          print(j.result)
        `,
      },
      {
        name: 'read inside the child',
        src: py`
          from multiprocessing import Process
          class Worker(Process):
              def run(self):
                  self.result = 42
                  print(self.result)
        `,
      },
    ],
  },
  MP021: {
    positive: [
      {
        name: 'a Lock sent to apply_async',
        src: py`
          import multiprocessing as mp
          def task(lock, x):
              with lock:
                  return x
          if __name__ == "__main__":
              lock = mp.Lock()
              with mp.Pool() as pool:
                  pool.apply_async(task, (lock, 1)).get()
        `,
        lines: [8],
      },
    ],
    negative: [
      {
        name: 'a Manager lock',
        src: py`
          import multiprocessing as mp
          def task(lock, x):
              with lock:
                  return x
          if __name__ == "__main__":
              with mp.Manager() as m, mp.Pool() as pool:
                  lock = m.Lock()
                  pool.apply_async(task, (lock, 1)).get()
        `,
      },
      {
        name: 'a Lock given to a Process (inheritance)',
        src: py`
          import multiprocessing as mp
          def task(lock):
              with lock:
                  pass
          if __name__ == "__main__":
              lock = mp.Lock()
              p = mp.Process(target=task, args=(lock,))
              p.start()
              p.join()
        `,
      },
    ],
  },
  MP022: {
    positive: [
      {
        name: 'two processes add to one Value',
        src: py`
          import multiprocessing as mp
          def add(n):
              for _ in range(1000):
                  n.value += 1
          if __name__ == "__main__":
              n = mp.Value("i", 0)
              ps = [mp.Process(target=add, args=(n,)) for _ in range(4)]
              for p in ps: p.start()
              for p in ps: p.join()
        `,
        lines: [4],
      },
    ],
    negative: [
      {
        name: 'under get_lock()',
        src: py`
          import multiprocessing as mp
          def add(n):
              with n.get_lock():
                  n.value += 1
          if __name__ == "__main__":
              n = mp.Value("i", 0)
              ps = [mp.Process(target=add, args=(n,)) for _ in range(4)]
        `,
      },
      {
        name: 'a single writer',
        src: py`
          import multiprocessing as mp
          def add(n):
              n.value += 1
          if __name__ == "__main__":
              n = mp.Value("i", 0)
              p = mp.Process(target=add, args=(n,))
              p.start()
              p.join()
        `,
      },
    ],
  },
  MP023: {
    positive: [
      {
        name: 'atexit in a target',
        src: py`
          import atexit, multiprocessing as mp
          def work():
              atexit.register(print, "cleanup")
          if __name__ == "__main__":
              p = mp.Process(target=work)
              p.start()
              p.join()
        `,
        lines: [3],
      },
    ],
    negative: [
      {
        name: 'atexit in the parent',
        src: py`
          import atexit, multiprocessing as mp
          def work():
              pass
          if __name__ == "__main__":
              atexit.register(print, "cleanup")
              p = mp.Process(target=work)
              p.start()
              p.join()
        `,
      },
    ],
  },
};

describe('lint rules: positive and negative cases', () => {
  it('every rule has cases here', () => {
    for (const r of RULES) {
      assert.ok(CASES[r.code], `no cases for ${r.code}`);
      assert.ok(CASES[r.code].positive.length > 0 && CASES[r.code].negative.length > 0, `${r.code} needs both kinds`);
    }
  });

  for (const [code, { positive, negative }] of Object.entries(CASES)) {
    describe(code, () => {
      for (const c of positive) {
        it(`finds: ${c.name}`, async () => {
          const found = await findingsOf(code, c.src, c.options);
          const lines = found.map((f) => lineOf(c.src, f));
          assert.deepStrictEqual(lines, c.lines, `${code} findings: ${JSON.stringify(found.map((f) => f.message))}`);
          if (c.severity) for (const f of found) assert.strictEqual(f.severity, c.severity);
        });
      }
      for (const c of negative) {
        it(`quiet: ${c.name}`, async () => {
          const found = await findingsOf(code, c.src, c.options);
          assert.deepStrictEqual(found.map((f) => `${lineOf(c.src, f)}: ${f.message}`), []);
        });
      }
    });
  }
});
