import { InvalidJobInputError } from '../errors/invalid-input.error.js';
import { JobsConfigurationError } from '../errors/configuration.error.js';

type Dto = new (...args: any[]) => object;

let libs: Promise<{ validate: any; plainToInstance: any }> | undefined;

/** class-validator and class-transformer are optional peers, loaded on the first DTO check. */
function load() {
  libs ??= Promise.all([import('class-validator'), import('class-transformer')]).then(
    ([cv, ct]) => ({ validate: cv.validate, plainToInstance: ct.plainToInstance }),
    (cause) => {
      libs = undefined;
      throw new JobsConfigurationError(
        "A @Job() declares an 'input' DTO, which needs the packages class-validator and class-transformer: npm install class-validator class-transformer",
        { cause },
      );
    },
  );
  return libs;
}

/**
 * Validates `input` against a class-validator DTO and returns the DTO instance.
 * Unknown properties are rejected (`forbidNonWhitelisted`), so a typo never passes silently.
 */
export async function validateInput(jobName: string, dto: Dto, input: unknown): Promise<object> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidJobInputError(
      `Input of job '${jobName}' must be an object matching ${dto.name}; got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}.`,
    );
  }
  const { validate, plainToInstance } = await load();
  const instance = input instanceof dto ? input : plainToInstance(dto, input);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const details = flatten(errors).join('; ');
    throw new InvalidJobInputError(`Input of job '${jobName}' is not a valid ${dto.name}: ${details}.`);
  }
  return instance;
}

function flatten(errors: any[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m as string}`);
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
