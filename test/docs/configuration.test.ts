/**
 * The configuration reference is checked against the code: every variable the
 * zod shapes of the roles parse (src/config) appears exactly once in
 * docs/configuration.md and in .env.example, with the default the schema
 * applies and the roles that read it, and neither names any other variable.
 * Nor may the README or any other doc name a variable that does not exist.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { type ConfigRole, configShapes, envDefault } from '../../src/config/config-shapes';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ROLE_ORDER: readonly ConfigRole[] = ['P', 'C', 'D', 'S'];
/** Upper-case names in the docs that are code constants, not variables. */
const NOT_VARIABLES = new Set(['REDACT_PATHS']);

interface Variable {
  roles: ConfigRole[];
  /** Defaults by role; undefined where the role has none that can be written down. */
  defaults: Map<ConfigRole, string | undefined>;
}

function variablesOfTheCode(): Map<string, Variable> {
  const variables = new Map<string, Variable>();
  for (const [role, shape] of Object.entries(configShapes()) as [ConfigRole, ReturnType<typeof configShapes>[ConfigRole]][]) {
    for (const [name, field] of Object.entries(shape)) {
      const variable: Variable = variables.get(name) ?? { roles: [], defaults: new Map() };
      variable.roles.push(role);
      variable.defaults.set(role, envDefault(field));
      variables.set(name, variable);
    }
  }
  return variables;
}

/** The one default an operator can rely on: the one every role with a fixed default agrees on. */
function fixedDefault(variable: Variable): string | undefined {
  return [...variable.defaults.values()].find((d) => d !== undefined);
}

function read(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

interface Row {
  name: string;
  defaultCell: string;
  rolesCell: string;
}

/** Rows of the reference tables: | `NAME` | default | roles | meaning |. */
function referenceRows(markdown: string): Row[] {
  const rows: Row[] = [];
  for (const m of markdown.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|([^|]*)\|([^|]*)\|/gm)) {
    rows.push({ name: m[1] ?? '', defaultCell: (m[2] ?? '').trim(), rolesCell: (m[3] ?? '').trim() });
  }
  return rows;
}

/** `NAME=value` lines of .env.example, set or commented out (`# NAME=value`). */
function exampleLines(text: string): { name: string; value: string }[] {
  return [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({ name: m[1] ?? '', value: (m[2] ?? '').trim() }));
}

function countsOf(names: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** Problems with the set of names a file lists: missing, unknown, or listed twice. */
function nameProblems(file: string, listed: string[], known: Map<string, Variable>): string[] {
  const counts = countsOf(listed);
  const problems: string[] = [];
  for (const name of known.keys()) if (!counts.has(name)) problems.push(`${file}: ${name} is missing`);
  for (const [name, count] of counts) {
    if (!known.has(name)) problems.push(`${file}: ${name} is not a variable any role reads`);
    if (count > 1) problems.push(`${file}: ${name} is listed ${count} times`);
  }
  return problems;
}

function expectNone(problems: string[]): void {
  expect(problems, `\n  ${problems.join('\n  ')}\n`).to.deep.equal([]);
}

describe('configuration reference', () => {
  const variables = variablesOfTheCode();

  it('reads the variables from the schemas', () => {
    // A guard against an accessor that stopped seeing the shapes: the roles read about 45 variables.
    expect(variables.size).to.be.greaterThan(40);
    expect(variables.get('QUEUE_SHARDS')?.roles).to.deep.equal(['P', 'C', 'D']);
    const shards = variables.get('QUEUE_SHARDS');
    expect(shards && fixedDefault(shards)).to.equal('16');
  });

  it('has one default per variable across the roles', () => {
    const problems: string[] = [];
    for (const [name, variable] of variables) {
      const fixed = new Set([...variable.defaults.values()].filter((d) => d !== undefined));
      if (fixed.size > 1) problems.push(`${name}: the roles disagree on its default (${[...fixed].join(', ')})`);
    }
    expectNone(problems);
  });

  it('docs/configuration.md lists every variable once, with its default and roles', () => {
    const rows = referenceRows(read('docs/configuration.md'));
    const problems = nameProblems('docs/configuration.md', rows.map((r) => r.name), variables);
    for (const row of rows) {
      const variable = variables.get(row.name);
      if (!variable) continue;
      const fixed = fixedDefault(variable);
      if (fixed !== undefined && row.defaultCell !== `\`${fixed}\``) {
        problems.push(`docs/configuration.md: ${row.name} default is ${row.defaultCell}, the schema's is \`${fixed}\``);
      }
      if (fixed === undefined && /^`[^`]*`$/.test(row.defaultCell)) {
        problems.push(`docs/configuration.md: ${row.name} has no fixed default in the schema, the docs say ${row.defaultCell}`);
      }
      const roles = ROLE_ORDER.filter((r) => variable.roles.includes(r)).join(' ');
      if (row.rolesCell !== roles) problems.push(`docs/configuration.md: ${row.name} roles are "${row.rolesCell}", the code's are "${roles}"`);
    }
    expectNone(problems);
  });

  it('.env.example lists every variable once, commented-out defaults matching the schema', () => {
    const lines = exampleLines(read('.env.example'));
    const problems = nameProblems('.env.example', lines.map((l) => l.name), variables);
    for (const line of lines) {
      const variable = variables.get(line.name);
      const fixed = variable && fixedDefault(variable);
      if (fixed !== undefined && line.value !== fixed) {
        problems.push(`.env.example: ${line.name}=${line.value}, the schema's default is ${fixed}`);
      }
    }
    expectNone(problems);
  });

  it('the README and docs name no variable that does not exist', () => {
    const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const problems: string[] = [];
    for (const file of files) {
      for (const m of read(file).matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(_?\*|=[^`]*)?`/g)) {
        const name = m[1] ?? '';
        const glob = m[2]?.endsWith('*') === true;
        const known = glob ? [...variables.keys()].some((v) => v.startsWith(name)) : variables.has(name);
        if (!known && !NOT_VARIABLES.has(name)) problems.push(`${file}: ${m[0]} names no variable`);
      }
    }
    expectNone(problems);
  });
});
