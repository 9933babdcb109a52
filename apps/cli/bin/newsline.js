#!/usr/bin/env node
// The CLI is an operator tool run from the checkout: tsx compiles src/ on the fly, so there is
// no build step to forget and no stale dist/ to run.
require('tsx/cjs');
require('../src/main.ts');
