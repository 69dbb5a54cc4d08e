/**
 * The house rules on dependencies, checked on the source itself:
 * `src/` never imports Koa, `producer/` or `consumer/`; `producer/` and
 * `consumer/` never import each other; there are no import cycles; there are
 * no default-export modules or barrel files; nothing outside `src/config`
 * reads `process.env`.
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
      expect(lines, file).to.be.at.most(260);
    }
  });
});
