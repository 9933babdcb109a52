// jose 6 is ESM-only (the gateway's JWT check): jest must transpile it like the preset's ESM list.
const preset = require('../../jest.preset.js');
module.exports = { ...preset, transformIgnorePatterns: preset.transformIgnorePatterns.map((p) => p.replace('/(?!(', '/(?!(jose|')) };
