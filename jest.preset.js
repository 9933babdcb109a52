// Shared jest settings; each workspace's jest.config.js re-exports this.
// linkedom pulls in ESM-only packages (css-select 7 and friends) that Node 20 loads through
// require(esm) but jest cannot: jest must transpile them to CommonJS.
const esm = ['css-select', 'css-what', 'nth-check', 'boolbase', 'domutils', 'domhandler', 'dom-serializer', 'entities', 'htmlparser2', 'domelementtype', 'cssomnom'];

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.[tj]sx?$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.join('|')})/)`],
  testTimeout: 30000,
};
