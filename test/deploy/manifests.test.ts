/**
 * The deployment files, checked without a cluster: every manifest is valid
 * YAML and a valid Kubernetes object, and the pieces are wired to each other
 * and to the service (probe paths and ports, config names, selectors, the HPA
 * target). A mistake here otherwise shows up only at deploy time, or worse,
 * not at all (a misspelt variable silently falls back to its default).
 */
import { expect } from 'chai';
import {
  configVariableNames, type Instruction, loadManifests, type ManifestDoc, parseDockerfile, readRepoFile, stagesOf,
} from './deploy-files';
import { schemaProblems } from './k8s-schema';
import {
  byKind, configData, containersOf, deploymentFor, ENTRY_POINTS, type Manifests, podLabelsOf, qualifiedName, resolvePort, roleOf,
  selects,
} from './workloads';

const NAMESPACE = 'push';
const PORTS = { producer: 3000, consumer: 9100 } as const;
/** Read by the consumer's probe server; allowed even before src/config names it. */
const EXTRA_VARIABLES = ['METRICS_PORT'];

describe('deploy/k8s manifests', () => {
  let docs: ManifestDoc[] = [];
  let yamlErrors: string[] = [];
  let m: Manifests;

  before(() => {
    ({ docs, errors: yamlErrors } = loadManifests());
    m = byKind(docs.map((d) => d.value));
  });

  it('parse as YAML, the way Kubernetes reads it, without errors', () => {
    expect(yamlErrors).to.deep.equal([]);
    expect(docs.length, 'manifest documents').to.be.at.least(7);
  });

  it('are valid Kubernetes objects of known kinds', () => {
    const problems = docs.flatMap((d) => schemaProblems(d.value).map((p) => `${d.source}: ${p}`));
    expect(problems).to.deep.equal([]);
  });

  it('create the push namespace and put everything in it', () => {
    expect(m.namespaces.map((n) => n.metadata?.name)).to.deep.equal([NAMESPACE]);
    const namespaced = [...m.configMaps, ...m.secrets, ...m.services, ...m.deployments, ...m.autoscalers, ...m.disruptionBudgets];
    for (const object of namespaced) expect(object.metadata?.namespace, qualifiedName(object)).to.equal(NAMESPACE);
  });

  it('run both roles from one image with the package.json start commands', () => {
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const role of ['producer', 'consumer'] as const) {
      const [container, ...others] = containersOf(deploymentFor(m, role));
      expect(others, `${role} containers`).to.deep.equal([]);
      expect(container?.command?.join(' '), role).to.equal(scripts[role]).and.to.equal(`node ${ENTRY_POINTS[role]}`);
    }
    expect(new Set(m.deployments.flatMap((d) => containersOf(d).map((c) => c.image))).size, 'images').to.equal(1);
  });

  it('probe /healthz and /readyz on a port the container exposes', () => {
    for (const deployment of m.deployments) {
      const role = roleOf(deployment);
      for (const c of containersOf(deployment)) {
        const where = `${qualifiedName(deployment)} ${c.name}`;
        expect(c.livenessProbe?.httpGet?.path, `${where} liveness`).to.equal('/healthz');
        expect(c.readinessProbe?.httpGet?.path, `${where} readiness`).to.equal('/readyz');
        if (c.startupProbe) expect(c.startupProbe.httpGet?.path, `${where} startup`).to.equal('/healthz');
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe].filter((p) => p !== undefined)) {
          const port = resolvePort(c, probe.httpGet?.port);
          expect(port, `${where} probe port ${String(probe.httpGet?.port)}`).to.equal(role && PORTS[role]);
        }
      }
    }
  });

  it('run as non-root, without privilege escalation, on a read-only root filesystem', () => {
    for (const deployment of m.deployments) {
      const pod = deployment.spec?.template.spec?.securityContext;
      for (const c of containersOf(deployment)) {
        const where = `${qualifiedName(deployment)} ${c.name}`;
        const own = c.securityContext;
        expect(own?.runAsNonRoot ?? pod?.runAsNonRoot, `${where} runAsNonRoot`).to.equal(true);
        // The image's USER is a name, which the kubelet cannot check; a uid it can.
        expect(own?.runAsUser ?? pod?.runAsUser, `${where} runAsUser`).to.be.a('number').and.not.equal(0);
        expect(own?.allowPrivilegeEscalation, `${where} allowPrivilegeEscalation`).to.equal(false);
        expect(own?.readOnlyRootFilesystem, `${where} readOnlyRootFilesystem`).to.equal(true);
      }
    }
  });

  it('load the environment from a ConfigMap and a Secret that exist', () => {
    const configMaps = new Set(m.configMaps.map(qualifiedName));
    const secrets = new Set(m.secrets.map(qualifiedName));
    for (const deployment of m.deployments) {
      const ns = deployment.metadata?.namespace ?? '';
      for (const c of containersOf(deployment)) {
        const refs = c.envFrom ?? [];
        const cms = refs.flatMap((r) => (r.configMapRef ? [`${ns}/${r.configMapRef.name ?? ''}`] : []));
        const secs = refs.flatMap((r) => (r.secretRef ? [`${ns}/${r.secretRef.name ?? ''}`] : []));
        expect(cms, `${c.name} ConfigMap refs`).to.have.length.at.least(1);
        expect(secs, `${c.name} Secret refs`).to.have.length.at.least(1);
        for (const ref of cms) expect(configMaps.has(ref), `${c.name} -> ConfigMap ${ref}`).to.equal(true);
        for (const ref of secs) expect(secrets.has(ref), `${c.name} -> Secret ${ref}`).to.equal(true);
      }
    }
  });

  it('set only variables the service reads', () => {
    const known = configVariableNames();
    // Guards the source scan itself: an empty set would make every name "unknown".
    for (const name of ['REDIS_CLUSTER_NODES', 'API_TOKENS', 'PUSH_PROXY_URL']) expect(known).to.include(name);
    for (const name of EXTRA_VARIABLES) known.add(name);
    const set = [
      ...m.configMaps.flatMap((c) => Object.keys(c.data ?? {})),
      ...m.secrets.flatMap((s) => [...Object.keys(s.stringData ?? {}), ...Object.keys(s.data ?? {})]),
      ...m.deployments.flatMap((d) => containersOf(d).flatMap((c) => (c.env ?? []).map((e) => e.name))),
    ];
    expect(set.filter((name) => !known.has(name)), 'unknown variables').to.deep.equal([]);
    expect(set).to.include.members(['API_TOKENS', 'REDIS_PASSWORD', 'PUSH_PROXY_TOKEN', 'REDIS_CLUSTER_NODES']);
  });

  it('agree with the containers on the ports in the ConfigMap', () => {
    const data = configData(m);
    expect(data['PORT'], 'PORT').to.equal(String(PORTS.producer));
    expect(data['METRICS_PORT'], 'METRICS_PORT').to.equal(String(PORTS.consumer));
  });

  it('keep only placeholders in the Secret', () => {
    expect(m.secrets).to.have.length.at.least(1);
    for (const secret of m.secrets) {
      const decoded = Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]);
      for (const [key, value] of [...Object.entries(secret.stringData ?? {}), ...decoded]) {
        expect(value, `${qualifiedName(secret)} ${String(key)}`).to.contain('replace-me');
      }
    }
  });

  it('give pods time to finish in-flight work on SIGTERM', () => {
    const data = configData(m);
    const shutdownMs = Number(data['SHUTDOWN_TIMEOUT_MS'] ?? 10_000);
    for (const deployment of m.deployments) {
      const grace = deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      expect(grace * 1000, `${qualifiedName(deployment)} grace period`).to.be.greaterThan(shutdownMs);
    }
    expect(deploymentFor(m, 'consumer').spec?.template.spec?.terminationGracePeriodSeconds).to.be.at.least(30);
  });

  it('route the producer Service from port 80 to the API port', () => {
    const producer = deploymentFor(m, 'producer');
    const [container] = containersOf(producer);
    expect(m.services).to.have.length(1);
    for (const service of m.services) {
      expect(selects(service.spec?.selector, podLabelsOf(producer)), 'selects the producer pods').to.equal(true);
      expect(selects(service.spec?.selector, podLabelsOf(deploymentFor(m, 'consumer'))), 'not the consumers').to.equal(false);
      const [port] = service.spec?.ports ?? [];
      expect(port?.port).to.equal(80);
      expect(container && resolvePort(container, port?.targetPort ?? port?.port)).to.equal(PORTS.producer);
    }
  });

  it('autoscale the consumer Deployment on CPU and on queue depth', () => {
    const consumer = deploymentFor(m, 'consumer');
    expect(m.autoscalers).to.have.length(1);
    for (const hpa of m.autoscalers) {
      expect(hpa.spec?.scaleTargetRef).to.include({ apiVersion: 'apps/v1', kind: 'Deployment', name: consumer.metadata?.name });
      expect(hpa.spec?.minReplicas, 'minReplicas').to.be.at.least(2);
      const metrics = hpa.spec?.metrics ?? [];
      expect(metrics.some((x) => x.type === 'Resource' && x.resource?.name === 'cpu'), 'cpu metric').to.equal(true);
      const external = metrics.find((x) => x.type === 'External' && x.external?.metric.name === 'push_fanout_queue_depth')?.external;
      expect(external, 'queue-depth metric').to.not.equal(undefined);
      expect(external?.metric.selector?.matchLabels).to.deep.equal({ queue: 'push-fanout' });
      expect(external?.target.type).to.equal('AverageValue');
      // The adapter note must name the gauge the service really exports.
      expect(JSON.stringify(hpa.metadata?.annotations ?? {})).to.contain('push_fanout_queue_waiting');
    }
    expect(readRepoFile('src/metrics/shared-metrics.ts'), 'the gauge behind the metric').to.contain('queue_waiting');
  });

  it('cover each Deployment with its own PodDisruptionBudget', () => {
    for (const pdb of m.disruptionBudgets) {
      const covered = m.deployments.filter((d) => selects(pdb.spec?.selector?.matchLabels, podLabelsOf(d)));
      expect(covered.map(qualifiedName), `${qualifiedName(pdb)} covers`).to.have.length(1);
      expect(pdb.spec?.selector?.matchExpressions ?? [], 'matchExpressions are not checked here').to.deep.equal([]);
      expect(pdb.spec?.minAvailable).to.equal(1);
    }
    for (const deployment of m.deployments) {
      const labels = podLabelsOf(deployment);
      expect(selects(deployment.spec?.selector.matchLabels, labels), `${qualifiedName(deployment)} selector`).to.equal(true);
      const budgets = m.disruptionBudgets.filter((p) => selects(p.spec?.selector?.matchLabels, labels));
      expect(budgets, `${qualifiedName(deployment)} PDBs`).to.have.length(1);
    }
  });

  it('annotate pods for Prometheus on their metrics port', () => {
    for (const deployment of m.deployments) {
      const annotations = deployment.spec?.template.metadata?.annotations ?? {};
      const [container] = containersOf(deployment);
      expect(annotations['prometheus.io/scrape'], qualifiedName(deployment)).to.equal('true');
      expect(annotations['prometheus.io/path'], qualifiedName(deployment)).to.equal('/metrics');
      const port = Number(annotations['prometheus.io/port']);
      expect(container && resolvePort(container, port), `${qualifiedName(deployment)} scrape port`).to.equal(port);
    }
  });
});

