// Field-type vocabulary of the agent protocol (src/agent/mpscope_agent/protocol/*.json), and
// the TypeScript types derived from it. A message map is written once per module as a const
// object mirroring its JSON file; the unit test test/unit/runner/protocol.test.ts checks that
// the two agree field by field, and the message types below are derived from the const maps.

export type BaseFieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'array'
  | 'object'
  | 'location'
  | 'locations'
  | 'any';
export type FieldType = BaseFieldType | `${BaseFieldType}?`;
export type FieldMap = Readonly<Record<string, FieldType>>;

/** A source location in the user's code, as the agent sends it. */
export interface AgentLocation {
  file: string;
  line: number;
  function?: string;
  /** Stack frames only: the frame is in the user's code. */
  user?: boolean;
}

type TsOf<T extends string> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'array'
        ? unknown[]
        : T extends 'object'
          ? Record<string, unknown>
          : T extends 'location'
            ? AgentLocation
            : T extends 'locations'
              ? AgentLocation[]
              : unknown;

type RequiredKeys<F> = { [K in keyof F]: F[K] extends `${string}?` ? never : K }[keyof F];
type OptionalKeys<F> = { [K in keyof F]: F[K] extends `${string}?` ? K : never }[keyof F];
type Base<T> = T extends `${infer B}?` ? B : T;

/** The fields of a message, typed from its field map. Optional fields may be null or absent. */
export type FieldsOf<F> = { [K in RequiredKeys<F>]: TsOf<F[K] & string> } & {
  [K in OptionalKeys<F>]?: TsOf<Base<F[K]> & string> | null;
};

/** Every message carries its kind and the sender's clock (epoch ms). */
export type Envelope<K extends string> = { t: K; ts: number };

/** The messages of a map, as a discriminated union on `t`. */
export type MessagesOf<M extends Record<string, FieldMap>> = {
  [K in keyof M & string]: Envelope<K> & FieldsOf<M[K]>;
}[keyof M & string];

/** A request: its fields, and the fields of its reply's `data`. */
export interface RequestSpec {
  fields: FieldMap;
  reply: FieldMap;
}
