#!/usr/bin/env node
// The `hotspot` command. The TypeScript sources compile to dist/ (npm install runs the build).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`hotspot: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
