import { z } from 'zod';
import { workerConfigSchema } from './worker-config.schema';

/** The rules file's JSON Schema, generated from the zod schema so the two cannot drift. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(workerConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
