import { describe, expect, it } from 'vitest';
import { KafkaUrlError, kafkaSourceLabel, parseKafkaTopicUrl, parseKafkaUrl } from '../../../src/sources/kafka/kafka-url.js';

describe('parseKafkaUrl', () => {
  it('reads brokers, topics and options', () => {
    expect(parseKafkaUrl('kafka://b1:9092,b2:9092/s1-records')).toEqual({
      brokers: 'b1:9092,b2:9092',
      groupId: 'hotspot',
      topics: [{ topic: 's1-records', format: 'json' }],
      deadLetterTopic: 'hotspot.dead-letters',
    });
    expect(parseKafkaUrl('kafka://localhost:9092/a,b?format=arrow&group=g1&dlq=none')).toEqual({
      brokers: 'localhost:9092',
      groupId: 'g1',
      topics: [
        { topic: 'a', format: 'arrow' },
        { topic: 'b', format: 'arrow' },
      ],
      deadLetterTopic: null,
    });
  });

  it('passes rdkafka.* parameters to librdkafka and labels the stream without them', () => {
    const o = parseKafkaUrl('kafka://h:1/t?format=arrow&rdkafka.session.timeout.ms=6000&rdkafka.client.id=x');
    expect(o.rdkafka).toEqual({ 'session.timeout.ms': '6000', 'client.id': 'x' });
    expect(kafkaSourceLabel(o)).toBe('kafka://h:1/t?group=hotspot');
    expect(() => parseKafkaUrl('kafka://h:1/t?rdkafka.=1')).toThrow(/unknown kafka URL parameter 'rdkafka.'/);
  });

  it('reads a single topic to write to, with only the allowed parameters', () => {
    const t = parseKafkaTopicUrl('kafka://h:1,h:2/alerts?format=json', ['format']);
    expect(t && { brokers: t.brokers, topic: t.topic, format: t.params.get('format') }).toEqual({ brokers: 'h:1,h:2', topic: 'alerts', format: 'json' });
    expect(parseKafkaTopicUrl('kafka://h:1/a,b')).toBeNull();
    expect(parseKafkaTopicUrl('http://h:1/a')).toBeNull();
    expect(() => parseKafkaTopicUrl('kafka://h:1/a?format=json')).toThrow(/unknown parameter 'format'/);
  });

  it.each([
    ['kafka://localhost:9092', /is not kafka:\/\/BROKERS\/TOPIC/],
    ['http://x/y', /is not kafka/],
    ['kafka://h:1/t?format=xml', /format 'xml' is not one of json, csv, arrow/],
    ['kafka://h:1/t?colour=red', /unknown kafka URL parameter 'colour'/],
    ['kafka://h:1/bad topic', /invalid topic name/],
  ])('%s is refused', (url, message) => {
    expect(() => parseKafkaUrl(url)).toThrow(KafkaUrlError);
    expect(() => parseKafkaUrl(url)).toThrow(message);
  });
});
