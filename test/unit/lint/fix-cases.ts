// Programs with a pitfall that has a quick fix, and the exact code the fix must produce. Shared by
// the unit test (parse, re-lint) and the integration test (run both versions with python3).
import { py } from './helpers';

export interface FixCase {
  name: string;
  code: string;
  src: string;
  expected: string;
  /** Run with python3: the fixed program must print the same as the original (or `expectOutput`). */
  run?: boolean;
  /** When the original misbehaves (hangs or fails), what the fixed one must print instead. */
  expectOutput?: string;
}

export const FIX_CASES: FixCase[] = [
  {
    name: 'MP001: wrap module-level code in a main guard',
    code: 'MP001',
    src: py`
      import multiprocessing as mp

      N = 3


      def square(q, n):
          q.put(n * N)


      ctx = mp.get_context("spawn")
      q = ctx.Queue()
      p = ctx.Process(target=square, args=(q, 2))
      p.start()
      print(q.get())
      p.join()
      print("""done:
      end""")
    `,
    expected: py`
      import multiprocessing as mp

      N = 3


      def square(q, n):
          q.put(n * N)


      if __name__ == "__main__":
          ctx = mp.get_context("spawn")
          q = ctx.Queue()
          p = ctx.Process(target=square, args=(q, 2))
          p.start()
          print(q.get())
          p.join()
          print("""done:
      end""")
    `,
    run: true,
    // Under spawn the original's child re-runs the script and dies; the parent then waits forever.
    expectOutput: '6\ndone:\nend\n',
  },
  {
    name: 'MP001: definitions after the script code are hoisted above the guard',
    code: 'MP001',
    src: py`
      import multiprocessing
      if True:
          pool = multiprocessing.Pool(2)
          print(pool.map(abs, [-1, -2]))
          pool.close()
          pool.join()
      def helper():
          return 1
      print(helper())
    `,
    expected: py`
      import multiprocessing
      def helper():
          return 1

      if __name__ == "__main__":
          if True:
              pool = multiprocessing.Pool(2)
              print(pool.map(abs, [-1, -2]))
              pool.close()
              pool.join()
          print(helper())
    `,
    run: true,
  },
  {
    name: 'MP001: code goes into an existing guard at the end of the file',
    code: 'MP001',
    src: py`
      import multiprocessing as mp
      def work():
          print("work")
      p = mp.Process(target=work)
      p.start()
      if __name__ == "__main__":
          p.join()
          print("joined")
    `,
    expected: py`
      import multiprocessing as mp
      def work():
          print("work")
      if __name__ == "__main__":
          p = mp.Process(target=work)
          p.start()
          p.join()
          print("joined")
    `,
    run: true,
  },
  {
    name: 'MP002: add the missing join()',
    code: 'MP002',
    src: py`
      import multiprocessing as mp
      import sys


      def work(n):
          sys.stdout.write(f"work {n}\\n")


      if __name__ == "__main__":
          p = mp.Process(target=work, args=(1,))
          p.start()
          # One write per line: unbuffered print() writes the text and the newline separately,
          # so the child's line could land between them.
          sys.stdout.write("started\\n")
    `,
    expected: py`
      import multiprocessing as mp
      import sys


      def work(n):
          sys.stdout.write(f"work {n}\\n")


      if __name__ == "__main__":
          p = mp.Process(target=work, args=(1,))
          p.start()
          # One write per line: unbuffered print() writes the text and the newline separately,
          # so the child's line could land between them.
          sys.stdout.write("started\\n")
          p.join()
    `,
    run: true,
  },
  {
    name: 'MP002: processes started in a loop are kept in a list and joined after it',
    code: 'MP002',
    src: py`
      import multiprocessing as mp
      import sys
      import time


      def work(n):
          sys.stdout.write(f"work {n}\\n")


      def main():
          for i in range(3):
              p = mp.Process(target=work, args=(i,))
              p.start()
              time.sleep(0.2)
          print("main done")


      if __name__ == "__main__":
          main()
    `,
    expected: py`
      import multiprocessing as mp
      import sys
      import time


      def work(n):
          sys.stdout.write(f"work {n}\\n")


      def main():
          started_processes = []
          for i in range(3):
              p = mp.Process(target=work, args=(i,))
              p.start()
              started_processes.append(p)
              time.sleep(0.2)
          print("main done")
          for started in started_processes:
              started.join()


      if __name__ == "__main__":
          main()
    `,
    run: true,
  },
  {
    name: 'MP002: a list of processes started in a loop gets a join loop',
    code: 'MP002',
    src: py`
      import multiprocessing as mp
      import sys

      def work(n):
          sys.stdout.write(f"work {n}\\n")

      if __name__ == "__main__":
          workers = [mp.Process(target=work, args=(n,)) for n in range(2)]
          for w in workers:
              w.start()
    `,
    expected: py`
      import multiprocessing as mp
      import sys

      def work(n):
          sys.stdout.write(f"work {n}\\n")

      if __name__ == "__main__":
          workers = [mp.Process(target=work, args=(n,)) for n in range(2)]
          for w in workers:
              w.start()
          for w in workers:
              w.join()
    `,
    run: true,
  },
  {
    name: 'MP003: move get() before join()',
    code: 'MP003',
    src: py`
      import multiprocessing as mp


      def produce(q):
          q.put("x" * 1_000_000)


      if __name__ == "__main__":
          q = mp.Queue()
          p = mp.Process(target=produce, args=(q,))
          p.start()
          p.join()
          data = q.get()
          print(len(data))
    `,
    expected: py`
      import multiprocessing as mp


      def produce(q):
          q.put("x" * 1_000_000)


      if __name__ == "__main__":
          q = mp.Queue()
          p = mp.Process(target=produce, args=(q,))
          p.start()
          data = q.get()
          p.join()
          print(len(data))
    `,
    run: true,
    // The original deadlocks: 1 MB does not fit in the pipe, so join() never returns.
    expectOutput: '1000000\n',
  },
  {
    name: 'MP003: a join loop moves below the drain loop',
    code: 'MP003',
    src: py`
      import multiprocessing as mp


      def produce(q, n):
          q.put(n * n)


      if __name__ == "__main__":
          q = mp.Queue()
          procs = [mp.Process(target=produce, args=(q, n)) for n in range(3)]
          for p in procs:
              p.start()
          for p in procs:
              p.join()
          results = sorted(q.get() for _ in range(3))
          print(results)
    `,
    expected: py`
      import multiprocessing as mp


      def produce(q, n):
          q.put(n * n)


      if __name__ == "__main__":
          q = mp.Queue()
          procs = [mp.Process(target=produce, args=(q, n)) for n in range(3)]
          for p in procs:
              p.start()
          results = sorted(q.get() for _ in range(3))
          for p in procs:
              p.join()
          print(results)
    `,
    run: true,
  },
  {
    name: 'MP004: replace a lambda with a module-level function',
    code: 'MP004',
    src: py`
      from multiprocessing import Pool

      FACTOR = 3


      def main():
          with Pool(2) as pool:
              print(pool.map(lambda x: x * FACTOR, [1, 2, 3]))


      if __name__ == "__main__":
          main()
    `,
    expected: py`
      from multiprocessing import Pool

      FACTOR = 3


      def _task_L8(x):
          return x * FACTOR


      def main():
          with Pool(2) as pool:
              print(pool.map(_task_L8, [1, 2, 3]))


      if __name__ == "__main__":
          main()
    `,
    run: true,
    // The original fails with PicklingError (Pool always pickles the task).
    expectOutput: '[3, 6, 9]\n',
  },
  {
    name: 'MP006: acquire()/release() become `with`',
    code: 'MP006',
    src: py`
      import threading

      lock = threading.Lock()
      total = []


      def add(items):
          lock.acquire()
          for x in items:
              total.append(x)
          lock.release()


      add([1, 2])
      print(total, lock.locked())
    `,
    expected: py`
      import threading

      lock = threading.Lock()
      total = []


      def add(items):
          with lock:
              for x in items:
                  total.append(x)


      add([1, 2])
      print(total, lock.locked())
    `,
    run: true,
  },
  {
    name: 'MP008: a Pool becomes a `with` block',
    code: 'MP008',
    src: py`
      import multiprocessing as mp


      def main():
          pool = mp.Pool(2)
          squares = pool.map(abs, [-1, -2, -3])
          print(squares)
          print("after")


      if __name__ == "__main__":
          main()
    `,
    expected: py`
      import multiprocessing as mp


      def main():
          with mp.Pool(2) as pool:
              squares = pool.map(abs, [-1, -2, -3])
          print(squares)
          print("after")


      if __name__ == "__main__":
          main()
    `,
    run: true,
  },
  {
    name: 'MP016: join the loop variable',
    code: 'MP016',
    src: py`
      from multiprocessing import Process
      if __name__ == "__main__":
          procs = []
          for i in range(2):
              p = Process(target=print, args=(i,))
              p.start()
              procs.append(p)
          for q in procs:
              p.join()
    `,
    expected: py`
      from multiprocessing import Process
      if __name__ == "__main__":
          procs = []
          for i in range(2):
              p = Process(target=print, args=(i,))
              p.start()
              procs.append(p)
          for q in procs:
              q.join()
    `,
  },
];
