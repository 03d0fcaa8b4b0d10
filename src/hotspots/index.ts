// Public face of the hotspot stage. Per closed window: detector.onWindow(scoredWindow) → AlertEvent[];
// at the end of a finite input: detector.finish(). Replay metrics: evaluateHotspots(...).
export { HotspotDetector, distanceKm, type DetectorSnapshot, type DetectorStats } from './detector.js';
export { detectorConfigSchema, parseDetectorConfig, type DetectorConfig, type DetectorConfigInput } from './detector-config.js';
export * from './alert.js';
export { DOMAIN_RULES, FAULT_DOMAINS, domainOfFeature, mapFeatureDomains, type DomainRule, type FaultDomain } from './cause-domains.js';
export {
  alertSpans,
  complaintHotspots,
  evaluateHotspots,
  evaluationConfigSchema,
  userLevelMetrics,
  type AlertSpan,
  type ComplaintHotspot,
  type EvaluateInput,
  type EvaluationConfigInput,
  type HotspotMetrics,
  type HotspotOutcome,
  type InjectedFault,
  type UserLevelMetrics,
} from './evaluation.js';
export type { ScoredWindow } from './scored-window.js';
