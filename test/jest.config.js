module.exports = { ...require('../jest.preset.js'), testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
