/**
 * The dashboard's files as the producer loads them: every file of a served
 * type, with its type and a content-hash ETag; a folder that lost its files
 * fails loudly. The content rules (nothing inline, nothing from elsewhere)
 * are in static.test.ts.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DASHBOARD_STATIC_DIR, loadStaticFiles } from '../../../producer/dashboard/static-files';

describe('dashboard static files: loading', () => {
  let dir = '';

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-static-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads every file of the source folder with its content type', () => {
    const files = loadStaticFiles();
    const onDisk = fs.readdirSync(DASHBOARD_STATIC_DIR).sort();
    expect([...files.keys()]).to.deep.equal(onDisk);
    expect(files.get('dashboard.html')?.type).to.equal('text/html; charset=utf-8');
    expect(files.get('dashboard.css')?.type).to.equal('text/css; charset=utf-8');
    expect(files.get('main.js')?.type).to.equal('text/javascript; charset=utf-8');
    expect(files.get('icon.svg')?.type).to.equal('image/svg+xml');
    for (const [name, file] of files) {
      expect(file.body.equals(fs.readFileSync(path.join(DASHBOARD_STATIC_DIR, name))), name).to.equal(true);
    }
  });

  it('gives each content its own strong ETag, the same wherever it is loaded', () => {
    fs.writeFileSync(path.join(dir, 'a.js'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(dir, 'b.js'), 'export const a = 2;\n');
    const first = loadStaticFiles(dir);
    const etagA = first.get('a.js')?.etag ?? '';
    expect(etagA).to.match(/^"[\w-]{27}"$/);
    expect(first.get('b.js')?.etag).not.to.equal(etagA);
    // Another producer of the same release (here: the same bytes in another folder) gives the same ETag.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-static-'));
    try {
      fs.copyFileSync(path.join(dir, 'a.js'), path.join(other, 'a.js'));
      expect(loadStaticFiles(other).get('a.js')?.etag).to.equal(etagA);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
    // A deploy that changes the file changes its ETag.
    fs.writeFileSync(path.join(dir, 'a.js'), 'export const a = 3;\n');
    expect(loadStaticFiles(dir).get('a.js')?.etag).not.to.equal(etagA);
  });

  it('serves only the known types', () => {
    fs.writeFileSync(path.join(dir, 'page.html'), '<!doctype html>');
    fs.writeFileSync(path.join(dir, 'notes.md'), '# not served');
    fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1');
    expect([...loadStaticFiles(dir).keys()]).to.deep.equal(['page.html']);
  });

  it('fails, naming the folder, when the files are missing', () => {
    const missing = path.join(dir, 'nowhere');
    expect(() => loadStaticFiles(missing)).to.throw(`the dashboard files are missing: cannot read ${missing}`);
    expect(() => loadStaticFiles(dir)).to.throw(`the dashboard files are missing: nothing to serve in ${dir}`);
  });
});
