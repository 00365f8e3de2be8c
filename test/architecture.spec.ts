import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of STYLE.md, read off the import graph of src/ (spec files excluded):
 *   route → service → repository, only repositories build SQL, features meet through services and models,
 *   the demo generator is a tool that production code never needs, and no runtime import cycle.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');

/** Database plumbing that is allowed to speak SQL although it is no feature's repository. */
const SQL_PLUMBING = ['src/platform/database.ts', 'src/platform/database-roles.ts', 'src/platform/migrate.ts', 'src/platform/testing.ts'];
/** Query-builder entry points and raw execution: calling one of these builds or sends SQL. */
const SQL_CALLS = new Set([
  'selectFrom',
  'selectNoFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'replaceInto',
  'executeQuery',
]);

interface Import {
  /** Resolved file (relative to the project root) or the bare package name. */
  target: string;
  /** Every imported name is a type (import type, or only type specifiers): nothing runs. */
  typeOnly: boolean;
  /** import() at run time: loaded lazily, never part of a module-initialization cycle. */
  dynamic: boolean;
}

interface SourceInfo {
  file: string;
  imports: Import[];
  /** Why this file builds SQL, if it does (the first place found). */
  sql: string | null;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolve(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const abs = path.resolve(path.dirname(from), spec.replace(/\.js$/, '.ts'));
  return path.relative(ROOT, abs).split(path.sep).join('/');
}

function analyse(absFile: string): SourceInfo {
  const file = path.relative(ROOT, absFile).split(path.sep).join('/');
  const text = fs.readFileSync(absFile, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const imports: Import[] = [];
  let sqlReason: string | null = null;
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = Boolean(
        clause?.isTypeOnly || (clause && !clause.name && named && named.length > 0 && named.every((e) => e.isTypeOnly)),
      );
      const target = resolve(absFile, node.moduleSpecifier.text);
      imports.push({ target, typeOnly, dynamic: false });
      if (target === 'kysely' && !typeOnly && !sqlReason) sqlReason = `imports values from kysely (line ${line(node)})`;
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({ target: resolve(absFile, node.moduleSpecifier.text), typeOnly: node.isTypeOnly, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) imports.push({ target: resolve(absFile, arg.text), typeOnly: false, dynamic: true });
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && SQL_CALLS.has(node.expression.name.text)) {
      sqlReason ??= `calls .${node.expression.name.text}() (line ${line(node)})`;
    } else if (ts.isTaggedTemplateExpression(node) && node.tag.getText(sf) === 'sql') {
      sqlReason ??= `writes sql\`…\` (line ${line(node)})`;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { file, imports, sql: sqlReason };
}

const files = walk(SRC).map(analyse);
const byFile = new Map(files.map((f) => [f.file, f]));

const feature = (file: string) => /^src\/([^/]+)\//.exec(file)?.[1] ?? null;
const isRepository = (file: string) =>
  file.endsWith('.repository.ts') || file.startsWith('src/platform/migrations/') || SQL_PLUMBING.includes(file);
const isRoutes = (file: string) => file.endsWith('.routes.ts');

describe('the layers of src/', () => {
  it('reads a real import graph (every relative import resolves to a file of src/)', () => {
    expect(files.length).toBeGreaterThan(50);
    const unresolved = files.flatMap((f) =>
      f.imports
        .filter((i) => i.target.startsWith('src/') && !fs.existsSync(path.join(ROOT, i.target)))
        .map((i) => `${f.file} → ${i.target}`),
    );
    expect(unresolved).toEqual([]);
  });

  it('has no routes file importing Kysely or a repository: routes validate, call one use case and present', () => {
    const bad = files
      .filter((f) => isRoutes(f.file))
      .flatMap((f) => f.imports.filter((i) => i.target === 'kysely' || isRepository(i.target)).map((i) => `${f.file} imports ${i.target}`));
    expect(bad).toEqual([]);
  });

  it('builds SQL only in repositories (and the database plumbing): services, models and routes never do', () => {
    const bad = files.filter((f) => f.sql && !isRepository(f.file)).map((f) => `${f.file} ${f.sql}`);
    expect(bad).toEqual([]);
  });

  it("has no feature importing another feature's repository: features meet through services and models", () => {
    const bad = files.flatMap((f) =>
      f.imports
        .filter((i) => i.target.startsWith('src/') && i.target.endsWith('.repository.ts'))
        .filter((i) => feature(i.target) !== feature(f.file) && feature(i.target) !== 'platform')
        .map((i) => `${f.file} imports ${i.target}`),
    );
    expect(bad).toEqual([]);
  });

  it('never imports the demo generator outside demo/ and the CLI: production code does not depend on it', () => {
    const bad = files
      .filter((f) => !f.file.startsWith('src/demo/') && f.file !== 'src/cli.ts')
      .flatMap((f) => f.imports.filter((i) => i.target.startsWith('src/demo/')).map((i) => `${f.file} imports ${i.target}`));
    expect(bad).toEqual([]);
  });

  it('has no runtime import cycle (type-only and lazy imports excluded)', () => {
    const edges = (f: string) =>
      (byFile.get(f)?.imports ?? []).filter((i) => !i.typeOnly && !i.dynamic && byFile.has(i.target)).map((i) => i.target);
    // Tarjan's strongly connected components: any component of more than one file (or a self-import) is a cycle.
    let index = 0;
    const stack: string[] = [];
    const on = new Set<string>();
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const cycles: string[][] = [];
    const strong = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of edges(v)) {
        if (!idx.has(w)) {
          strong(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || edges(v).includes(v)) cycles.push(scc.sort());
      }
    };
    for (const f of byFile.keys()) if (!idx.has(f)) strong(f);
    expect(cycles).toEqual([]);
  });
});

describe('the import-graph reader itself', () => {
  const read = (text: string, name = 'src/x/x.service.ts') => {
    const dir = fs.mkdtempSync(path.join(ROOT, '.tmp-arch-'));
    try {
      const p = path.join(dir, path.basename(name));
      fs.writeFileSync(p, text);
      return analyse(p);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('sees SQL built by the query builder, by sql`…` and by value imports of kysely, but not type-only imports', () => {
    expect(read("import type { Kysely } from 'kysely';\nexport const f = (db: Kysely<any>) => db;").sql).toBeNull();
    expect(read("export const f = (db: any) => db.selectFrom('t').selectAll().execute();").sql).toMatch(/selectFrom/);
    expect(read("import { sql } from 'kysely';\nexport const q = sql`select 1`;").sql).toMatch(/kysely/);
    expect(read('export const f = (db: any) => db.executeQuery({});').sql).toMatch(/executeQuery/);
  });

  it('tells type-only from runtime imports and sees lazy imports', () => {
    const f = read(
      "import type { A } from './a.js';\nimport { type B } from './b.js';\nimport { C } from './c.js';\nconst d = () => import('./d.js');",
    );
    expect(f.imports.map((i) => [path.basename(i.target), i.typeOnly, i.dynamic])).toEqual([
      ['a.ts', true, false],
      ['b.ts', true, false],
      ['c.ts', false, false],
      ['d.ts', false, true],
    ]);
  });
});
