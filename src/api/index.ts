// The API area's public face: the alert feed, the gRPC server and its backing interfaces, the Kafka sinks.
export * from './alert-event.js';
export {
  InMemoryAlertFeed,
  SequenceOutOfRangeError,
  SubscriberLaggedError,
  FeedClosedError,
  matchesFilter,
  type AlertFeed,
  type AlertQuery,
  type AlertFilter,
  type AlertState,
  type AlertSubscription,
  type AlertListQuery,
  type AlertListPage,
} from './alert-feed.js';
export {
  startGrpcServer,
  regionRiskViews,
  ROLE_METADATA_KEY,
  CARE_ROLE,
  LAST_SEQUENCE_METADATA_KEY,
  type GrpcServerOptions,
  type RunningGrpcServer,
} from './grpc-server.js';
export type { RecordIngest, OutreachQuery, RegionRiskQuery, RegionRiskRow, RegionRiskView } from './queries.js';
export { HOTSPOT_SERVICE_NAME, hotspotProtoPath, hotspotClientConstructor, PROTO_LOADER_OPTIONS } from './proto.js';
export {
  KafkaProducerSink,
  KafkaAlertSink,
  KafkaOutreachSink,
  KafkaScoresSink,
  forwardAlerts,
  kafkaEngineSink,
  type RunPublishTargets,
  DEFAULT_ALERTS_TOPIC,
  DEFAULT_OUTREACH_TOPIC,
  DEFAULT_SCORES_TOPIC,
  type KafkaSinkOptions,
} from './kafka-sinks.js';
export { startDashboard, dashboardHtml, type DashboardOptions, type RunningDashboard } from './dashboard.js';
export { liveApiSink, storedApiViews, CareLists, RegionRisk, type ApiViews } from './engine-views.js';
