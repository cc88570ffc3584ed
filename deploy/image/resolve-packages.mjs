// Says what an image of Arbiter installs for a set of languages, for scripts/build-image and the
// Dockerfile alike, so both read the same sources: the "# The sandbox" section of
// scripts/debian-packages.txt and each language's packages in the compiled language catalog (a test
// already checks the catalog's packages are all in that file).
//
//   node deploy/image/resolve-packages.mjs PROJECT_DIR LANGUAGES [--without PKG,PKG]
//
// PROJECT_DIR holds a compiled dist/; LANGUAGES is "all" or ids such as "c,python3". --without drops
// packages the image gets another way (the Dockerfile's Node comes from the node image, not apt).
// Prints three lines: the language ids, the Debian packages (sorted), and TYPESCRIPT_HOME.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [projectDir, languages, flag, withoutList] = process.argv.slice(2);
if (!projectDir || !languages || (flag !== undefined && (flag !== '--without' || !withoutList))) {
  console.error('usage: resolve-packages.mjs PROJECT_DIR all|ID,ID... [--without PKG,PKG]');
  process.exit(2);
}

const catalogUrl = pathToFileURL(join(projectDir, 'dist', 'src', 'languages', 'catalog.js')).href;
const { LANGUAGE_CATALOG, TYPESCRIPT_HOME } = await import(catalogUrl);

const known = LANGUAGE_CATALOG.map((l) => l.id);
const wanted =
  languages === 'all'
    ? known
    : [
        ...new Set(
          languages
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
const unknown = wanted.filter((id) => !known.includes(id));
if (unknown.length > 0 || wanted.length === 0) {
  console.error(`unknown language id(s): ${unknown.join(', ') || '(none given)'}; known: ${known.join(',')}`);
  process.exit(2);
}

// The sandbox's own packages: from the "# The sandbox" heading (however many comment lines it
// takes) to the next comment line after its packages.
const sandbox = [];
let inSection = false;
for (const raw of readFileSync(join(projectDir, 'scripts', 'debian-packages.txt'), 'utf8').split('\n')) {
  const line = raw.trim();
  if (line.startsWith('# The sandbox')) inSection = true;
  else if (inSection && line.startsWith('#')) {
    if (sandbox.length > 0) break;
  } else if (inSection && line) sandbox.push(line.split(/\s+/)[0]);
}
if (sandbox.length === 0) {
  console.error('no "# The sandbox" section in scripts/debian-packages.txt');
  process.exit(2);
}

const chosen = LANGUAGE_CATALOG.filter((l) => wanted.includes(l.id));
const without = new Set((withoutList ?? '').split(',').filter(Boolean));
const packages = [...new Set([...sandbox, ...chosen.flatMap((l) => l.packages)])]
  .filter((p) => !without.has(p))
  .sort();
console.log(chosen.map((l) => l.id).join(','));
console.log(packages.join(' '));
console.log(TYPESCRIPT_HOME);
