// Vendor code map: probes from different vendors encode procedure types, interfaces, statuses and S1AP cause
// groups as numbers. This map turns those numbers into hotspot's vocabularies (DESIGN.md §3). It is a JSON file
// validated with zod; DEFAULT_VENDOR_CODES documents the encoding hotspot itself uses when none is given.
// A copy of the default to start a vendor map from: src/schema/vendor-codes.default.json (a test keeps it equal).
// A code that is not in the map is never guessed: the row is dead-lettered with reason "unmapped <column>".
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { INTERFACES, PROCEDURE_TYPES, S1AP_CAUSE_GROUPS } from './record.js';
import { PROCEDURE_STATUS_NAMES } from './codes.js';

/** The columns whose numeric vendor codes are mapped. */
export const VENDOR_MAPPED_COLUMNS = ['interface', 'procedure_type', 'procedure_status', 's1ap_cause_group'] as const;
export type VendorMappedColumn = (typeof VENDOR_MAPPED_COLUMNS)[number];

const codeKey = z.string().regex(/^-?\d+$/, 'vendor codes are integers written as JSON keys, e.g. "1"');
const nameMap = <T extends readonly [string, ...string[]]>(vocab: T) => z.record(codeKey, z.enum(vocab));

/** The JSON file format: `{ "name": "...", "interface": { "1": "s1mme" }, ... }`; every section optional. */
export const VendorCodeFileSchema = z
  .object({
    name: z.string().min(1).default('custom'),
    description: z.string().optional(),
    interface: nameMap(INTERFACES as unknown as readonly [string, ...string[]]).optional(),
    procedure_type: nameMap(PROCEDURE_TYPES as unknown as readonly [string, ...string[]]).optional(),
    // A status maps to hotspot's 0..3 given either as the number or as its name ("timeout").
    procedure_status: z
      .record(codeKey, z.union([z.number().int().min(0).max(3), z.enum(['success', 'failure', 'timeout', 'abnormal'])]))
      .optional(),
    s1ap_cause_group: nameMap(S1AP_CAUSE_GROUPS as unknown as readonly [string, ...string[]]).optional(),
  })
  .strict();
export type VendorCodeFile = z.input<typeof VendorCodeFileSchema>;

/**
 * hotspot's default encoding (used by its own writers' readers and by the simulator):
 * - interface: 1 s1mme, 2 s1u (DESIGN.md §3);
 * - procedure_type: 1..13 in the order of PROCEDURE_TYPES (1 attach, 2 detach, 3 tau, 4 service_request,
 *   5 extended_service_request, 6 paging, 7 pdn_connect, 8 erab_setup, 9 erab_release, 10 ue_context_release,
 *   11 x2_handover, 12 s1_handover_out, 13 s1_handover_in);
 * - procedure_status: identity 0..3 (0 success, 1 failure/reject, 2 timeout, 3 abnormal);
 * - s1ap_cause_group: 0..4 in TS 36.413's CHOICE order (0 radioNetwork, 1 transport, 2 nas, 3 protocol, 4 misc).
 */
export const DEFAULT_VENDOR_CODE_FILE: VendorCodeFile = {
  name: 'default',
  description: 'hotspot default encoding',
  interface: { '1': 's1mme', '2': 's1u' },
  procedure_type: Object.fromEntries(PROCEDURE_TYPES.map((p, i) => [String(i + 1), p])),
  procedure_status: { '0': 0, '1': 1, '2': 2, '3': 3 },
  s1ap_cause_group: Object.fromEntries(S1AP_CAUSE_GROUPS.map((g, i) => [String(i), g])),
};

/** A compiled map: per column, vendor code → hotspot code (vocabulary index, or status 0..3). */
export class VendorCodeMap {
  readonly name: string;
  private readonly maps: Record<VendorMappedColumn, Map<number, number>>;

  private constructor(name: string, maps: Record<VendorMappedColumn, Map<number, number>>) {
    this.name = name;
    this.maps = maps;
  }

  /** Validates a parsed JSON value; sections that are left out keep the default mapping. */
  static fromJson(value: unknown): VendorCodeMap {
    const parsed = VendorCodeFileSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // zod reports a bad record key as "Invalid key in record"; say what a key must be instead.
      const message = issue.code === 'invalid_key' ? 'vendor codes are integers written as JSON keys, e.g. "1"' : issue.message;
      throw new Error(`vendor code map: ${issue.path.join('.') || '(root)'}: ${message}`);
    }
    const f = parsed.data;
    const d = DEFAULT_VENDOR_CODE_FILE;
    const vocabMap = (m: Record<string, string>, vocab: readonly string[]) =>
      new Map(Object.entries(m).map(([k, v]) => [Number(k), vocab.indexOf(v)]));
    return new VendorCodeMap(f.name, {
      interface: vocabMap(f.interface ?? d.interface!, INTERFACES),
      procedure_type: vocabMap(f.procedure_type ?? d.procedure_type!, PROCEDURE_TYPES),
      procedure_status: new Map(
        Object.entries(f.procedure_status ?? d.procedure_status!).map(([k, v]) => [
          Number(k),
          typeof v === 'number' ? v : PROCEDURE_STATUS_NAMES.indexOf(v),
        ]),
      ),
      s1ap_cause_group: vocabMap(f.s1ap_cause_group ?? d.s1ap_cause_group!, S1AP_CAUSE_GROUPS),
    });
  }

  static async load(path: string): Promise<VendorCodeMap> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new Error(`vendor code map ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`vendor code map ${path}: not valid JSON (${(e as Error).message})`);
    }
    try {
      return VendorCodeMap.fromJson(json);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }

  /** hotspot code for a vendor code, or -1 when the code is not mapped. */
  lookup(column: VendorMappedColumn, vendorCode: number): number {
    return this.maps[column].get(vendorCode) ?? -1;
  }

  /** Whether procedure_status needs translating at all (the default is the identity on 0..3). */
  get statusIsIdentity(): boolean {
    const m = this.maps.procedure_status;
    if (m.size !== 4) return false;
    for (let i = 0; i < 4; i++) if (m.get(i) !== i) return false;
    return true;
  }
}

export const DEFAULT_VENDOR_CODES: VendorCodeMap = VendorCodeMap.fromJson(DEFAULT_VENDOR_CODE_FILE);

/** The dead-letter reason for a code missing from the map. */
export function unmappedReason(column: VendorMappedColumn, code: number, map: VendorCodeMap): string {
  return `unmapped ${column}: vendor code ${code} is not in vendor code map '${map.name}'`;
}
