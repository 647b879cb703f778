import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { LOG_LEVELS, LogLevelName } from '../config/env';
import { currentCorrelationId } from './correlation';
import { redact } from './redact.util';

/** Levels at or above `level`, in Nest's vocabulary. */
export function levelsFrom(level: LogLevelName): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}

/**
 * One JSON object per line on stdout/stderr. Structured messages (objects) pass through
 * `redact`, so a token or a message text handed to the logger by mistake is replaced by key name.
 */
export class JsonLogger extends ConsoleLogger {
  constructor(app: string, level: LogLevelName) {
    super(app, { json: true, colors: false, logLevels: levelsFrom(level) });
  }

  /** Every JSON line carries the correlation id of the work it was written for, if any. */
  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const object = super.getJsonLogObject(message, options);
    const correlationId = currentCorrelationId();
    // The base type lists the fields Nest writes; extra ones are printed all the same.
    return correlationId ? Object.assign(object, { correlationId }) : object;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    super.log(redact(message), ...rest);
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    super.warn(redact(message), ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    super.error(redact(message), ...rest);
  }

  override debug(message: unknown, ...rest: unknown[]): void {
    super.debug(redact(message), ...rest);
  }

  override verbose(message: unknown, ...rest: unknown[]): void {
    super.verbose(redact(message), ...rest);
  }
}
