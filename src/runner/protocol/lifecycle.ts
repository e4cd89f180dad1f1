// TypeScript twin of src/agent/mpscope_agent/protocol/lifecycle.json (checked by a unit test).
import type { FieldMap, RequestSpec } from './fields';

export const LIFECYCLE_MESSAGES = {
  process_start: {
    child: 'integer',
    by: 'integer',
    began: 'number',
    name: 'string',
    daemon: 'boolean',
    kind: 'string',
    target: 'string?',
    startMethod: 'string?',
    owner: 'string?',
    site: 'location?',
  },
  fork: { child: 'integer', site: 'location?' },
  popen: { child: 'integer', args: 'array', site: 'location?' },
  join: {
    child: 'integer',
    timeout: 'number?',
    exitcode: 'integer?',
    began: 'number',
    atExit: 'boolean',
    site: 'location?',
  },
  control: { op: 'string', child: 'integer', atExit: 'boolean', site: 'location?' },
  reaped: { child: 'integer', exitcode: 'integer?', signal: 'integer?', atExit: 'boolean', site: 'location?' },
  owner: { op: 'string', id: 'string', type: 'string', atExit: 'boolean', site: 'location?' },
  exception: { where: 'string', type: 'string', message: 'string', frames: 'locations', site: 'location?' },
  exit: { how: 'string', code: 'integer?', site: 'location?' },
  shm: { op: 'string', name: 'string', size: 'integer?', site: 'location?' },
} as const satisfies Record<string, FieldMap>;

export const LIFECYCLE_REQUESTS = {} as const satisfies Record<string, RequestSpec>;
