// Public face of care outreach: planner.onAlertEvent(event, detector.affectedUsers(id)) → ranked messages;
// export with writeOutreachCsv / writeOutreachParquet. maskIdentifier/createMasker is the one masking function.
export { OutreachPlanner, outreachConfigSchema, SUPPRESSION_REASONS, type OutreachConfigInput, type OutreachPlan, type OutreachSnapshot } from './care-list.js';
export { outreachCsv, writeOutreachCsv, writeOutreachParquet, OUTREACH_COLUMNS } from './export.js';
export { createMasker, maskIdentifier, maskKeyFromEnv, partiallyMaskedImsi, type Masker } from './masking.js';
export * from './outreach-message.js';
