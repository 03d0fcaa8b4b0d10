// Kafka as a source: the public face of src/sources/kafka.
export {
  KafkaSource,
  kafkaSourceOptionsSchema,
  DEFAULT_DEAD_LETTER_TOPIC,
  DLQ_REASON_HEADER,
  DLQ_TOPIC_HEADER,
  DLQ_PARTITION_HEADER,
  DLQ_OFFSET_HEADER,
  DLQ_ROW_HEADER,
  type KafkaSourceOptions,
  type KafkaTopic,
  type DeliveredBatch,
  type PartitionOffset,
  type KafkaSourceStats,
  type RebalanceListener,
} from './kafka-source.js';
export { parseKafkaUrl, parseKafkaTopicUrl, kafkaSourceLabel, KafkaUrlError, DEFAULT_GROUP_ID } from './kafka-url.js';
export { publishRecords, partitionOfImsi, encodeRecordMessages, connectRecordProducer, type PublishOptions, type PublishResult, type RecordMessage } from './record-publisher.js';
export { MESSAGE_FORMATS, decodeJsonMessages, decodeCsvMessages, decodeArrowMessage, type MessageFormat } from './message-decoders.js';
