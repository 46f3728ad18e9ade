import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ChannelKind, channelKinds } from '../../src/vocabulary';
import { workerConfigSchema, type WorkerConfig } from '../../src/config/worker-config.schema';
import type { PlanSettings } from '../../src/decide/plan';

/** The shipped example rules file, parsed by the real schema. */
export function exampleWorkerConfig(overrides: Record<string, unknown> = {}): WorkerConfig {
  const raw = JSON.parse(readFileSync(resolve(__dirname, '../../config/worker.example.json'), 'utf8')) as Record<string, unknown>;
  return workerConfigSchema.parse({ ...raw, ...overrides });
}

export function planSettingsOf(worker: WorkerConfig = exampleWorkerConfig(), available: readonly ChannelKind[] = channelKinds): PlanSettings {
  return {
    rules: worker.rules,
    priority: worker.priority,
    channelsByLevel: worker.channelsByLevel,
    failover: worker.failover,
    configEndpoints: new Map(),
    tenantWebhookTimeoutMs: worker.limits.tenantWebhookTimeoutMs,
    appBaseUrl: worker.content.appBaseUrl,
    availableChannels: new Set(available),
    defaultHourlyCap: worker.preferences.defaultHourlyCap,
    weddingDayMode: worker.preferences.weddingDayMode,
  };
}
