/**
 * The image ships the dashboard's files where the producer reads them. tsc
 * does not copy them into dist/, so the runtime stage must COPY them; without
 * them the producer refuses to start. With no Docker daemon here, the test
 * lays out the runtime stage as its COPY lines say (from this checkout's
 * build) in a temp folder and builds the dashboard routes there, in a real
 * node process; the same layout minus the files' COPY must fail.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DASHBOARD_STATIC_DIR } from '../../producer/dashboard/static-files';
import { type Instruction, parseDockerfile, readRepoFile, REPO_ROOT, stagesOf } from './deploy-files';

/** Where the build stage works, and so where the runtime stage copies from. */
const BUILD_ROOT = '/app/';

/** One `COPY --from=build <src> <dest>` of the runtime stage, as repository-relative paths. */
interface Copy {
  src: string;
  dest: string;
}

function runtimeCopies(runtime: readonly Instruction[]): Copy[] {
  return runtime
    .filter((i) => i.keyword === 'COPY')
    .map((i) => i.args.split(/\s+/).filter((w) => !w.startsWith('--')))
    .map(([src = '', dest = '']) => {
      expect(src, 'runtime COPY source').to.satisfy((s: string) => s.startsWith(BUILD_ROOT));
      return { src: src.slice(BUILD_ROOT.length), dest: path.normalize(dest) };
    });
}

/** Copies what the runtime stage copies into `root` (node_modules as a link: it is large and only read). */
function layOut(root: string, copies: readonly Copy[]): void {
  for (const { src, dest } of copies) {
    const target = path.join(root, dest);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (src === 'node_modules') fs.symlinkSync(path.join(REPO_ROOT, src), target);
    else fs.cpSync(path.join(REPO_ROOT, src), target, { recursive: true });
  }
}

/** Builds the dashboard routes inside `root` the way the producer does at start; returns what it served or why it failed. */
function dashboardIn(root: string): { dir: string; names: string[] } | { error: string } {
  const script = [
    "const { dashboardRouter } = require('./dist/producer/routes/dashboard.js');",
    "const { DASHBOARD_STATIC_DIR, loadStaticFiles } = require('./dist/producer/dashboard/static-files.js');",
    'try { dashboardRouter({ read: async () => [] }); } catch (err) { console.log(JSON.stringify({ error: err.message })); process.exit(0); }',
    'console.log(JSON.stringify({ dir: DASHBOARD_STATIC_DIR, names: [...loadStaticFiles().keys()] }));',
  ].join('\n');
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as { dir: string; names: string[] } | { error: string };
}

describe('deploy/Dockerfile ships the dashboard files', () => {
  let copies: Copy[] = [];
  let root = '';
  const staticDir = path.relative(REPO_ROOT, DASHBOARD_STATIC_DIR);

  before(() => {
    const stages = stagesOf(parseDockerfile(readRepoFile('deploy/Dockerfile')));
    const build = stages[0] ?? [];
    // The build stage has the source folder to copy from.
    const sources = build.filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/)[0] ?? '');
    expect(sources.some((src) => staticDir === src || staticDir.startsWith(`${src}/`)), `build stage copies ${staticDir}`).to.equal(true);
    copies = runtimeCopies(stages[stages.length - 1] ?? []);
  });

  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'image-layout-')));
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('lets the producer find every file in the runtime layout', () => {
    layOut(root, copies);
    expect(dashboardIn(root)).to.deep.equal({ dir: path.join(root, staticDir), names: fs.readdirSync(DASHBOARD_STATIC_DIR).sort() });
  });

  it('would refuse to start from an image without them', () => {
    layOut(root, copies.filter((c) => c.dest !== staticDir));
    expect(dashboardIn(root)).to.deep.equal({ error: `the dashboard files are missing: cannot read ${path.join(root, staticDir)} (ENOENT: no such file or directory, scandir '${path.join(root, staticDir)}')` });
  });
});