describe('deploy/Dockerfile', () => {
  let instructions: Instruction[] = [];
  let stages: Instruction[][] = [];
  let runtime: Instruction[] = [];
  const args = (stage: readonly Instruction[], keyword: string): string[] =>
    stage.filter((i) => i.keyword === keyword).map((i) => i.args);

  before(() => {
    instructions = parseDockerfile(readRepoFile('deploy/Dockerfile'));
    stages = stagesOf(instructions);
    runtime = stages[stages.length - 1] ?? [];
  });

  it('builds in stages with the npm commands CI uses', () => {
    expect(stages.length, 'FROM stages').to.be.at.least(2);
    const runs = args(instructions, 'RUN').join('\n');
    expect(runs).to.match(/\bnpm ci\b/);
    expect(runs).to.match(/\bnpm prune\b[^\n]*--omit=dev/);
    // The image must be built the way the tests ran: CI installs with npm ci too.
    expect(readRepoFile('.ci/run').split('\n').filter((l) => !l.trim().startsWith('#')).join('\n')).to.match(/\bnpm ci\b/);
  });

  it('runs as a user that is not root', () => {
    const users = args(runtime, 'USER');
    expect(users, 'USER in the runtime stage').to.have.length.at.least(1);
    const user = (users[users.length - 1] ?? '').split(':')[0];
    expect(user).to.not.be.oneOf(['', 'root', '0']);
  });

  it('starts the producer by default and ships only the runtime files', () => {
    const cmd = JSON.parse(args(runtime, 'CMD').pop() ?? 'null') as unknown;
    expect(cmd).to.deep.equal(['node', ENTRY_POINTS.producer]);
    expect(args(runtime, 'ENV').join(' ')).to.match(/\bNODE_ENV=production\b/);
    const copied = args(runtime, 'COPY').map((a) => a.split(/\s+/).filter((w) => !w.startsWith('--'))[0]);
    // The dashboard's files are not compiled; image-files.test.ts checks the producer finds them there.
    expect(copied.map((src) => src?.replace(/^\/app\//, ''))).to.have.members(['package.json', 'node_modules', 'dist', 'producer/dashboard/static']);
  });

  it('exposes the ports the manifests use', () => {
    const exposed = args(runtime, 'EXPOSE').flatMap((a) => a.split(/\s+/)).map((p) => Number(p.split('/')[0]));
    expect(exposed).to.include.members([PORTS.producer, PORTS.consumer]);
  });
});
