/**
 * Copies every `.lua` file of the source tree into dist/ at the same path,
 * so the compiled service finds its scripts where the source has them (tsc
 * copies only what it compiles). Run by the build after tsc; see
 * src/redis/lua-script.ts for how scripts are found.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE_DIRS = ['src', 'producer', 'consumer'];

for (const dir of SOURCE_DIRS) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) continue;
  for (const file of fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.lua')) continue;
    const target = path.join(ROOT, 'dist', dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(abs, file), target);
  }
}
