// Waiting for the end of a run's channels: its agents' connections (channel.ts) and its output
// pipes (session.ts) close once its processes are gone; a bound keeps a stuck one from holding
// the report back.
import type { EventEmitter } from 'events';

/** Resolves when every one of `emitters` has emitted 'close', or after timeoutMs. */
export function allClosed(emitters: ReadonlyArray<Pick<EventEmitter, 'once'>>, timeoutMs: number): Promise<void> {
  if (emitters.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, timeoutMs));
    let left = emitters.length;
    for (const e of emitters) {
      e.once('close', () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
