import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LuaScript } from '../../../src/redis/lua-script';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

describe('lua-script', () => {
  it('reads the script beside the module that runs it, as in an image with dist/ only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-'));
    fs.mkdirSync(path.join(dir, 'lua'));
    fs.writeFileSync(path.join(dir, 'lua', 'only-here.lua'), 'return 2\n');
    expect(LuaScript.load(dir, 'only-here').source).to.equal('return 2\n');
    fs.rmSync(dir, { recursive: true });
  });

  it('has every script of the service in dist/, equal to its source, as the build copies them', () => {
    const sources = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.lua'));
    expect(sources.length).to.be.greaterThan(5);
    for (const file of sources) {
      const copy = path.join(ROOT, 'dist', 'src', file);
      expect(fs.existsSync(copy), file).to.equal(true);
      // A stale copy would run old KEYS/ARGV order under new code: the build must copy again after every edit.
      expect(fs.readFileSync(copy, 'utf8'), file).to.equal(fs.readFileSync(path.join(ROOT, 'src', file), 'utf8'));
    }
  });
});
