// The SDK's API types are the contract module (src/contract.ts) copied by scripts/gen-sdk-types.ts.
// These tests fail when the copy was not regenerated after a change (`npm run sdk:types`), and when
// the contract gains an import: it must build alone, in the SDK's browser-only project and in the
// web pages' one, so it may depend on nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import { CONTRACT_PATH, SDK_TYPES_PATH, renderSdkTypes } from '../../scripts/gen-sdk-types.js';

test('packages/client/src/types.ts is what scripts/gen-sdk-types.ts writes (else: npm run sdk:types)', () => {
  assert.equal(
    readFileSync(SDK_TYPES_PATH, 'utf8'),
    renderSdkTypes(),
    'packages/client/src/types.ts is out of date with src/contract.ts: run `npm run sdk:types`',
  );
});

test('the contract imports nothing: no import or export-from declaration, no dynamic import or require', () => {
  const text = readFileSync(CONTRACT_PATH, 'utf8');
  const source = ts.createSourceFile(CONTRACT_PATH, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isImportEqualsDeclaration(node)) found.push(node.getText());
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) found.push(node.getText());
    else if (ts.isImportTypeNode(node)) found.push(node.getText());
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    )
      found.push(node.getText());
    ts.forEachChild(node, visit);
  };
  visit(source);
  assert.deepEqual(found, [], 'src/contract.ts must stay dependency-free');
  assert.ok(text.includes('export interface Submission {'), 'the contract holds the submission view');
});
