// @swc/jest compiles TypeScript to CommonJS; packages that ship only ESM must be compiled too,
// because Jest's module loader cannot require() ES modules on Node 20 (measured-here.md §1).
const esmOnly = ['p-retry', 'is-network-error', 'node-pg-migrate', 'p-queue', 'p-timeout'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
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
