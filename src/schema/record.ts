// The S1 record (DESIGN.md §3): one row per XDR, 7 key columns and 30 experience fields.
// This file is the single source of truth for column names, types and fixed vocabularies; every
// source, writer and feature kernel reads its layout from here.
import {
  Dictionary,
  Field,
  Int8,
  Int32,
  Int64,
  Schema,
  Utf8,
  type DataType,
} from 'apache-arrow';

export const INTERFACES = ['s1mme', 's1u'] as const;
export type InterfaceName = (typeof INTERFACES)[number];

export const PROCEDURE_TYPES = [
  'attach',
  'detach',
  'tau',
  'service_request',
  'extended_service_request',
  'paging',
  'pdn_connect',
  'erab_setup',
  'erab_release',
  'ue_context_release',
  'x2_handover',
  's1_handover_out',
  's1_handover_in',
] as const;
export type ProcedureType = (typeof PROCEDURE_TYPES)[number];

export const S1AP_CAUSE_GROUPS = ['radioNetwork', 'transport', 'nas', 'protocol', 'misc'] as const;
export type S1apCauseGroup = (typeof S1AP_CAUSE_GROUPS)[number];

export const APP_TYPES = ['http', 'https', 'dns', 'video', 'im', 'game', 'other'] as const;
export type AppType = (typeof APP_TYPES)[number];

/** How a column is held in memory and on the wire. */
export type ColumnKind =
  | 'utf8' // free text (ids, apn)
  | 'enum' // string with a fixed vocabulary: Dictionary<Utf8, Int8> with a fixed dictionary id
  | 'int32'
  | 'int64'; // epoch ms, bytes, cell ids: exact in a float64 up to 2^53

/** Which plane fills a column: S1-MME fields are null on S1-U rows and the other way round. */
export type Plane = 'key' | 's1mme' | 's1u' | 'both';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly plane: Plane;
  /** Fixed vocabulary for `enum` columns; the index is the in-memory code. */
  readonly vocabulary?: readonly string[];
  /** Fixed Arrow dictionary id for `enum` columns (apache-arrow's stream writer needs stable ids). */
  readonly dictionaryId?: number;
}

const col = (
  name: string,
  kind: ColumnKind,
  plane: Plane,
  nullable = true,
  vocabulary?: readonly string[],
  dictionaryId?: number,
): ColumnSpec => ({ name, kind, nullable, plane, vocabulary, dictionaryId });

/** The 37 columns in contract order. */
export const S1_COLUMNS: readonly ColumnSpec[] = [
  col('xdr_id', 'utf8', 'key', false),
  col('interface', 'enum', 'key', false, INTERFACES, 0),
  col('imsi', 'utf8', 'key', false),
  col('msisdn', 'utf8', 'key'),
  col('imei', 'utf8', 'key'),
  col('start_time', 'int64', 'key', false),
  col('end_time', 'int64', 'key'),
  col('tac', 'int32', 'both'),
  col('eci', 'int64', 'both'),
  col('other_eci', 'int64', 's1mme'),
  col('mme_code', 'int32', 's1mme'),
  col('procedure_type', 'enum', 's1mme', true, PROCEDURE_TYPES, 1),
  col('procedure_status', 'int32', 's1mme'),
  col('request_cause', 'int32', 's1mme'),
  col('keyword', 'int32', 's1mme'),
  col('emm_cause', 'int32', 's1mme'),
  col('esm_cause', 'int32', 's1mme'),
  col('s1ap_cause_group', 'enum', 's1mme', true, S1AP_CAUSE_GROUPS, 2),
  col('s1ap_cause', 'int32', 's1mme'),
  col('apn', 'utf8', 'both'),
  col('bearer_qci', 'int32', 'both'),
  col('bearer_status', 'int32', 's1mme'),
  col('app_type', 'enum', 's1u', true, APP_TYPES, 3),
  col('l4_protocol', 'int32', 's1u'),
  col('ul_bytes', 'int64', 's1u'),
  col('dl_bytes', 'int64', 's1u'),
  col('ul_packets', 'int32', 's1u'),
  col('dl_packets', 'int32', 's1u'),
  col('ul_retrans_packets', 'int32', 's1u'),
  col('dl_retrans_packets', 'int32', 's1u'),
  col('tcp_syn_ack_delay_ms', 'int32', 's1u'),
  col('tcp_ack_delay_ms', 'int32', 's1u'),
  col('tcp_syn_attempts', 'int32', 's1u'),
  col('tcp_conn_status', 'int32', 's1u'),
  col('first_response_delay_ms', 'int32', 's1u'),
  col('http_status', 'int32', 's1u'),
  col('dns_rcode', 'int32', 's1u'),
];

export type S1ColumnName = (typeof S1_COLUMNS)[number]['name'];

export const S1_COLUMN_NAMES: readonly string[] = S1_COLUMNS.map((c) => c.name);
export const S1_COLUMN_INDEX: ReadonlyMap<string, number> = new Map(S1_COLUMNS.map((c, i) => [c.name, i]));
export const REQUIRED_COLUMNS: readonly string[] = S1_COLUMNS.filter((c) => !c.nullable).map((c) => c.name);

export function columnSpec(name: string): ColumnSpec {
  const i = S1_COLUMN_INDEX.get(name);
  if (i === undefined) throw new Error(`unknown S1 column '${name}'`);
  return S1_COLUMNS[i];
}

/** Enum dictionaries are built once so every batch shares the same dictionary vector and id. */
const enumTypes = new Map<string, Dictionary<Utf8, Int8>>();

export function arrowTypeOf(spec: ColumnSpec): DataType {
  switch (spec.kind) {
    case 'utf8':
      return new Utf8();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'enum': {
      let t = enumTypes.get(spec.name);
      if (!t) {
        t = new Dictionary(new Utf8(), new Int8(), spec.dictionaryId ?? null, false);
        enumTypes.set(spec.name, t);
      }
      return t;
    }
  }
}

/** The canonical in-memory Arrow schema of an S1 batch. */
export const S1_SCHEMA: Schema = new Schema(
  S1_COLUMNS.map((c) => new Field(c.name, arrowTypeOf(c), c.nullable)),
);

/** Enum vocabulary lookup: string → code, or -1 when the value is not in the vocabulary. */
export function enumCode(spec: ColumnSpec, value: string): number {
  const vocab = spec.vocabulary;
  if (!vocab) throw new Error(`column '${spec.name}' is not an enum`);
  return vocab.indexOf(value);
}
