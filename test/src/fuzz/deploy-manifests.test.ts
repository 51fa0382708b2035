import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// docker and kubectl cannot run here: the manifests are checked for what a
// reviewer would check first: they parse, and each workload is complete.
const deployDir = path.resolve(import.meta.dirname, '../../../deploy');

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  resources?: { requests?: object; limits?: object };
  readinessProbe?: object;
  livenessProbe?: object;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}

async function manifests(): Promise<Manifest[]> {
  const dir = path.join(deployDir, 'kubernetes');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const all: Manifest[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
      expect(doc.errors, `${file}: ${doc.errors.map((e) => e.message).join('; ')}`).toEqual([]);
      all.push(doc.toJS() as Manifest);
    }
  }
  return all;
}

const podContainers = (m: Manifest) => (m.spec?.template as { spec: { containers: Container[] } } | undefined)?.spec.containers ?? [];

describe('deployment manifests (deploy/kubernetes)', () => {
  it('parse, and hold the workloads the deployment guide describes', async () => {
    const all = await manifests();
    const names = all.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'ConfigMap/airlock-config',
        'ConfigMap/airlock-policy',
        'Secret/airlock-secrets',
        'Job/airlock-migrate',
        'Deployment/airlock-worker',
        'PodDisruptionBudget/airlock-worker',
        'Deployment/airlock-console',
        'Service/airlock-console',
        'Deployment/airlock-slack',
      ]),
    );
    expect((all.find((m) => m.kind === 'Deployment' && m.metadata.name === 'airlock-worker')?.spec as { replicas: number }).replicas).toBeGreaterThan(1);
    expect(podContainers(all.find((m) => m.kind === 'Job')!)[0]?.command).toEqual(['npm', 'run', 'migrate']);
  });

  it('give every long-running container probes and resource requests and limits, and take secrets only from the Secret', async () => {
    const all = await manifests();
    const secretKeys = Object.keys((all.find((m) => m.kind === 'Secret') as unknown as { stringData: object }).stringData);
    for (const deployment of all.filter((m) => m.kind === 'Deployment')) {
      for (const container of podContainers(deployment)) {
        const where = `${deployment.metadata.name}/${container.name}`;
        expect(container.readinessProbe, where).toBeDefined();
        expect(container.livenessProbe, where).toBeDefined();
        expect(container.resources?.requests, where).toBeDefined();
        expect(container.resources?.limits, where).toBeDefined();
        for (const variable of container.env ?? []) {
          if (/KEY|TOKEN|SECRET|DATABASE_URL/.test(variable.name)) {
            expect(variable.valueFrom?.secretKeyRef?.name, `${where} ${variable.name}`).toBe('airlock-secrets');
            expect(secretKeys, `${where} ${variable.name}`).toContain(variable.valueFrom?.secretKeyRef?.key);
          }
        }
      }
    }
  });

  it('has a multi-stage Dockerfile that runs as a non-root user and installs bubblewrap', async () => {
    const dockerfile = await readFile(path.join(deployDir, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/PRISMA_SCHEMA_ENGINE_BINARY=\/app\/prisma\/engine-stub\.sh/);
    expect(dockerfile).toMatch(/apt-get install[^\n]*bubblewrap/);
    expect(dockerfile).toMatch(/^USER 10001/m);
  });
});
