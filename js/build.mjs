// Minify js/embed.js with terser into the file named on the command line (static/rtr/embed.js).
// `make test` builds into a temporary file and compares, so a stale committed build fails CI.
import { readFile, writeFile } from 'node:fs/promises';
import { minify } from 'terser';

const [out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node js/build.mjs OUTPUT.js');
  process.exit(2);
}
const source = await readFile(new URL('embed.js', import.meta.url), 'utf8');
const { code } = await minify(source, {
  ecma: 2020,
  compress: { passes: 3, unsafe_arrows: true },
  // The loader's own properties start with `_` (never a DOM or message field): shorten them too.
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
});
await writeFile(out, code + '\n');
