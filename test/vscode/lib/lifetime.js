// The life of a launcher process: what to undo when it ends, and every way it can end (done,
// error, Ctrl-C, SIGTERM, the global timeout). Whatever happens, the cleanups run once, in
// reverse order, each bounded in time, and the process exits with a meaningful status.
const { SetupError } = require('./preflight');

class Lifetime {
  /** @param {{ name: string, timeoutMs?: number }} opts */
  constructor({ name, timeoutMs }) {
    this.name = name;
    /** @type {Array<{ what: string, fn: () => unknown }>} */
    this.cleanups = [];
    this.closed = false;
    /** Rejects when the launcher must stop early: a signal or the global timeout. */
    this.aborted = new Promise((_, reject) => (this.abort = reject));
    this.aborted.catch(() => {}); // observed by whoever races against it
    this.timer = undefined;
    if (timeoutMs) {
      this.timer = setTimeout(
        () => this.abort(new AbortedError(`${name}: timed out after ${Math.round(timeoutMs / 1000)}s`, 124)),
        timeoutMs,
      );
    }
    let signals = 0;
    /** @type {Array<[NodeJS.Signals, number]>} */
    const exits = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]];
    for (const [sig, code] of exits) {
      process.on(sig, () => {
        signals++;
        if (signals === 1) this.abort(new AbortedError(`${name}: ${sig}, shutting down`, code));
        // A second Ctrl-C while cleaning up: give up waiting, the 'exit' hooks kill what is left.
        else process.exit(code);
      });
    }
  }

  /** Registers `fn` to run when the launcher ends (last registered runs first). */
  defer(what, fn) {
    this.cleanups.push({ what, fn });
  }

  /** Races `promise` against a signal or the timeout. */
  race(promise) {
    return Promise.race([promise, this.aborted]);
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    while (this.cleanups.length > 0) {
      const { what, fn } = /** @type {{ what: string, fn: () => unknown }} */ (this.cleanups.pop());
      try {
        await Promise.race([
          Promise.resolve().then(fn),
          new Promise((_, reject) => setTimeout(() => reject(new Error('took more than 30s')), 30000)),
        ]);
      } catch (err) {
        console.error(`${this.name}: cleanup '${what}' failed: ${/** @type {Error} */ (err).message}`);
      }
    }
  }

  /**
   * Runs `main` (which resolves to an exit status), then the cleanups, then exits.
   * @param {() => Promise<number>} main
   */
  async run(main) {
    let status = 1;
    try {
      status = await this.race(main());
    } catch (err) {
      if (err instanceof SetupError || err instanceof AbortedError) {
        console.error(err.message);
        status = err instanceof AbortedError ? err.status : 2;
      } else {
        console.error(`${this.name}: ${/** @type {Error} */ (err)?.stack ?? err}`);
        status = 1;
      }
    }
    await this.close();
    process.exit(status);
  }
}

/** The launcher was stopped from outside (signal) or by its own global timeout. */
class AbortedError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

module.exports = { Lifetime, AbortedError };
