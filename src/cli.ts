import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, formatProblems } from './config/config-error';
import { loadConfig } from './config/load-config';
import { migrate } from './db/migrate';

// Operator commands. An entry point like main.ts: it alone reads argv, env and sets the exit code.

const HELP = `usage: wedsync-worker <command> [options]

commands:
  migrate                 apply the SQL migrations in db/migrations to DATABASE_URL
                          (--schema NAME, default public); safe to run twice
  validate-config         check the environment and CONFIG_FILE (or --file PATH) and list
                          every problem; exit 1 if there is any
  help                    this text
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  async migrate(args) {
    const { values } = parseArgs({ args, options: { schema: { type: 'string', default: 'public' } } });
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      process.stderr.write('DATABASE_URL is not set\n');
      return 1;
    }
    const applied = await migrate({ databaseUrl, schema: values.schema });
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
    return 0;
  },
  async 'validate-config'(args) {
    const { values } = parseArgs({ args, options: { file: { type: 'string' } } });
    const env = values.file ? { ...process.env, CONFIG_FILE: values.file } : process.env;
    try {
      const config = loadConfig({ env, readFile: (path) => readFileSync(path, 'utf8') });
      process.stdout.write(`ok: ${config.env.CONFIG_FILE} (${config.worker.subscriptions.length} subscriptions, ${config.worker.rules.length} rules)\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`invalid configuration:\n${formatProblems(error.problems)}\n`);
      return 1;
    }
  },
  async help() {
    process.stdout.write(HELP);
    return 0;
  },
};

async function run(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const command = commands[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) {
    process.stderr.write(`unknown command: ${name}\n\n${HELP}`);
    return 2;
  }
  return command(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
