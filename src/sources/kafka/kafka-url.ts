// `--source kafka://BROKERS/TOPIC[,TOPIC...][?format=json|csv|arrow&group=ID&dlq=TOPIC|none&rdkafka.KEY=VALUE]`
// (DESIGN.md §6) → KafkaSource options. One format for all the URL's topics. `rdkafka.`-prefixed parameters pass
// straight to librdkafka (e.g. `rdkafka.session.timeout.ms=6000`, `rdkafka.security.protocol=ssl`).
import { MESSAGE_FORMATS, type MessageFormat } from './message-decoders.js';
import { DEFAULT_DEAD_LETTER_TOPIC, type KafkaSourceOptions } from './kafka-source.js';

export const DEFAULT_GROUP_ID = 'hotspot';

export class KafkaUrlError extends Error {}

export function parseKafkaUrl(url: string): KafkaSourceOptions {
  const m = /^kafka:\/\/([^/?]+)\/([^?]+)(?:\?(.*))?$/.exec(url);
  if (!m) throw new KafkaUrlError(`'${url}' is not kafka://BROKERS/TOPIC[?format=json|csv|arrow&group=ID&dlq=TOPIC]`);
  const [, brokers, topicList, query] = m;
  const params = new URLSearchParams(query ?? '');
  const rdkafka: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.startsWith('rdkafka.') && k.length > 'rdkafka.'.length) rdkafka[k.slice('rdkafka.'.length)] = v;
    else if (!['format', 'group', 'dlq'].includes(k)) throw new KafkaUrlError(`unknown kafka URL parameter '${k}' (format, group, dlq, rdkafka.*)`);
  }
  const format = (params.get('format') ?? 'json') as MessageFormat;
  if (!MESSAGE_FORMATS.includes(format)) {
    throw new KafkaUrlError(`format '${format}' is not one of ${MESSAGE_FORMATS.join(', ')}`);
  }
  const topics = topicList.split(',').map((t) => decodeURIComponent(t.trim()));
  if (topics.some((t) => !/^[A-Za-z0-9._-]{1,249}$/.test(t))) throw new KafkaUrlError(`invalid topic name in '${topicList}'`);
  const dlq = params.get('dlq');
  return {
    brokers,
    groupId: params.get('group') || DEFAULT_GROUP_ID,
    topics: topics.map((topic) => ({ topic, format })),
    deadLetterTopic: dlq === 'none' ? null : dlq || DEFAULT_DEAD_LETTER_TOPIC,
    ...(Object.keys(rdkafka).length > 0 ? { rdkafka } : {}),
  };
}

/** The stream a run reads, without client settings: `kafka://BROKERS/TOPICS?group=ID` (checkpoints are found by it). */
export function kafkaSourceLabel(o: KafkaSourceOptions): string {
  return `kafka://${o.brokers}/${o.topics.map((t) => t.topic).join(',')}?group=${o.groupId}`;
}

/**
 * `kafka://BROKERS/TOPIC[?KEY=VALUE…]` naming one topic to write to, with only the `allowed` parameters → its parts;
 * null when the text is not of that shape (the caller words the error for its flag).
 */
export function parseKafkaTopicUrl(url: string, allowed: readonly string[] = []): { brokers: string; topic: string; params: URLSearchParams } | null {
  const m = /^kafka:\/\/([^/?]+)\/([A-Za-z0-9._-]{1,249})(?:\?(.*))?$/.exec(url);
  if (!m) return null;
  const params = new URLSearchParams(m[3] ?? '');
  for (const k of params.keys()) {
    if (!allowed.includes(k)) throw new KafkaUrlError(`unknown parameter '${k}'${allowed.length > 0 ? ` (${allowed.join(', ')})` : ''}`);
  }
  return { brokers: m[1], topic: m[2], params };
}
