import { readFileSync } from 'node:fs';
import { createApp } from './app';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { createLogger } from './lib/logger';

// The only file that touches `process`: environment, signals, exit codes.

/** After a second signal, give the forced stop this long before exiting regardless. */
const FORCE_EXIT_AFTER_MS = 3_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ env: process.env, readFile: (path) => readFileSync(path, 'utf8') });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger({ level: 'info' }).fatal({ problems: error.problems }, error.message);
    process.exitCode = 1;
    return;
  }

  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const app = createApp({ config, logger });

  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled rejection; exiting');
    process.exit(1);
  });

  await app.start();

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal, deadlineMs: config.env.SHUTDOWN_TIMEOUT_MS }, 'shutdown requested; draining');
      void app.stop().then(({ clean }) => process.exit(clean ? 0 : 1));
      return;
    }
    logger.warn({ signal }, 'second signal; forcing stop');
    app.forceStop();
    setTimeout(() => process.exit(1), FORCE_EXIT_AFTER_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
