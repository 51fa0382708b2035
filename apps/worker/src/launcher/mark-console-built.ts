// Run by the console's own `build` script (`npm run build`, `turbo run build`) once `next build`
// has exited 0: without the mark, the launcher takes that finished build for an interrupted one and
// builds the console again at the next `npm start`. Its one argument is the build directory (`.next`).
import path from 'node:path';
import { markConsoleBuilt } from './console-app.js';

const distDir = process.argv[2];
if (!distDir) {
  console.error('usage: mark-console-built.ts <the console build directory, .next>');
  process.exit(2);
}
await markConsoleBuilt(path.resolve(distDir));
