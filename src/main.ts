import { readFileSync } from 'node:fs';
import { createApp } from './app';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { STOP_MARGIN_MS } from './lifecycle';
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

  // Installed before the start, which can wait a minute for the database: a signal then stops
  // the start and drains like any other.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      const deadlineMs = config.env.SHUTDOWN_TIMEOUT_MS;
      logger.info({ signal, deadlineMs }, 'shutdown requested; draining');
      // The stop keeps to its deadline; this only catches a release that hangs past the margin.
      setTimeout(() => {
        logger.error({ limitMs: deadlineMs + STOP_MARGIN_MS }, 'stop overran its deadline; exiting');
        process.exit(1);
      }, deadlineMs + STOP_MARGIN_MS).unref();
      void app.stop().then(({ clean }) => process.exit(clean ? 0 : 1));
      return;
    }
    logger.warn({ signal }, 'second signal; forcing stop');
    app.forceStop();
    setTimeout(() => process.exit(1), FORCE_EXIT_AFTER_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await app.start();
  } catch (error) {
    if (signals > 0) return; // a stop was asked for: it ends the start and exits
    logger.fatal({ err: error }, 'start failed; exiting');
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
