/**
 * What the dashboard's files (producer/dashboard/static) may contain, so its
 * strict Content-Security-Policy holds: the page loads only files of this
 * folder, has no inline script, style or handler, the scripts import only
 * each other, and no script writes HTML from strings. The Chromium tests show
 * that the browser agrees (any CSP violation is a console error there).
 */
import { expect } from 'chai';
import { LANES } from '../../../src/queue/lane';
import { loadStaticFiles } from '../../../producer/dashboard/static-files';
import { ASSET_PATH } from '../../../producer/routes/dashboard';

const files = loadStaticFiles();
const text = (name: string): string => files.get(name)?.body.toString('utf8') ?? '';
const html = text('dashboard.html');
const scripts = [...files.keys()].filter((name) => name.endsWith('.js'));

/** The relative imports of one module, as file names. */
function importsOf(name: string): string[] {
  return [...text(name).matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
}

describe('dashboard static files: content', () => {
  it('loads only its own files, from where the producer serves them', () => {
    expect(html).to.match(/^<!doctype html>/);
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(refs).to.have.members([`${ASSET_PATH}icon.svg`, `${ASSET_PATH}dashboard.css`, `${ASSET_PATH}main.js`]);
    for (const ref of refs) expect(files.has(ref.slice(ASSET_PATH.length)), ref).to.equal(true);
    expect(html).to.match(/<script type="module" src="[^"]+"><\/script>/);
    for (const name of files.keys()) {
      const body = name.endsWith('.svg') ? '' : text(name);
      expect(body, name).not.to.match(/https?:\/\/|@import|url\(/i);
    }
  });

  it('has no inline script, style or event handler, which the CSP would block', () => {
    expect(html.match(/<script\b/g)).to.have.length(1);
    expect(html).not.to.match(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.to.match(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  it('has scripts that import only each other, all reachable from main.js', () => {
    const reached = new Set<string>();
    const visit = (name: string): void => {
      if (reached.has(name)) return;
      reached.add(name);
      for (const spec of importsOf(name)) {
        expect(spec, `${name} imports ${spec}`).to.match(/^\.\/[a-z-]+\.js$/);
        expect(files.has(spec.slice(2)), `${name} imports ${spec}`).to.equal(true);
        visit(spec.slice(2));
      }
    };
    visit('main.js');
    expect([...reached].sort()).to.deep.equal(scripts.sort());
  });

  it('never writes HTML from strings or runs strings as code', () => {
    for (const name of scripts) {
      expect(text(name), name).not.to.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|setAttribute\('style'/);
    }
  });

  it('knows the lanes in the order the service lists them', () => {
    const literal = /^export const LANES = (\[[^\]]*\]);$/m.exec(text('lane.js'))?.[1] ?? '';
    expect(JSON.parse(literal.replace(/'/g, '"'))).to.deep.equal(LANES);
  });

  it('names every part the page and the tests look for', () => {
    const fields = ['waiting', 'active', 'delayed', 'oldest', 'throughput', 'peak', 'shards', 'sparkline'];
    for (const field of fields) expect(html, field).to.contain(`data-field="${field}"`);
    for (const id of ['token-input', 'token-submit', 'total-delivered', 'replay-all', 'notice', 'lookup-input', 'lookup-submit', 'lookup-result', 'stats', 'lane-card-template']) {
      expect(html, id).to.contain(`data-testid="${id}"`);
    }
  });
});
