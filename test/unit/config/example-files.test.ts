import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { configJsonSchema } from '../../../src/config/config-json-schema';
import { envSchema } from '../../../src/config/env.schema';
import { loadConfig } from '../../../src/config/load-config';

const root = resolve(__dirname, '../../..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

describe('shipped configuration files', () => {
  it('config/worker.schema.json is the schema generated from the code (npm run config:schema)', () => {
    expect(JSON.parse(read('config/worker.schema.json'))).toEqual(configJsonSchema());
  });

  it('config/worker.example.json loads with the variables .env.example documents', () => {
    const documented = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const config = loadConfig({
      env: {
        SUPABASE_URL: 'https://abc.supabase.co',
        SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-for-the-example',
        CONFIG_FILE: 'config/worker.example.json',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        WEBHOOK_SECRET_OPS_ARCHIVE: `whsec_${Buffer.alloc(32).toString('base64')}`,
      },
      readFile: (path) => read(path),
    });
    expect(config.worker.webhookEndpoints.length).toBeGreaterThan(0);
    for (const endpoint of config.worker.webhookEndpoints) expect(documented).toContain(endpoint.secretEnv);
  });

  it('.env.example documents every variable of the environment schema', () => {
    const text = read('.env.example');
    for (const name of Object.keys(envSchema.shape)) expect(text).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
  });
});
