// @swc/jest compiles TypeScript to CommonJS; packages that ship only ESM must be compiled too.
// Jest 30 can require() ES modules itself only through node:vm's SourceTextModule, which Node 24
// still hides behind --experimental-vm-modules; compiling these few is the flag-free way.
const esmOnly = ['p-retry', 'is-network-error', 'node-pg-migrate', 'p-queue', 'p-timeout', 'graphile-worker'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  globalSetup: '<rootDir>/test/support/runtime-banner.ts',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
};
