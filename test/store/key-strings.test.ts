import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';

/** Production code: everything the functions, the CLI, the twin and the stack are built from. */
const PRODUCTION = ['shared', 'functions', 'cli', 'local', 'infra'];
/** The only places that may spell a key: the table's description and the DynamoDB adapter. */
const KEY_OWNERS = ['shared/store/', 'shared/adapters/'];

const ITEM_PREFIX = /^(company|contact|deal|form|activity|raw|quarantine|packet|mail|client|source|hold)#/;
const INDEX_FRAGMENT = /#(created|milestone|open)(#|$)/;
const OWNER_PREFIX = /^(contact|email):$/;
const INDEX_ATTRIBUTE = /^g[1-4](pk|sk)$/;

/**
 * The key strings a source file builds: string and template literals that begin like a partition
 * key or hold an index key fragment, owner keys (`contact:${…}`), and GSI attribute names.
 * Comments are not code and are not read.
 */
function keyStringsIn(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${fileName}:${line + 1}: ${node.getText(source)}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (ITEM_PREFIX.test(node.text) || INDEX_FRAGMENT.test(node.text) || INDEX_ATTRIBUTE.test(node.text)) {
        report(node);
      }
    } else if (ts.isTemplateExpression(node)) {
      const parts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
      if (
        ITEM_PREFIX.test(node.head.text) ||
        OWNER_PREFIX.test(node.head.text) ||
        parts.some((part) => INDEX_FRAGMENT.test(part) || ITEM_PREFIX.test(part))
      ) {
        report(node);
      }
    } else if (ts.isIdentifier(node) && INDEX_ATTRIBUTE.test(node.text)) {
      report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('key strings', () => {
  it('are built only by shared/store/ and the DynamoDB adapter', () => {
    // Prepare
    const files = PRODUCTION.flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)))
      .map((path) => relative(REPO_ROOT, path))
      .filter((path) => !KEY_OWNERS.some((owner) => path.startsWith(owner)));
    expect(files.length).toBeGreaterThan(50);
    // Act
    const found = files.flatMap((path) => keyStringsIn(path, readFileSync(join(REPO_ROOT, path), 'utf8')));
    // Assess
    expect(found).toEqual([]);
  });

  it('would catch a key spelled outside the store, but not one named in a comment', () => {
    // Prepare: one key spelled per line 2 to 9, none on lines 1 (a comment) and 10.
    const path = 'test/fixtures/keys/spelled-keys.ts.txt';
    // Act
    const found = keyStringsIn(path, readFileSync(join(REPO_ROOT, path), 'utf8'));
    // Assess
    expect(found.map((line) => Number(line.split(':')[1]))).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
