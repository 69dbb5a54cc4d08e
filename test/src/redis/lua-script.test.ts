import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LuaScript, luaPath } from '../../../src/redis/lua-script';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

describe('lua-script', () => {
  it('reads a compiled module\'s script from the source tree, where it is edited', () => {
    const compiledDir = path.join(ROOT, 'dist', 'src', 'redis');
    fs.mkdirSync(path.join(ROOT, 'src', 'redis', 'lua'), { recursive: true });
    const source = path.join(ROOT, 'src', 'redis', 'lua', 'lua-script-test.lua');
    fs.writeFileSync(source, 'return 1\n');
    try {
      expect(luaPath(compiledDir, 'lua-script-test')).to.equal(source);
      expect(LuaScript.load(compiledDir, 'lua-script-test').source).to.equal('return 1\n');
    } finally {
      fs.rmSync(path.join(ROOT, 'src', 'redis', 'lua'), { recursive: true });
    }
  });

  it('falls back to the copy beside the compiled module when there is no source tree (an image with dist/ only)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-'));
    fs.mkdirSync(path.join(dir, 'lua'));
    fs.writeFileSync(path.join(dir, 'lua', 'only-here.lua'), 'return 2\n');
    expect(LuaScript.load(dir, 'only-here').source).to.equal('return 2\n');
    fs.rmSync(dir, { recursive: true });
  });

  it('finds every script of the service in dist/ too, as the build copies them', () => {
    const sources = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.lua'));
    expect(sources.length).to.be.greaterThan(5);
    for (const file of sources) expect(fs.existsSync(path.join(ROOT, 'dist', 'src', file)), file).to.equal(true);
  });
});
