import { describe, expect, it } from 'vitest';
import type { RecordBatch } from 'apache-arrow';
import { S1BatchBuilder } from '../../../src/schema/s1-batch-builder.js';
import { PartitionMerge } from '../../../src/sources/kafka/partition-merge.js';
import type { DeliveredBatch } from '../../../src/sources/kafka/kafka-source.js';
import { int64Column } from '../../../src/schema/columns.js';

/** A delivered batch of `times.length` records with those start times. */
function delivered(partition: number, firstOffset: number, times: number[]): DeliveredBatch {
  const b = new S1BatchBuilder(Math.max(times.length, 1));
  times.forEach((t, k) => {
    b.utf8('xdr_id').set(k, `x${partition}-${firstOffset}-${k}`);
    b.utf8('imsi').set(k, '460001234567890');
    b.int64('start_time')[k] = t;
    b.valid('start_time')[k] = 1;
  });
  b.length = times.length;
  const batch: RecordBatch = b.finish();
  return { topic: 't', partition, firstOffset, nextOffset: firstOffset + 1, batch, deadLettered: 0, letters: [] };
}
const minTime = (d: DeliveredBatch) => Math.min(...Array.from(int64Column(d.batch, 'start_time').values as ArrayLike<number>));

describe('PartitionMerge', () => {
  it('releases batches across partitions in order of their earliest record', () => {
    const m = new PartitionMerge({ idleMs: 1000 });
    m.setAssigned([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], 0);
    // Partition 0 is read far ahead before partition 1 delivers anything.
    m.add(delivered(0, 0, [100, 110]), 1);
    m.add(delivered(0, 1, [200, 210]), 1);
    m.add(delivered(0, 2, [300, 310]), 1);
    expect(m.next(2)).toBeNull(); // partition 1 may still deliver records before 100
    m.add(delivered(1, 0, [50, 150]), 3);
    m.add(delivered(1, 1, [250]), 3);
    const order: number[] = [];
    for (let d = m.next(4); d; d = m.next(4)) order.push(minTime(d));
    // 300 waits: partition 1 has delivered only up to 250 and is not idle yet.
    expect(order).toEqual([50, 100, 200, 250]);
    expect(m.bufferedRecords).toBe(2);
    expect(m.next(4 + 1000)?.partition).toBe(0); // partition 1 idle for idleMs: no longer holds 300 back
  });

  it('keeps each partition in offset order and drops the buffer of a revoked partition', () => {
    const m = new PartitionMerge({ idleMs: 1000 });
    m.setAssigned([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], 0);
    m.add(delivered(0, 0, [500]), 1);
    m.add(delivered(0, 1, [100]), 1); // out of order within the partition: offsets still come first
    m.add(delivered(1, 0, [600]), 1);
    expect(m.next(2)?.firstOffset).toBe(0);
    expect(m.next(2)?.firstOffset).toBe(1);
    m.setAssigned([{ topic: 't', partition: 0 }], 3);
    expect(m.bufferedRecords).toBe(0);
    expect(m.next(3)).toBeNull();
  });

  it('releases regardless when the buffer is full or when draining', () => {
    const m = new PartitionMerge({ idleMs: 60_000, maxBufferedRecords: 3 });
    m.setAssigned([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }], 0);
    m.add(delivered(0, 0, [1, 2]), 0);
    expect(m.next(1)).toBeNull();
    expect(m.next(1, { drain: true })?.partition).toBe(0);
    m.add(delivered(0, 1, [3, 4]), 1);
    m.add(delivered(0, 2, [5, 6]), 1);
    expect(m.next(2)?.firstOffset).toBe(1); // 4 records buffered > 3
  });
});
