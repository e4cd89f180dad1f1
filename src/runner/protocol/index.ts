// The agent protocol: every module's messages and requests, their types, and validation of
// what arrives on the socket against the JSON spec (the JSON files are the single definition;
// the const maps imported here are their checked TypeScript twins).
import coreJson from '../../agent/mpscope_agent/protocol/core.json';
import lifecycleJson from '../../agent/mpscope_agent/protocol/lifecycle.json';
import supervisorJson from '../../agent/mpscope_agent/protocol/supervisor.json';
import deadlockJson from '../../agent/mpscope_agent/protocol/deadlock.json';
import { CORE_MESSAGES, CORE_REQUESTS } from './core';
import { LIFECYCLE_MESSAGES, LIFECYCLE_REQUESTS } from './lifecycle';
import { SUPERVISOR_MESSAGES, SUPERVISOR_REQUESTS } from './supervisor';
import { DEADLOCK_MESSAGES, DEADLOCK_REQUESTS } from '../deadlock/protocol';
import type { FieldMap, FieldsOf, MessagesOf } from './fields';

export * from './fields';
export { ENV, WAKE_SIGNAL } from './core';

/** The protocol JSON files, as loaded (what the Python side loads too). */
export const PROTOCOL_FILES: ReadonlyArray<{
  module: string;
  messages: Record<string, { fields: Record<string, string> }>;
  requests: Record<string, { fields: Record<string, string>; reply: Record<string, string> }>;
}> = [coreJson, lifecycleJson, supervisorJson, deadlockJson] as never;

/** TypeScript twins per module (the test compares them with PROTOCOL_FILES). */
export const TS_MODULES = {
  core: { messages: CORE_MESSAGES, requests: CORE_REQUESTS },
  lifecycle: { messages: LIFECYCLE_MESSAGES, requests: LIFECYCLE_REQUESTS },
  supervisor: { messages: SUPERVISOR_MESSAGES, requests: SUPERVISOR_REQUESTS },
  deadlock: { messages: DEADLOCK_MESSAGES, requests: DEADLOCK_REQUESTS },
} as const;

export const MESSAGES = {
  ...CORE_MESSAGES,
  ...LIFECYCLE_MESSAGES,
  ...SUPERVISOR_MESSAGES,
  ...DEADLOCK_MESSAGES,
} as const;
export const REQUESTS = {
  ...CORE_REQUESTS,
  ...LIFECYCLE_REQUESTS,
  ...SUPERVISOR_REQUESTS,
  ...DEADLOCK_REQUESTS,
} as const;

export type MessageKind = keyof typeof MESSAGES;
/** Any message an agent or the supervisor sends. */
export type AgentMessage = MessagesOf<typeof MESSAGES>;
/** The message of one kind. */
export type Msg<K extends MessageKind> = Extract<AgentMessage, { t: K }>;
export type RequestKind = keyof typeof REQUESTS;
/** The `data` of a successful reply to a request kind. */
export type ReplyData<K extends RequestKind> = FieldsOf<(typeof REQUESTS)[K]['reply']>;
export type RequestFields<K extends RequestKind> = FieldsOf<(typeof REQUESTS)[K]['fields']>;

const SPEC: Record<string, Record<string, string>> = {};
for (const file of PROTOCOL_FILES) {
  for (const [kind, spec] of Object.entries(file.messages)) SPEC[kind] = spec.fields;
}

function typeOk(ftype: string, v: unknown): boolean {
  const optional = ftype.endsWith('?');
  const base = optional ? ftype.slice(0, -1) : ftype;
  if (v === null || v === undefined) return optional;
  switch (base) {
    case 'any':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && !Array.isArray(v);
    case 'location':
      return isLocation(v);
    case 'locations':
      return Array.isArray(v) && v.every(isLocation);
    default:
      return false;
  }
}

function isLocation(v: unknown): boolean {
  const o = v as Record<string, unknown>;
  return typeof v === 'object' && v !== null && typeof o.file === 'string' && Number.isInteger(o.line);
}

/**
 * Checks a parsed line against the JSON spec. Returns the message, typed, or an error string.
 * Unknown fields are errors too: both ends must agree exactly.
 */
export function validateMessage(raw: unknown): { msg: AgentMessage } | { error: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'not an object' };
  const o = raw as Record<string, unknown>;
  const kind = o.t;
  if (typeof kind !== 'string' || !(kind in SPEC)) return { error: `unknown message kind ${JSON.stringify(kind)}` };
  if (typeof o.ts !== 'number') return { error: `${kind}: missing ts` };
  const fields = SPEC[kind];
  for (const [key, value] of Object.entries(o)) {
    if (key === 't' || key === 'ts') continue;
    const ftype = fields[key];
    if (ftype === undefined) return { error: `${kind}: unknown field ${key}` };
    if (!typeOk(ftype, value)) return { error: `${kind}.${key}: ${JSON.stringify(value)} is not ${ftype}` };
  }
  for (const [key, ftype] of Object.entries(fields)) {
    if (!(key in o) && !ftype.endsWith('?')) return { error: `${kind}: missing field ${key}` };
  }
  return { msg: o as AgentMessage };
}

export type { FieldMap };
