// TypeScript twin of src/agent/mpscope_agent/protocol/supervisor.json (checked by a unit test).
import type { FieldMap, RequestSpec } from './fields';

export const SUPERVISOR_MESSAGES = {
  sup_started: { child: 'integer', argv: 'array', subreaper: 'boolean', maxProcesses: 'integer' },
  sup_proc: { pid: 'integer', ppid: 'integer', state: 'string', comm: 'string', argv: 'array?', agentEnv: 'boolean?' },
  sup_gone: { pid: 'integer' },
  sup_reaped: { pid: 'integer', exitcode: 'integer?', signal: 'integer?', adopted: 'boolean' },
  sup_limit: { count: 'integer', max: 'integer' },
  sup_stopping: { reason: 'string', pids: 'array' },
  sup_done: { killed: 'array' },
} as const satisfies Record<string, FieldMap>;

export const SUPERVISOR_REQUESTS = {
  stop: { fields: { graceMs: 'integer' }, reply: { pids: 'array' } },
  signal: { fields: { signal: 'integer' }, reply: { pids: 'array' } },
} as const satisfies Record<string, RequestSpec>;
