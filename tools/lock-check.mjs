#!/usr/bin/env node
// `npm run lock:check`: fails when package-lock.json lacks a package some locked
// package lists in its optionalDependencies (in practice: other platforms' native
// builds, @next/swc-darwin-arm64, @swc/core-win32-x64-msvc, @esbuild/*, ...).
// `npm ci` refuses such a lock ("Missing: ... from lock file") on any machine, and
// a lock made where the registry serves one platform only records only that one.
//
// `npm run lock:check -- --fix` adds the missing entries from the registry's own
// metadata (`npm view`: version, integrity, os/cpu/libc, engines, license).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository's lock, or the file named on the command line.
const lockFile = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
const packages = lock.packages;

/** Where npm would find `name` from the package at `from`: its own node_modules, then each parent's, then the root's. */
function locate(from, name) {
  for (let dir = from; ;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    // node_modules/a/node_modules/b → node_modules/a; node_modules/a, apps/console → the root.
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '' : dir.slice(0, parent);
  }
}

const missing = [];
for (const [at, entry] of Object.entries(packages)) {
  if (entry.link) continue;
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    if (!locate(at, name)) missing.push({ parent: at, name, range });
  }
}

if (missing.length === 0) {
  console.log(`lock:check: every optional dependency of the ${Object.keys(packages).length} locked packages is in package-lock.json`);
  process.exit(0);
}

if (!process.argv.includes('--fix')) {
  console.error(`lock:check: package-lock.json lacks ${missing.length} optional package(s); \`npm ci\` would refuse it:`);
  for (const m of missing) console.error(`  ${m.name}@${m.range} (optional dependency of ${m.parent || 'the root'})`);
  console.error('Add them: npm run lock:check -- --fix');
  process.exit(1);
}

for (const { parent, name, range } of missing) {
  const view = JSON.parse(
    execFileSync('npm', ['view', `${name}@${range}`, '--json', 'version', 'dist.integrity', 'os', 'cpu', 'libc', 'engines', 'license'], { encoding: 'utf8' }),
  );
  // A range matching several versions gives an array: the highest is last.
  const meta = Array.isArray(view) ? view[view.length - 1] : view;
  const parentEntry = packages[parent];
  // Beside the parent's own location, as npm would hoist it.
  const at = parent.includes('/node_modules/') ? `${parent.slice(0, parent.lastIndexOf('/node_modules/'))}/node_modules/${name}` : `node_modules/${name}`;
  const added = Object.fromEntries(
    Object.entries({
      version: meta.version,
      integrity: meta['dist.integrity'],
      cpu: meta.cpu,
      libc: meta.libc,
      license: meta.license,
      optional: true,
      dev: parentEntry.dev,
      os: meta.os,
      engines: meta.engines,
    }).filter(([, value]) => value !== undefined),
  );
  // In npm's order (sorted by path), so the diff is the new entries alone.
  const entries = Object.entries(lock.packages);
  const before = entries.findIndex(([key]) => key !== '' && key.localeCompare(at, 'en') > 0);
  entries.splice(before < 0 ? entries.length : before, 0, [at, added]);
  lock.packages = Object.fromEntries(entries);
  console.log(`lock:check: added ${at}@${meta.version}`);
}
writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
