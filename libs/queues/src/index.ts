export { QueueName, QUEUE_CONSUMER, ALL_QUEUES } from './queue-names';
export type {
  JobPayloads,
  JobOf,
  JobMeta,
  JsonObject,
  JsonValue,
  InstagramInboundJob,
  CustomerProfileJob,
  LiveChatInboundJob,
  InstagramMessageDeleteJob,
  TokenRevocationJob,
  DataPurgeJob,
  MetaDataDeletionJob,
  RetentionSweepJob,
  TokenHealthJob,
  TokenReencryptionJob,
  GaveUp,
} from './job-payloads';
export { PayloadCipher, PayloadDecryptionError } from './payload-cipher';
export type { Sealed } from './payload-cipher';
export { jobIds, cleanupJobIds, scheduledJobIds } from './job-ids';
export { classifiedBackoff, DeferJobError, BACKOFF_STRATEGY, withPlannedDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { QueuesModule, defaultJobOptions } from './queues.module';
export type { QueuesModuleOptions } from './queues.module';
export { JobProducer } from './job.producer';
export type { BulkJob } from './job.producer';
export { ConversationOrder } from './conversation-order';
export type { OrderEntry, OrderQueueKeys } from './conversation-order';
export { OrderedEnqueue } from './ordered-enqueue';
export type { CappedListPush, OrderedJob } from './ordered-enqueue';
export { RedisLock } from './redis-lock';
export { ORDERED_JOB_OPTIONS } from './queues.module';
export { consumersStarted, queueContractProblems } from './queue-contract';
export type { ConsumerApp } from './queue-contract';
export { OwnChats, OWN_CHAT_TTL_SECONDS } from './own-chats';
export { openInstagramInbound, openLiveChatInbound, withoutContent } from './sealed-jobs';
export type { InstagramInboundWork, LiveChatInboundWork } from './sealed-jobs';
export { runJobs } from './job-runner';
export type {
  HoldFor,
  RunJobsOptions,
  OrderedExecutor,
  OrderedItem,
  OrderedWork,
  OrderedJobData,
} from './job-runner';
export { redisKeys, REDIS_KEY_FAMILIES, redisKeyFamilyOf } from './redis-keys';
export type { RedisKeyFamily } from './redis-keys';
export { itemKeys, inboundCustomIds } from './item-keys';
