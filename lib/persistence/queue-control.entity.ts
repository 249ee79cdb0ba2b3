import { EntitySchema } from '@mikro-orm/core';

/** A row of `queue_control`: a queue's switches, shared by every process. No row: not paused. */
export interface QueueControlEntity {
  queue: string;
  /** Consumers claim nothing from a paused queue; its running jobs finish. */
  paused: boolean;
  updatedAt: Date;
}

export const QUEUE_CONTROL_TABLE = 'queue_control';

export const QueueControlEntitySchema = new EntitySchema<QueueControlEntity>({
  name: 'QueueControl',
  tableName: QUEUE_CONTROL_TABLE,
  properties: {
    queue: { type: 'string', length: 64, primary: true },
    paused: { type: 'boolean', default: false },
    updatedAt: { type: 'datetime', fieldName: 'updated_at' },
  },
});
