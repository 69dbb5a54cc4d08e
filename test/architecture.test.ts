/**
 * The house rules on dependencies, checked on the source itself:
 * `src/` never imports Koa, `producer/` or `consumer/`; `producer/` and
 * `consumer/` never import each other; there are no import cycles; there are
 * no default-export modules or barrel files; nothing outside `src/config`
 * reads `process.env`. Folders of `src/` import each other one way, in the
 * order of the module map in docs/architecture.md; nothing outside `src/bee`
 * names a Bee-Queue key suffix or a Bee-Queue / node-redis internal.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const APP_DIRS = ['src', 'producer', 'consumer'];

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*import\s[^'"]*?['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    specs.push(m[1] ?? m[2] ?? '');
  }
  return specs;
}

/** Resolves a relative import to a project path (without extension), or undefined for packages. */
function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.normalize(path.join(path.dirname(from), spec));
}

/** The folders of `src/`, lowest first, as the module map in docs/architecture.md lists them. */
function documentedOrder(): string[] {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Module map')) ?? '';
  return [...section.matchAll(/^\d+\. `([a-z-]+)`/gm)].map((m) => m[1] ?? '');
}

/** The `src/` folder a project path is in, or undefined outside `src/`. */
function srcFolder(file: string): string | undefined {
  const parts = file.split(path.sep);
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

/** The code of a file without its comments, so that prose may name what code may not. */
function codeOf(file: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Bee-Queue 2.0.0's key suffixes (src/bee/bee-keys.ts), as string literals;
 * but `id`, `failed`, `succeeded` and `events`, which are words of the
 * service's own too (push outcomes, ids).
 */
const BEE_SUFFIX_LITERAL = /['"`:](jobs|waiting|active|delayed|stalling|stallBlock|earlierDelayed)['"`]/;
/** Internals of Bee-Queue (connections, loop, job options) and node-redis (client state, writes) that src/bee wraps. */
const INTERNAL_FIELD =
  /\b(bclient|eclient|_emitError|_waitForJob|_doStalledJobCheck|_activateDelayed|_evalScript|_delayedTimer|_finishJob|backoffStrategies|stacktraces|droppedTraces|writableCorked)\b|\.toKey\(|\.closing\b|\.(un)?cork\(|\.duplicate\s*=\s*\(|\.options\.(retries|backoff)\b|as unknown as \{ (ready|closing)/;

describe('architecture', () => {
  const files = APP_DIRS.flatMap(sourceFiles);

  it('has source to check', () => {
    expect(files.length).to.be.greaterThan(20);
  });

  it('keeps src/ free of Koa, producer/ and consumer/', () => {
    for (const file of sourceFiles('src')) {
      for (const spec of importsOf(file)) {
        const target = resolveRelative(file, spec) ?? spec;
        expect(target, `${file} imports ${spec}`).not.to.match(/^(koa|@koa\/|producer\/|consumer\/)/);
      }
    }
  });

  it('keeps producer/ and consumer/ apart', () => {
    for (const [dir, other] of [['producer', 'consumer'], ['consumer', 'producer']] as const) {
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          expect(resolveRelative(file, spec) ?? '', `${file} imports ${spec}`).not.to.match(new RegExp(`^${other}/`));
        }
      }
    }
  });

  it('has no import cycles', () => {
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const id = file.replace(/\.ts$/, '');
      graph.set(id, importsOf(file).map((s) => resolveRelative(file, s)).filter((t): t is string => t !== undefined));
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, trail: string[]): void => {
      if (state.get(node) === 'done' || !graph.has(node)) return;
      expect(state.get(node), `cycle: ${[...trail, node].join(' -> ')}`).not.to.equal('visiting');
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
  });

  it('uses named exports only, and no barrel files', () => {
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      expect(text, file).not.to.match(/^export default /m);
      expect(path.basename(file), file).not.to.equal('index.ts');
    }
  });

  it('reads process.env only in src/config', () => {
    for (const file of files.filter((f) => !f.startsWith(`src${path.sep}config${path.sep}`))) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      expect(text, file).not.to.match(/process\.env/);
    }
  });

  it('keeps modules small', () => {
    for (const file of files) {
      const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length;
      expect(lines, file).to.be.at.most(250);
    }
  });

  it('lists every folder of src/ in the module map of docs/architecture.md', () => {
    const order = documentedOrder();
    const folders = fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect([...order].sort()).to.deep.equal(folders.sort());
  });

  it('has src/ folders import only folders below them in the module map', () => {
    const order = documentedOrder();
    for (const file of sourceFiles('src')) {
      const from = srcFolder(file) ?? '';
      for (const spec of importsOf(file)) {
        const to = srcFolder(resolveRelative(file, spec) ?? '');
        if (to === undefined || to === from) continue;
        expect(order.indexOf(to), `${file} imports ${spec}: ${from} may not import ${to}`).to.be.lessThan(order.indexOf(from));
      }
    }
  });

  it('keeps Bee-Queue key suffixes and internals inside src/bee', () => {
    // The dashboard shows the depth figures by their field names, which are no keys.
    const outside = files.filter((f) => srcFolder(f) !== 'bee' && !f.startsWith(path.join('producer', 'dashboard')));
    for (const file of outside) {
      const code = codeOf(file);
      expect(code, `${file} names a Bee-Queue key suffix`).not.to.match(BEE_SUFFIX_LITERAL);
      expect(code, `${file} reaches into a Bee-Queue or node-redis internal`).not.to.match(INTERNAL_FIELD);
    }
  });

  it('finds the suffixes and internals it looks for in src/bee, so the check above can fail', () => {
    const bee = sourceFiles(path.join('src', 'bee')).map(codeOf).join('\n');
    expect(bee).to.match(BEE_SUFFIX_LITERAL);
    expect(bee).to.match(INTERNAL_FIELD);
  });
});
