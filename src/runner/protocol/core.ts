// TypeScript twin of src/agent/mpscope_agent/protocol/core.json (checked by a unit test).
import type { FieldMap, RequestSpec } from './fields';

export const CORE_MESSAGES = {
  hello: {
    token: 'string',
    pid: 'integer',
    ppid: 'integer',
    role: 'string',
    helper: 'string?',
    mpName: 'string?',
    argv: 'array',
    executable: 'string',
    python: 'string',
    cwd: 'string',
    wakeSignal: 'integer?',
  },
  role: { role: 'string', helper: 'string?', mpName: 'string?' },
  reply: { id: 'integer', ok: 'boolean', data: 'object?', error: 'string?' },
  agent_error: { message: 'string' },
  dropped: { count: 'integer' },
} as const satisfies Record<string, FieldMap>;

export const CORE_REQUESTS = {
  ping: { fields: {}, reply: { pid: 'integer' } },
} as const satisfies Record<string, RequestSpec>;

/** core.json "env" and "wakeSignal". */
export const ENV = {
  socket: 'MPSCOPE_SOCKET',
  token: 'MPSCOPE_TOKEN',
  config: 'MPSCOPE_CONFIG',
  main: 'MPSCOPE_MAIN',
  supervise: 'MPSCOPE_SUPERVISE',
} as const;
export const WAKE_SIGNAL = 'SIGURG';
