// Local named codes the simulator emits (DOMAIN.md §3); the vocabulary positions come from record.ts.
import { APP_TYPES, PROCEDURE_TYPES, S1AP_CAUSE_GROUPS } from '../../schema/record.js';

const proc = (name: (typeof PROCEDURE_TYPES)[number]) => PROCEDURE_TYPES.indexOf(name);
const group = (name: (typeof S1AP_CAUSE_GROUPS)[number]) => S1AP_CAUSE_GROUPS.indexOf(name);
const app = (name: (typeof APP_TYPES)[number]) => APP_TYPES.indexOf(name);

/** procedure_type vocabulary codes; S1U marks a user-plane session. */
export const P = {
  S1U: -1,
  ATTACH: proc('attach'),
  DETACH: proc('detach'),
  TAU: proc('tau'),
  SERVICE_REQUEST: proc('service_request'),
  PAGING: proc('paging'),
  PDN_CONNECT: proc('pdn_connect'),
  ERAB_SETUP: proc('erab_setup'),
  UE_CONTEXT_RELEASE: proc('ue_context_release'),
  X2_HANDOVER: proc('x2_handover'),
  S1_HANDOVER_OUT: proc('s1_handover_out'),
  S1_HANDOVER_IN: proc('s1_handover_in'),
} as const;

export const STATUS = { SUCCESS: 0, FAILURE: 1, TIMEOUT: 2, ABNORMAL: 3 } as const;

export const RRC = { MT_ACCESS: 2, MO_SIGNALLING: 3, MO_DATA: 4, MO_VOICE: 6 } as const;

export const EMM = { ESM_FAILURE: 19, NETWORK_FAILURE: 17, CONGESTION: 22, PROTOCOL_ERROR: 111 } as const;

export const ESM = { INSUFFICIENT_RESOURCES: 26, UNKNOWN_APN: 27, REJECTED_BY_GW: 30, REJECTED_UNSPECIFIED: 31, NOT_SUBSCRIBED: 33, OUT_OF_ORDER: 34, QOS_NOT_ACCEPTED: 37, NETWORK_FAILURE: 38 } as const;
/** ESM causes of a failing PGW (DOMAIN.md §4). */
export const PGW_ESM_CAUSES = [26, 27, 30, 31, 34, 38];
/** ESM causes of a wrong APN / QoS profile after a cut-over. */
export const MISCONFIG_ESM_CAUSES = [27, 33, 37];

export const GROUP = {
  RADIO: group('radioNetwork'),
  TRANSPORT: group('transport'),
  NAS: group('nas'),
  PROTOCOL: group('protocol'),
  MISC: group('misc'),
} as const;

/** S1AP radioNetwork causes. */
export const RADIO = {
  UNSPECIFIED: 0,
  CELL_NOT_AVAILABLE: 10,
  NO_RADIO_RESOURCES_IN_TARGET: 12,
  HANDOVER_DESIRABLE: 16,
  REDUCE_LOAD: 19,
  USER_INACTIVITY: 20,
  RADIO_CONNECTION_LOST: 21,
  RADIO_RESOURCES_NOT_AVAILABLE: 25,
  RADIO_INTERFACE_FAILURE: 26,
  RELOC_PREP_EXPIRY: 8,
} as const;
export const NAS_DETACH = 2;
export const MISC_OVERLOAD = 0;
export const TRANSPORT_RESOURCE_UNAVAILABLE = 0;

export const APP = {
  HTTP: app('http'),
  HTTPS: app('https'),
  DNS: app('dns'),
  VIDEO: app('video'),
  IM: app('im'),
  GAME: app('game'),
  OTHER: app('other'),
} as const;

export const APN = { CMNET: 0, IMS: 1 } as const;
export const APN_NAMES = ['cmnet', 'ims'] as const;
