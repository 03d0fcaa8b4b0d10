// Side files of DESIGN.md §3: topology, complaints, subscribers. Readers live in src/sources/files;
// these types are what every stage receives.

/** One cell of topology.csv: `eci,enb_id,tac,cell_name,region,lat,lon`. */
export interface Cell {
  eci: number;
  enbId: number;
  tac: number;
  cellName: string;
  region: string;
  lat: number;
  lon: number;
}

export interface Topology {
  cells: Cell[];
  /** Distinct region names, sorted; a region index is a position in this list. */
  regions: string[];
  /** eci → position in `cells`. */
  cellIndex: Map<number, number>;
  /** eci → region index (same order as `regions`). */
  regionOfCell: Map<number, number>;
}

export const COMPLAINT_CATEGORIES = ['no_signal', 'cannot_connect', 'slow_data', 'call_drop', 'voice', 'other'] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

/** One row of complaints.csv: `complaint_id,time,msisdn,category[,region]`. */
export interface Complaint {
  complaintId: string;
  /** epoch ms */
  time: number;
  msisdn: string;
  category: ComplaintCategory;
  region?: string;
}

/** One row of subscribers.csv: `imsi,msisdn,vip_level,opt_out`. */
export interface Subscriber {
  imsi: string;
  msisdn: string;
  /** 0 = not VIP; higher is more valuable. */
  vipLevel: number;
  optOut: boolean;
}

export function buildTopology(cells: Cell[]): Topology {
  const regions = [...new Set(cells.map((c) => c.region))].sort();
  const regionPos = new Map(regions.map((r, i) => [r, i]));
  const cellIndex = new Map<number, number>();
  const regionOfCell = new Map<number, number>();
  cells.forEach((c, i) => {
    cellIndex.set(c.eci, i);
    regionOfCell.set(c.eci, regionPos.get(c.region)!);
  });
  return { cells, regions, cellIndex, regionOfCell };
}
