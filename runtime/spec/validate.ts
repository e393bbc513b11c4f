/**
 * Schema validation of config.json with the validator that scripts/build-schemas.js compiled ahead of time
 * from schemas/config-schema.json (ajv standalone code). Nothing is compiled here, and the generated module
 * is required only on the first call, so importing this file costs nothing.
 *
 * Run `node scripts/build-schemas.js` (or `npm run build`) before using it from source.
 */
import { ConfigError } from '../errors';
import { pointerToken } from './limits';

/** The shape of ajv's ErrorObject that we use (see generated/validate-config.d.ts). */
interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, any>;
  message?: string;
}
type Validator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

let validator: Validator | undefined;

function loadValidator(): Validator {
  if (!validator) {
    // A plain literal require, so esbuild bundles the generated file and tsc does not need it to exist.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('./generated/validate-config.js');
    validator = (mod.default ?? mod) as Validator;
  }
  return validator;
}

/** Throws ConfigError(pointer, message) for the most useful schema error; returns if the config is valid. */
export function validateSchema(config: unknown): void {
  const validate = loadValidator();
  if (validate(config)) return;
  const err = pickError(validate.errors ?? []);
  if (!err) throw new ConfigError('', 'does not match the runtime-spec schema');
  throw new ConfigError(errorPointer(err), describe(err));
}

/** Keywords that only summarise the errors of their branches. */
const SUMMARY = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not', 'false schema']);

/** The deepest specific error; on a tie the first one ajv reported. */
export function pickError(errors: AjvError[]): AjvError | undefined {
  let best: AjvError | undefined;
  let bestScore = -1;
  for (const e of errors) {
    const depth = errorPointer(e).split('/').length;
    const score = depth * 2 + (SUMMARY.has(e.keyword) ? 0 : 1);
    if (score > bestScore) {
      best = e;
      bestScore = score;
    }
  }
  return best;
}

function errorPointer(e: AjvError): string {
  if (e.keyword === 'required') return `${e.instancePath}/${pointerToken(String(e.params.missingProperty))}`;
  return e.instancePath;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function describe(e: AjvError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'type': {
      const types = String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t);
      return `must be ${types.join(' or ')}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p.comparison} ${p.limit}`;
    case 'pattern':
      return `must match the pattern ${p.pattern}`;
    case 'minItems':
      return `must have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    default:
      return e.message ?? `fails the schema rule "${e.keyword}"`;
  }
}
