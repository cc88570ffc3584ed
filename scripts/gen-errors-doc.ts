/**
 * Writes docs/errors.md from the error registry (src/errors.ts), so the reference of codes cannot
 * drift from the code, as Fastify documents its own error codes:
 *
 *   node --import tsx scripts/gen-errors-doc.ts           (re)writes docs/errors.md
 *   node --import tsx scripts/gen-errors-doc.ts --check   exits 1 when the file is out of date
 *
 * The codes and HTTP statuses come from ErrorCodes itself, imported; each one's meaning from the
 * JSDoc comment above its entry (read with the TypeScript compiler API).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ErrorCodes, type ErrorKey } from '../src/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ERRORS_DOC_PATH = join(ROOT, 'docs', 'errors.md');
const ERRORS_SOURCE = join(ROOT, 'src', 'errors.ts');

/** Each registry entry's JSDoc comment, on one line, by key ('' when it has none). */
export function readErrorDocs(): Map<string, string> {
  const source = ts.createSourceFile(
    ERRORS_SOURCE,
    readFileSync(ERRORS_SOURCE, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      node.name.getText() === 'ErrorCodes' &&
      node.initializer &&
      ts.isAsExpression(node.initializer) &&
      ts.isObjectLiteralExpression(node.initializer.expression)
    ) {
      for (const property of node.initializer.expression.properties) {
        const comment = ts
          .getJSDocCommentsAndTags(property)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ');
        docs.set(property.name!.getText(), comment.replace(/\s+/g, ' ').trim());
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderErrorsDoc(): string {
  const docs = readErrorDocs();
  const rows = (Object.keys(ErrorCodes) as ErrorKey[]).map((key) => {
    const { code, status } = ErrorCodes[key];
    return `| \`${code}\` | ${status} | ${cell(docs.get(key) ?? '')} |`;
  });
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/errors.ts by scripts/gen-errors-doc.ts (npm run docs:errors); do not edit. -->',
    '',
    'Every error of the native API has one shape: `{ error, message, status, timestamp, path, requestId }`,',
    'plus `retryAfter` (seconds, also sent as the `Retry-After` header) when waiting helps. `error` is one of',
    'the codes below: a contract that clients and tests match on; `message` says what happened in words',
    'and may be reworded. A verdict such as `wrong_answer` is never an error: errors are for when Arbiter',
    "itself cannot do what was asked. The Judge0 and Piston APIs answer in their own projects' error",
    'shapes instead (docs/compat.md).',
    '',
    '| code | HTTP status | meaning |',
    '|---|---:|---|',
    ...rows,
    '',
  ].join('\n');
}

export function isErrorsDocCurrent(): boolean {
  try {
    return readFileSync(ERRORS_DOC_PATH, 'utf8') === renderErrorsDoc();
  } catch {
    return false;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--check')) {
    if (!isErrorsDocCurrent()) {
      process.stderr.write('docs/errors.md is out of date with src/errors.ts: run `npm run docs:errors`\n');
      process.exit(1);
    }
  } else {
    writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
  }
}
