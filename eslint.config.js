// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

// Every child process goes through @airlock/core/spawn: a spawn that fails is then a prompt, clear
// rejection, never an unhandled 'error' event or a wait on an exit that cannot come. (The sandbox
// supervises bwrap's extra pipes itself and handles 'error' there; bench is neither product nor test.)
const spawnBan = ['child_process', 'node:child_process'].map((name) => ({
  name,
  importNames: ['spawn', 'fork', 'exec'],
  message: 'Start child processes with startProcess / runProcess from @airlock/core/spawn.',
}));
const spawnExempt = ['packages/core/src/spawn.ts', 'packages/sandbox/src/sandbox.ts', 'packages/sandbox/src/launch.ts'];

// The layers, lowest first: packages → prisma (@airlock/db) → activities → workflows → apps. A layer imports
// only from the layers below it, and an app never from another app (what apps share lives in packages/).
// packages/ops and packages/webhooks live in packages/ but are the service layer above prisma/ (the use cases
// and the outbox, written through the database): beside activities and workflows, used only by the apps.
const apps = ['cli', 'console', 'slack', 'worker'];
/** A no-restricted-imports pattern refusing these workspaces (and their subpath exports). */
const above = (names, message) => ({ group: names.flatMap((name) => [`@airlock/${name}`, `@airlock/${name}/*`]), message });
const layerFences = {
  packages: [above(['db', 'ops', 'webhooks', 'activities', 'workflows', ...apps], 'packages/ are the bottom layer: no database, service layer, activities, workflows or apps.')],
  services: [above(['activities', 'workflows', ...apps], 'ops and webhooks are the service layer above prisma/: no activities, workflows or apps.')],
  prisma: [above(['activities', 'workflows', 'ops', 'webhooks', ...apps], 'The database package sits below activities, workflows, ops, webhooks and the apps.')],
  activities: [above(['workflows', 'ops', 'webhooks', ...apps], 'Activities sit below workflows, ops, webhooks and the apps.')],
  workflows: [above(['ops', 'webhooks', ...apps], 'Workflows sit below ops, webhooks and the apps.')],
};
/** Each app: no other app. */
const appFence = (app, allowed = []) => [
  above(
    apps.filter((other) => other !== app && !allowed.includes(other)),
    'An app never imports another app; share through packages/.',
  ),
];
const fenceFiles = {
  packages: ['packages/**/*.ts'],
  services: ['packages/ops/**/*.ts', 'packages/webhooks/**/*.ts'],
  prisma: ['prisma/**/*.ts'],
  activities: ['activities/**/*.ts'],
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/.next/**', 'prisma/generated/**', '**/next-env.d.ts', '.tools/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // One TypeScript program for every workspace (tsconfig.all.json) and one for the console: with a
      // program per package (projectService), each package's lint parsed and bound the sources of all it
      // imports again: 24 of them per run, or 10 GB in one process linting every package.
      parserOptions: { project: './tsconfig.all.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      'import-x/no-cycle': 'error',
      // Configuration is parsed once per app, in its env.ts; everything else receives typed values.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through the app env.ts (zod-validated), not process.env.' }],
      // Prisma's case-insensitive `equals` is ILIKE on PostgreSQL: `_` and `%` in the value become wildcards.
      'no-restricted-syntax': [
        'error',
        {
          selector: "Property[key.name='mode'][value.value='insensitive']",
          message: "mode: 'insensitive' is ILIKE, where _ and % match anything; compare lower(column) = lower($1) (userIdByEmail for addresses).",
        },
      ],
    },
  },
  {
    // The console's own program: the DOM, JSX and Next.js's types.
    files: ['apps/console/**/*.ts', 'apps/console/**/*.tsx'],
    languageOptions: { parserOptions: { project: './apps/console/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    // Plain CommonJS modules that Temporal loads by path (e.g. the failure converter): no TypeScript project.
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', exports: 'writable', module: 'writable' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/env.ts', 'test/**', 'bench/**', '**/*.config.{js,ts,mjs}', 'prisma/prisma.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  // Layer fences (and the spawn ban) per layer. Flat config replaces a rule's options rather than merging
  // them, so each block states the whole list for its files; the guardrails and SDK blocks below add theirs.
  ...Object.entries(fenceFiles).flatMap(([layer, files]) => [
    { files, ignores: layer === 'packages' ? fenceFiles.services : [], rules: { 'no-restricted-imports': ['error', { patterns: layerFences[layer] }] } },
    {
      files,
      ignores: [...spawnExempt, ...(layer === 'packages' ? fenceFiles.services : [])],
      rules: { 'no-restricted-imports': ['error', { paths: spawnBan, patterns: layerFences[layer] }] },
    },
  ]),
  ...apps.map((app) => ({
    files: [`apps/${app}/**/*.ts`, `apps/${app}/**/*.tsx`],
    rules: {
      'no-restricted-imports': [
        'error',
        // The worker process also serves the Slack app in the one-process start (`npm start`), so it may start it.
        { paths: spawnBan, patterns: appFence(app, app === 'worker' ? ['slack'] : []) },
      ],
    },
  })),
  {
    // The console's REST API is framework-free and serves the pages' logic (src/ui), never the reverse.
    files: ['apps/console/src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: spawnBan, patterns: [...appFence('console'), { group: ['**/ui/**', '**/app/**'], message: 'src/api never imports the console pages (src/ui, app/).' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: spawnBan }] },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any`.
    files: ['test/**', '**/*.unit.test.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Workflow code must be deterministic: no Node built-ins, no database, no activity values.
    files: ['workflows/**/*.ts'],
    rules: {
      // The worker shares these modules across workflows (preloadModules, apps/worker/src/worker.ts): state at
      // module level would leak from one workflow into another. Keep it in the workflow function's scope.
      'no-restricted-syntax': [
        'error',
        ...['Program > VariableDeclaration', 'Program > ExportNamedDeclaration > VariableDeclaration'].map((at) => ({
          selector: `${at}[kind!='const']`,
          message: 'Workflow modules are shared by every workflow on a worker: no module-level let or var.',
        })),
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not deterministic; workflows may not use them.' })),
            { name: '@airlock/activities', allowTypeImports: true, message: 'Import activities by type only: proxyActivities<typeof ...>().' },
            { name: '@airlock/db', message: 'Workflows never touch the database; use an activity.' },
            // The root export loads zod and every schema into each cached workflow (about 1.8 MiB apiece).
            { name: '@airlock/core', allowTypeImports: true, message: 'Import values from @airlock/core/workflow; types with `import type`.' },
            { name: '@airlock/core/gateway', message: 'The gateway is client-side code.' },
            { name: '@airlock/core/hashing', message: 'Uses node:crypto; compute hashes at the edge or in activities.' },
            { name: '@airlock/core/env', message: 'Workflows never read configuration.' },
            { name: '@airlock/telemetry', message: 'Node-only; workflows may import @airlock/telemetry/attributes alone.' },
            { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow.' },
            { name: '@temporalio/activity', message: 'Workflows use @temporalio/workflow.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'Node built-ins are not deterministic; workflows may not use them.' },
            { group: ['@prisma/*', 'pg', '**/generated/**'], message: 'Workflows never touch the database; use an activity.' },
            { group: ['**/activities/**'], allowTypeImports: true, message: 'Import activities by type only.' },
            ...layerFences.workflows,
          ],
        },
      ],
    },
  },
  {
    // Guardrails run anywhere (workflows, browsers): keep them free of Node built-ins (their Node-run tests aside).
    files: ['packages/guardrails/**/*.ts'],
    ignores: ['packages/guardrails/src/**/*.unit.test.ts', 'packages/guardrails/src/**/*.test-support.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Guardrails must stay portable: no Node built-ins.' })),
          patterns: [{ group: ['node:*'], message: 'Guardrails must stay portable: no Node built-ins.' }, ...layerFences.packages],
        },
      ],
    },
  },
  {
    // The SDK's REST entry runs wherever fetch does: no Temporal, no Node-only core modules.
    files: ['packages/sdk/src/**/*.ts'],
    ignores: ['packages/sdk/src/temporal.ts', 'packages/sdk/src/temporal-entry.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@airlock/core', message: 'Use @airlock/core/portable: the root export pulls in Temporal.' },
            { name: '@airlock/core/gateway', message: 'Temporal-direct code lives in temporal.ts only.' },
            ...spawnBan,
          ],
          patterns: [{ group: ['@temporalio/*'], message: 'Temporal-direct code lives in temporal.ts only.' }, ...layerFences.packages],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
