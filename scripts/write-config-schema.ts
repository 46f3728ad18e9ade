import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configJsonSchema } from '../src/config/config-json-schema';

// Regenerates config/worker.schema.json, which editors use to document and check the rules file.
const target = resolve(__dirname, '../config/worker.schema.json');
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
