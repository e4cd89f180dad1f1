// TypeScript twin of src/agent/mpscope_agent/protocol/deadlock.json (checked by a unit test).
// Owned by the deadlock engineer (issue 5): add message kinds here and in deadlock.json.
import type { FieldMap, RequestSpec } from '../protocol/fields';

export const DEADLOCK_MESSAGES = {} as const satisfies Record<string, FieldMap>;

export const DEADLOCK_REQUESTS = {
  dump_stacks: { fields: {}, reply: { threads: 'array' } },
} as const satisfies Record<string, RequestSpec>;
