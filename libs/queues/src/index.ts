export { QueueName, QUEUE_CONSUMER, ALL_QUEUES } from './queue-names';
export type {
  JobPayloads,
  JobOf,
  JobMeta,
  JsonObject,
  JsonValue,
  InstagramInboundJob,
  InboundSweepJob,
  LiveChatInboundJob,
  InstagramMessageDeleteJob,
  TokenRevocationJob,
  DataPurgeJob,
  MetaDataDeletionJob,
  RetentionSweepJob,
  TokenHealthJob,
} from './job-payloads';
export { jobIds } from './job-ids';
export { classifiedBackoff, DeferJobError, BACKOFF_STRATEGY } from './backoff';
export type { FailureKind } from './backoff';
export { QueuesModule, defaultJobOptions } from './queues.module';
export type { QueuesModuleOptions } from './queues.module';
export { JobProducer } from './job.producer';
export type { BulkJob } from './job.producer';
