// Apps spawned with tsx from this folder must compile with the root tsconfig (experimentalDecorators
// for the type-graphql subgraphs): tsx applies only the cwd's tsconfig, whose include is test/ alone.
process.env.TSX_TSCONFIG_PATH ??= require('node:path').join(__dirname, '../tsconfig.json');
const preset = require('../jest.preset.js');
// jose 6 is ESM-only (the gateway's JWT check): jest must transpile it like the preset's ESM list.
const ignore = preset.transformIgnorePatterns.map((p) => p.replace('/(?!(', '/(?!(jose|'));
module.exports = { ...preset, transformIgnorePatterns: ignore, testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
