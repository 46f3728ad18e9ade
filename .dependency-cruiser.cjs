// Which way imports may point in src/ (README.md, "Layout"). `npm run lint` runs it; any cycle or
// upward import fails the build.

// Top to bottom: a folder may import from folders below it, never from one above it.
const LAYERS = [
  // Every top-level file but the vocabulary: app, main, cli and what they wire with.
  { name: 'composition root', path: '^src/(?!vocabulary\\.ts$)[^/]+\\.ts$|^src/cli/' },
  // Public routes people and vendors answer on; they record acknowledgements and cancel escalations.
  { name: 'ack', path: '^src/ack/' },
  { name: 'outcome', path: '^src/outcome/' },
  // Timers in the queue that send to the next tier through the ledger.
  { name: 'escalation', path: '^src/escalation/' },
  { name: 'deliver', path: '^src/deliver/' },
  { name: 'decide', path: '^src/decide/' },
  { name: 'intake', path: '^src/intake/' },
  { name: 'channels', path: '^src/channels/' },
  { name: 'context', path: '^src/context/' },
  { name: 'config', path: '^src/config/' },
  { name: 'db', path: '^src/db/' },
];

// Anything that reaches a network, a disk or another process. The planner must stay pure.
// (pg-connection-string is not here: it only parses a URL.)
const IO_MODULES =
  '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|dns|tls|child_process|cluster|worker_threads)$' +
  '|^node_modules/(pg|pg-pool|pg-cursor|pg-native|undici|ioredis|ws|resend|twilio|graphile-worker|bottleneck|node-pg-migrate|prom-client|@supabase/[^/]+)/';

const upward = LAYERS.flatMap((layer, i) =>
  i === 0
    ? []
    : [
        {
          name: `${layer.name}-imports-upward`,
          comment: `${layer.name} may not import ${LAYERS.slice(0, i).map((l) => l.name).join(', ')}`,
          severity: 'error',
          from: { path: layer.path },
          to: { path: LAYERS.slice(0, i).map((l) => `(${l.path})`).join('|') },
        },
      ],
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be read or changed one at a time',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'vocabulary-is-a-leaf',
      comment: 'src/vocabulary.ts holds the words every layer shares; it imports nothing of the project',
      severity: 'error',
      from: { path: '^src/vocabulary\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'lib-is-a-leaf',
      comment: 'src/lib holds helpers any layer may use; it imports nothing from other src folders',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'decide-stays-pure',
      comment: 'The planner is a pure function of the change, its context and the clock: no I/O, not even indirectly',
      severity: 'error',
      from: { path: '^src/decide/' },
      to: { path: IO_MODULES, reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
