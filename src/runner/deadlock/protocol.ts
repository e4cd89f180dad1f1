// TypeScript twin of src/agent/mpscope_agent/protocol/deadlock.json (checked by a unit test),
// and the layout of the agent's per-process state files, read from that same JSON file.
import type { FieldMap, RequestSpec } from '../protocol/fields';
import deadlockJson from '../../agent/mpscope_agent/protocol/deadlock.json';

export const DEADLOCK_MESSAGES = {} as const satisfies Record<string, FieldMap>;

export const DEADLOCK_REQUESTS = {
  dump_stacks: {
    fields: {},
    reply: { threads: 'array', held: 'array?', pid: 'integer?', userThreads: 'integer?' },
  },
} as const satisfies Record<string, RequestSpec>;

/** The state file layout (deadlock.json "stateFile"): the one definition both sides read. */
export const STATE_FILE = deadlockJson.stateFile;

/** Wait operations by their number in a wait record. */
export const WAIT_OPS: Readonly<Record<number, WaitOp>> = Object.fromEntries(
  Object.entries(STATE_FILE.waitOps).map(([k, v]) => [Number(k), v as WaitOp]),
);

export type WaitOp =
  | 'lock'
  | 'queue-get'
  | 'queue-put'
  | 'recv'
  | 'process-join'
  | 'thread-join'
  | 'event-wait'
  | 'condition-wait'
  | 'barrier-wait'
  | 'queue-join'
  | 'pool-result'
  | 'proxy-call';
