import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { destinations } from './cli/destination-commands';
import { connectionCommands, CONNECTIONS_HELP } from './cli/connection-commands';
import { listDeadEvents, listDeliveries, replay, UsageError, type Io } from './cli/ledger-commands';
import { probeConnection } from './partners/probe';
import { ConfigError, formatProblems } from './config/config-error';
import { loadConfig } from './config/load-config';
import { migrate } from './db/migrate';
import { createLogger } from './lib/logger';

// Operator commands. An entry point like main.ts: it alone reads argv, env and sets the exit code.

const HELP = `usage: wedsync-worker <command> [options]

commands:
  migrate                 apply the SQL migrations in db/migrations to DATABASE_URL
                          (--schema NAME, default public); safe to run twice
  validate-config         check the environment and CONFIG_FILE (or --file PATH) and list
                          every problem; exit 1 if there is any
  deliveries              list deliveries from the ledger, newest first
                          [--status pending|delivered|dead|failed_over] [--org ID]
                          [--destination KEY] [--since ISO] [--until ISO] [--id ID]...
                          [--limit N] [--json]
  dead-letters            the same, dead letters only
  replay                  put dead letters back in the queue under their own delivery ids
                          (--id ID... | --destination KEY | --org ID | --since/--until ISO | --all)
  dead-events             changes that could not be decided on, with the reason
  destinations list       partner endpoints and chat hooks with a history: circuit state,
                          failures, why disabled [--json] [--limit N]
  destinations enable KEY re-enable a disabled destination (its endpoint row too) and reset
                          its circuit; a destination whose URL changes is re-enabled by itself
${CONNECTIONS_HELP}  help                    this text

Connection commands read DATABASE_URL and CONNECTION_KEYS. Ledger commands read DATABASE_URL; --queue-schema NAME if graphile-worker is not in
"graphile_worker". A destination key is channel:id, e.g. webhook:<endpoint id>,
slack:<organization id>, email, sms, in_app.
`;

type Command = (args: string[], io: Io) => Promise<number>;

const commands: Record<string, Command> = {
  async migrate(args, io) {
    const { values } = parseArgs({ args, options: { schema: { type: 'string', default: 'public' } } });
    const databaseUrl = io.env.DATABASE_URL;
    if (!databaseUrl) throw new UsageError('DATABASE_URL is not set');
    // It runs as a job beside the worker (compose, Kubernetes), so it logs as the worker does:
    // JSON lines on stdout, not human text in the middle of a JSON stream.
    const log = createLogger({ level: io.env.LOG_LEVEL ?? 'info', destination: { write: (line) => io.out(line) } }).child({ command: 'migrate', schema: values.schema });
    try {
      const applied = await migrate({ databaseUrl, schema: values.schema, log: (message) => log.debug(message) });
      log.info({ applied }, applied.length ? 'migrations applied' : 'migrations up to date');
      return 0;
    } catch (error) {
      log.error({ err: error }, 'migrations failed');
      return 1;
    }
  },
  async 'validate-config'(args, io) {
    const { values } = parseArgs({ args, options: { file: { type: 'string' } } });
    const env = values.file ? { ...io.env, CONFIG_FILE: values.file } : io.env;
    try {
      const config = loadConfig({ env, readFile: (path) => readFileSync(path, 'utf8') });
      io.out(`ok: ${config.env.CONFIG_FILE} (${config.worker.subscriptions.length} subscriptions, ${config.worker.rules.length} rules)\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.err(`invalid configuration:\n${formatProblems(error.problems)}\n`);
      return 1;
    }
  },
  deliveries: (args, io) => listDeliveries(args, io),
  'dead-letters': (args, io) => listDeliveries(args, io, 'dead'),
  replay,
  'dead-events': listDeadEvents,
  destinations,
  connections: connectionCommands(probeConnection),
  async help(_args, io) {
    io.out(HELP);
    return 0;
  },
};

async function run(argv: string[], io: Io): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const command = commands[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) {
    io.err(`unknown command: ${name}\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    // parseArgs reports unknown options and bad values as TypeErrors with a code.
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

const io: Io = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
