/**
 * Reading the deployment files for the deploy tests: the Kubernetes manifests
 * (parsed the way Kubernetes parses them), the Dockerfile's instructions, and
 * the environment variable names the service's config actually reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root: the tests run compiled, from dist/test/deploy/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Where the Kubernetes manifests live. */
export const MANIFEST_DIR = path.join(REPO_ROOT, 'deploy', 'k8s');

/** One YAML document of a manifest file. */
export interface ManifestDoc {
  /** `file#index`, for failure messages. */
  source: string;
  value: unknown;
}

/** Every document under deploy/k8s, plus every YAML problem found on the way. */
export interface LoadedManifests {
  docs: ManifestDoc[];
  errors: string[];
}

/** Reads a file relative to the repository root. */
export function readRepoFile(relative: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

/** The manifest files, recursively, in the order `kubectl apply -f` takes them. */
export function manifestFiles(): string[] {
  return fs
    .readdirSync(MANIFEST_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(MANIFEST_DIR, f));
}

/**
 * Parses every document of every manifest file. YAML 1.1 because that is what
 * Kubernetes' parser speaks: an unquoted `no` or `on` is a boolean there (and
 * then an invalid ConfigMap value), while YAML 1.2 would read a string and let
 * the mistake through. Empty documents (a trailing `---`) are skipped, as
 * kubectl does.
 */
export function loadManifests(): LoadedManifests {
  const docs: ManifestDoc[] = [];
  const errors: string[] = [];
  for (const file of manifestFiles()) {
    const name = path.relative(REPO_ROOT, file);
    parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' }).forEach((doc, index) => {
      const source = `${name}#${index}`;
      for (const e of [...doc.errors, ...doc.warnings]) errors.push(`${source}: ${e.message}`);
      if (doc.errors.length === 0 && doc.contents !== null) docs.push({ source, value: doc.toJS() });
    });
  }
  return { docs, errors };
}

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

/**
 * Splits a Dockerfile into instructions. Comment lines (and parser directives,
 * which look like comments) are dropped, also inside a continued RUN, as
 * Docker does, so a command mentioned in a comment never counts as run.
 */
export function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending.trim() !== '') logical.push(pending);
  return logical.map((line) => {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    return { keyword: (match?.[1] ?? '').toUpperCase(), args: match?.[2] ?? '' };
  });
}

/** The instructions grouped by build stage, each group starting with its FROM. */
export function stagesOf(instructions: readonly Instruction[]): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages[stages.length - 1]?.push(instruction);
  }
  return stages;
}

/**
 * The environment variables the service reads: the keys of the zod shapes in
 * src/config (`  QUEUE_PREFIX: envPattern(...)`). Read from the source rather
 * than listed here, so a renamed variable fails this test instead of leaving a
 * stale name in the manifests that the parser would silently ignore.
 */
export function configVariableNames(): Set<string> {
  const dir = path.join(REPO_ROOT, 'src', 'config');
  const names = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(/^\s*([A-Z][A-Z0-9_]+):/gm)) {
      if (match[1] !== undefined) names.add(match[1]);
    }
  }
  return names;
}
