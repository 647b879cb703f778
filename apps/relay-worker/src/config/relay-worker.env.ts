import { DEFAULT_MEDIA_HOST_ALLOWLIST, IsHostAllowlist, PlatformApisEnv } from '@app/platform';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class RelayWorkerEnv extends PlatformApisEnv {
  /**
   * Jobs one process runs at once, per queue. A relay job spends nearly all its time waiting on
   * LiveChat or Graph (100–300 ms a call in production), so throughput ≈ jobs in flight ÷ job
   * time: 256 keeps about 500 messages/s in flight at 150 ms a call with room for jobs waiting
   * behind their conversation's earlier message (docs/configuration.md, sizing).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_048)
  RELAY_CONCURRENCY = 256;

  /**
   * Sends per second per Instagram account, across all workers. Meta documents 300/s on the
   * Messenger API path and 100/s on the Instagram Login path: the default is the lower.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  OUTBOUND_SENDS_PER_SECOND = 100;

  /**
   * Hosts attachments may be downloaded from (hostnames, IPs or `*.suffix`). Only over https, and
   * never from a private or loopback address unless that host is listed by name; plain http only
   * for such a listed loopback host (the tests' and the sandbox's emulators).
   */
  @IsHostAllowlist()
  MEDIA_HOST_ALLOWLIST = DEFAULT_MEDIA_HOST_ALLOWLIST;

  /**
   * Audio and video sends per second per Instagram account, across all workers: Meta's lower
   * limit for those types (10/s on both paths). They also count toward OUTBOUND_SENDS_PER_SECOND.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  OUTBOUND_MEDIA_SENDS_PER_SECOND = 10;

  /** Port of the small metrics and health listener; 0 picks a free one, -1 turns it off. */
  @Type(() => Number)
  @IsInt()
  @Min(-1)
  @Max(65_535)
  METRICS_PORT = 9464;
}
