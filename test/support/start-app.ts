import { createApp, type App, type AppDependencies } from '../../src/app';
import type { Config } from '../../src/config/load-config';
import type { HealthReport } from '../../src/lib/health-report';
import { fastClientFactory } from './fast-realtime-client';
import { memoryLogger, type LogLine } from './memory-log';
import { startFakeRealtime, type FakeRealtime, type Timing } from './realtime-server';
import { testConfig, type TestConfigOptions } from './test-config';
import { WebhookReceiver } from './webhook-receiver';

/** The real supabase-js client against the configured Realtime server, with test timings. */
export function fastRealtimeClient(config: Config) {
  return fastClientFactory({
    url: config.env.SUPABASE_URL,
    apiKey: config.env.SUPABASE_SERVICE_ROLE_KEY,
    heartbeatIntervalMs: config.worker.intake.heartbeatIntervalMs,
    joinTimeoutMs: config.worker.intake.joinTimeoutMs,
  });
}

export interface TestApp {
  readonly app: App;
  readonly config: Config;
  readonly realtime: FakeRealtime;
  readonly receiver: WebhookReceiver;
  readonly lines: LogLine[];
  readonly logText: () => string;
  readyz(): Promise<{ status: number; body: HealthReport }>;
  get(path: string): Promise<{ status: number; text: string }>;
  /** Waits until every subscription is live (the app reports ready). */
  untilReady(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApp(
  options: Omit<TestConfigOptions, 'realtimeUrl' | 'receiverUrl'> & { deps?: Partial<AppDependencies>; realtimeTiming?: Timing } = {},
): Promise<TestApp> {
  // Fast unless the test is about production's delays.
  const realtime = await startFakeRealtime({ timing: options.realtimeTiming ?? 'fast' });
  const receiver = await new WebhookReceiver().start();
  const config = testConfig({ ...options, realtimeUrl: realtime.url, receiverUrl: receiver.url });
  const { logger, lines, text } = memoryLogger();
  const app = createApp({ config, logger, connectRealtime: fastRealtimeClient(config), ...options.deps });
  const { healthPort } = await app.start();
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${healthPort}${path}`);
    return { status: response.status, text: await response.text() };
  };
  const readyz = async () => {
    const { status, text: body } = await get('/readyz');
    return { status, body: JSON.parse(body) as HealthReport };
  };
  return {
    app,
    config,
    realtime,
    receiver,
    lines,
    logText: text,
    readyz,
    get,
    untilReady: () => realtime.waitFor(() => app.readiness().status === 'ready', { timeoutMs: 10_000 }),
    async close() {
      await app.stop();
      await Promise.all([realtime.close(), receiver.close()]);
    },
  };
}
