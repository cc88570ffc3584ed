import { LanguageRegistry } from '../languages/registry.js';
import { table } from './format.js';

/** `arbiter languages`: what is installed, with versions. */
export async function languagesCommand(options: { json?: boolean; all?: boolean }): Promise<number> {
  const registry = new LanguageRegistry();
  const languages = (await registry.describe()).filter((l) => options.all || l.installed);
  if (options.json) {
    process.stdout.write(JSON.stringify(languages, null, 2) + '\n');
    return 0;
  }
  const rows = [['ID', 'NAME', 'VERSION', 'KIND', 'ALIASES']];
  for (const l of languages) {
    rows.push([
      l.id,
      l.name,
      l.installed ? (l.version ?? '?') : 'not installed',
      l.compiled ? 'compiled' : 'interpreted',
      l.aliases.join(', '),
    ]);
  }
  process.stdout.write(table(rows) + '\n');
  return 0;
}
