import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

/** Thrown when the environment does not satisfy an app's schema. Names variables, never values. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: ReadonlyArray<{ variable: string; reason: string }>) {
    super(`Invalid environment: ${problems.map((p) => `${p.variable} (${p.reason})`).join('; ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

function describe(error: ValidationError): string {
  const constraints = Object.keys(error.constraints ?? {});
  // The constraint *names* (isUrl, isNotEmpty…) say what is wrong without echoing the value.
  if (error.value === undefined || error.value === '') {
    return 'missing';
  }
  return constraints.length > 0 ? `invalid: ${constraints.join(', ')}` : 'invalid';
}

/**
 * Validates `source` against a class-validator schema and returns a frozen, typed copy.
 * Empty strings count as unset, so `FOO=` in a compose file falls back to the default.
 */
export function loadEnv<T extends object>(
  schema: new () => T,
  source: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
): Readonly<T> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') {
      cleaned[key] = value;
    }
  }
  const env = plainToInstance(schema, cleaned, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.map((e) => ({ variable: e.property, reason: describe(e) })),
    );
  }
  return Object.freeze(env);
}

/**
 * For `main.ts`: load or stop the process with exit code 78 (EX_CONFIG) and a one-line
 * message on stderr naming the variables.
 */
export function loadEnvOrExit<T extends object>(schema: new () => T, app: string): Readonly<T> {
  try {
    return loadEnv(schema);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      process.stderr.write(`${app}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
