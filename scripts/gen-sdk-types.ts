/**
 * Writes the SDK's API types (packages/client/src/types.ts) from the contract module
 * (src/contract.ts), so the shapes the SDK publishes are the server's own, byte for byte:
 *
 *   node --import tsx scripts/gen-sdk-types.ts           (re)writes packages/client/src/types.ts
 *   node --import tsx scripts/gen-sdk-types.ts --check   exits 1 when the file is out of date
 *
 * A copy rather than an import because the SDK is built and published on its own (its tsconfig's
 * rootDir is its src/); the contract has no imports, so the copy compiles there unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONTRACT_PATH = join(ROOT, 'src', 'contract.ts');
export const SDK_TYPES_PATH = join(ROOT, 'packages', 'client', 'src', 'types.ts');

const BANNER = [
  '// Generated from src/contract.ts by scripts/gen-sdk-types.ts: do not edit here. Change the',
  '// contract and run `npm run sdk:types` (test/client/sdk-types.test.ts checks the two agree).',
  '',
].join('\n');

export function renderSdkTypes(): string {
  return BANNER + readFileSync(CONTRACT_PATH, 'utf8');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const text = renderSdkTypes();
  if (process.argv.includes('--check')) {
    if (readFileSync(SDK_TYPES_PATH, 'utf8') !== text) {
      console.error(`${SDK_TYPES_PATH} is out of date: run npm run sdk:types`);
      process.exit(1);
    }
  } else {
    writeFileSync(SDK_TYPES_PATH, text);
  }
}
