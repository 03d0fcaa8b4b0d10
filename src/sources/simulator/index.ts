// The network simulator: a synthetic city (topology, subscribers, faults) that yields S1 records as Arrow
// batches in event-time order, plus complaints and the ground truth. Used by `hotspot simulate` and as the
// live source of `hotspot run`.
export { createCity, locate, diurnal, SLOT_MS, CityConfigSchema, type City, type CityConfig, type CityConfigInput } from './city.js';
export { simulateRecords, SpentBatches, BUSY_HOUR_RATES, TICK_MS, type SimulateOptions } from './records.js';
export {
  simulateComplaints,
  simulateComplaintDetails,
  faultImpacts,
  complaintProbability,
  complaintDelayMedian,
  type FaultImpact,
  type SimComplaint,
} from './complaints.js';
export { buildTruth, type Truth, type TruthFault } from './truth.js';
export {
  BUILTIN_SCENARIOS,
  FAULT_TYPES,
  FAULT_DOMAIN,
  ScenarioSchema,
  FaultSpecSchema,
  loadScenario,
  faultIntensity,
  type Fault,
  type FaultType,
  type Scenario,
} from './scenario.js';
export { subscriberRows, luhnValid, luhnDigit, DEVICE_MODELS, type SubscriberTable } from './subscribers.js';
export { NEIGHBOURS, type CityNetwork } from './topology.js';
