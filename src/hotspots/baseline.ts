// Baseline per cell and hour of day: what a cell's users at risk and expected complaints usually are at this
// hour. An EWMA follows slow drift; a warm-up prior keeps a fresh cell from alerting on its first busy hour.
// Cells inside an incident are not learnt from (the caller skips them), so an incident never becomes normal.

export const HOURS_PER_DAY = 24;

export interface BaselineConfig {
  /** EWMA weight of a new observation once warmed up (≈ 1 / memory in observations). */
  alpha: number;
  /** Prior mean of at-risk users per cell-window before a cell has history. */
  priorUsersAtRisk: number;
  /** Prior mean of expected complaints per cell-window. */
  priorExpectedComplaints: number;
  /** Weight of the prior, in pseudo-observations. */
  priorWeight: number;
  /** Pseudo-observations of the outside (network or constant) prior against a cell's own all-hours mean. */
  networkPriorWeight?: number;
}

export interface BaselineState {
  nCells: number;
  atRisk: number[];
  expected: number[];
  count: number[];
  cellAtRisk: number[];
  cellExpected: number[];
  cellCount: number[];
  users: number[];
  cellUsers: number[];
}

export class CellHourBaseline {
  // [cell * 24 + hour]
  private readonly atRisk: Float64Array;
  private readonly expected: Float64Array;
  private readonly count: Float64Array;
  // All hours of a cell: the prior of an hour the cell has not been seen at yet.
  private readonly cellAtRisk: Float64Array;
  private readonly cellExpected: Float64Array;
  private readonly cellCount: Float64Array;
  // Users scored per cell: a crowd (event congestion) shows as a cell far busier than usual.
  private readonly users: Float64Array;
  private readonly cellUsers: Float64Array;

  constructor(
    readonly nCells: number,
    private readonly config: BaselineConfig,
  ) {
    this.atRisk = new Float64Array(nCells * HOURS_PER_DAY);
    this.expected = new Float64Array(nCells * HOURS_PER_DAY);
    this.count = new Float64Array(nCells * HOURS_PER_DAY);
    this.cellAtRisk = new Float64Array(nCells);
    this.cellExpected = new Float64Array(nCells);
    this.cellCount = new Float64Array(nCells);
    this.users = new Float64Array(nCells * HOURS_PER_DAY);
    this.cellUsers = new Float64Array(nCells);
  }

  /** Usual users scored in a cell at an hour; NaN while the cell has no history at all (no evidence). */
  usersScored(cell: number, hour: number): number {
    const i = cell * HOURS_PER_DAY + hour;
    if (this.count[i] > 0) return this.users[i];
    return this.cellCount[cell] > 0 ? this.cellUsers[cell] : Number.NaN;
  }

  /** Whether the cell has been observed at any hour: before that its prior comes from outside (cold start). */
  hasHistory(cell: number): boolean {
    return this.cellCount[cell] > 0;
  }

  private priorAtRisk(cell: number, coldPrior: number | undefined): number {
    return this.shrink(cell, this.cellAtRisk[cell], coldPrior ?? this.config.priorUsersAtRisk);
  }

  private priorExpected(cell: number, coldPrior: number | undefined): number {
    return this.shrink(cell, this.cellExpected[cell], coldPrior ?? this.config.priorExpectedComplaints);
  }

  /**
   * A young cell's own mean is a few noisy counts: shrink it towards the outside prior (the network's rate for
   * its users, or the constant) with networkPriorWeight pseudo-observations, so one quiet first window does not
   * make the next normal one look like an incident.
   */
  private shrink(cell: number, own: number, outside: number): number {
    const m = this.cellCount[cell];
    const w0 = this.config.networkPriorWeight ?? 0;
    if (m === 0) return outside;
    return w0 > 0 ? (m * own + w0 * outside) / (m + w0) : own;
  }

  /**
   * Baseline mean of at-risk users for a cell at an hour, blended with the prior while history is short. The
   * prior is the cell's all-hours mean once it has one; before, `coldPrior` (e.g. what the network's other cells
   * show for as many users), else the configured constant.
   */
  usersAtRisk(cell: number, hour: number, coldPrior?: number): number {
    const i = cell * HOURS_PER_DAY + hour;
    const n = this.count[i];
    const w = this.priorWeightOf(cell);
    return (n * this.atRisk[i] + w * this.priorAtRisk(cell, coldPrior)) / (n + w);
  }

  expectedComplaints(cell: number, hour: number, coldPrior?: number): number {
    const i = cell * HOURS_PER_DAY + hour;
    const n = this.count[i];
    const w = this.priorWeightOf(cell);
    return (n * this.expected[i] + w * this.priorExpected(cell, coldPrior)) / (n + w);
  }

  /**
   * A young cell's hour slot holds one or two noisy counts: the prior weighs more until the cell has history
   * (priorWeight × (1 + networkPriorWeight / (observations + 1)), back to priorWeight as it matures).
   */
  private priorWeightOf(cell: number): number {
    const w0 = this.config.networkPriorWeight ?? 0;
    return this.config.priorWeight * (1 + w0 / (this.cellCount[cell] + 1));
  }

  /** Learns one normal observation. The step is 1/(n+1) until 1/alpha observations, then alpha (an EWMA). */
  observe(cell: number, hour: number, usersAtRisk: number, expectedComplaints: number, usersScored = 0): void {
    const i = cell * HOURS_PER_DAY + hour;
    const memory = 1 / this.config.alpha;
    const step = Math.max(this.config.alpha, 1 / (this.count[i] + 1));
    this.atRisk[i] += step * (usersAtRisk - this.atRisk[i]);
    this.expected[i] += step * (expectedComplaints - this.expected[i]);
    this.users[i] += step * (usersScored - this.users[i]);
    if (this.count[i] < memory) this.count[i] += 1;
    const cellStep = Math.max(this.config.alpha / HOURS_PER_DAY, 1 / (this.cellCount[cell] + 1));
    this.cellAtRisk[cell] += cellStep * (usersAtRisk - this.cellAtRisk[cell]);
    this.cellExpected[cell] += cellStep * (expectedComplaints - this.cellExpected[cell]);
    this.cellUsers[cell] += cellStep * (usersScored - this.cellUsers[cell]);
    if (this.cellCount[cell] < memory * HOURS_PER_DAY) this.cellCount[cell] += 1;
  }

  snapshot(): BaselineState {
    return {
      nCells: this.nCells,
      atRisk: [...this.atRisk],
      expected: [...this.expected],
      count: [...this.count],
      cellAtRisk: [...this.cellAtRisk],
      cellExpected: [...this.cellExpected],
      cellCount: [...this.cellCount],
      users: [...this.users],
      cellUsers: [...this.cellUsers],
    };
  }

  restore(state: BaselineState): void {
    if (state.nCells !== this.nCells) throw new Error(`baseline snapshot has ${state.nCells} cells, topology has ${this.nCells}`);
    this.atRisk.set(state.atRisk);
    this.expected.set(state.expected);
    this.count.set(state.count);
    this.cellAtRisk.set(state.cellAtRisk);
    this.cellExpected.set(state.cellExpected);
    this.cellCount.set(state.cellCount);
    this.users.set(state.users);
    this.cellUsers.set(state.cellUsers);
  }
}
