/**
 * Whether a migration script is one transaction as written: no top-level statement that
 * ends, splits or escapes the transaction it runs in. Both the Airlock migrator (an explicit
 * BEGIN) and Prisma's schema engine (the whole script as one simple query: PostgreSQL's
 * implicit transaction) then commit all of it or nothing. Reads PostgreSQL's lexical
 * structure only so far as to skip what is not a statement (comments, quoted strings and
 * identifiers, dollar-quoted bodies), so a function body's BEGIN … END is not mistaken for one.
 */
export type ScriptAtomicity = { atomic: true } | { atomic: false; reason: string };

/** First words of statements that control the transaction, or (DO, CALL) may run code that does. */
const TRANSACTION_CONTROL = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE', 'DO', 'CALL']);

export function scriptAtomicity(sql: string): ScriptAtomicity {
  const statements = topLevelStatements(sql);
  if (!statements.ok) return { atomic: false, reason: statements.reason };
  for (const statement of statements.texts) {
    const words = statement
      .trim()
      .split(/\s+/, 2)
      .map((w) => w.toUpperCase());
    const first = words[0] ?? '';
    if (TRANSACTION_CONTROL.has(first) || (first === 'PREPARE' && words[1] === 'TRANSACTION')) {
      return { atomic: false, reason: `it has a top-level ${first} statement` };
    }
  }
  return { atomic: true };
}

/**
 * Whether a script that may already have committed can safely be run again, in one
 * transaction: it must then fail, so that transaction changes nothing. That is sure when
 * it creates something by name without IF NOT EXISTS (a table, a type, a named index, a
 * function, a trigger, a column by ALTER TABLE … ADD COLUMN) and no statement of it
 * removes or renames anything (a DROP statement; an ALTER with RENAME, SET SCHEMA or a
 * DROP other than of a constraint, default, NOT NULL, identity or expression): whatever
 * it created is there after it committed, so creating it again fails. Anything else
 * (UPDATEs alone, IF NOT EXISTS throughout) could succeed twice. What code the script
 * calls (a function, a trigger fired) does is not looked into.
 */
export type ScriptRerun = { safe: true } | { safe: false; reason: string };

const CREATES_BY_NAME = [
  /^CREATE TABLE (?!IF NOT EXISTS )/,
  /^CREATE TYPE /,
  /^CREATE (?:UNIQUE )?INDEX (?!IF |ON |CONCURRENTLY )\S+ ON /,
  /^CREATE FUNCTION /,
  /^CREATE TRIGGER /,
  /^ALTER TABLE (?:ONLY )?(?!IF )\S+ ADD COLUMN (?!IF NOT EXISTS )/,
];

const REMOVES_OR_RENAMES = [/^DROP /, /^ALTER .* (?:RENAME|SET SCHEMA) /, /^ALTER .* DROP (?!(?:CONSTRAINT|DEFAULT|NOT NULL|IDENTITY|EXPRESSION) )/];

export function scriptRerun(sql: string): ScriptRerun {
  const statements = topLevelStatements(sql);
  if (!statements.ok) return { safe: false, reason: statements.reason };
  const normalized = statements.texts.map(wordsOf);
  const removal = normalized.find((s) => REMOVES_OR_RENAMES.some((pattern) => pattern.test(s)));
  if (removal !== undefined) {
    return { safe: false, reason: `it removes or renames something (${removal.split(' ', 2).join(' ')} …), so what it creates may be gone after it` };
  }
  if (!normalized.some((s) => CREATES_BY_NAME.some((pattern) => pattern.test(s)))) {
    return { safe: false, reason: 'nothing in it fails when run again (no CREATE TABLE, TYPE, FUNCTION, TRIGGER or named INDEX, or ADD COLUMN, without IF NOT EXISTS)' };
  }
  return { safe: true };
}

/** A statement as upper-case words and punctuation, one space apart and one after, a qualified name one word. */
function wordsOf(statement: string): string {
  const tokens = statement.toUpperCase().match(/""|[\w$.\u0080-\uffff]+|\S/g) ?? [];
  return `${tokens.join(' ').replace(/ ?\. ?/g, '.')} `;
}

type Statements = { ok: true; texts: string[] } | { ok: false; reason: string };

/** The script's statements with comments, strings and quoted bodies blanked out, quoted identifiers as `""`. */
function topLevelStatements(sql: string): Statements {
  const texts: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonStatement(sql, i);
    if (skipped === 'unterminated') return { ok: false, reason: 'its text has an unterminated comment, string or dollar quote' };
    if (skipped === 'backslash') return { ok: false, reason: 'a string in it has a backslash, which reads differently without standard_conforming_strings' };
    if (skipped > i) {
      // A quoted identifier stays a word (a name the rules below look for); the rest is blank.
      current += sql.charAt(i) === '"' ? '""' : ' ';
      i = skipped;
      continue;
    }
    const char = sql.charAt(i);
    if (char === ';') {
      texts.push(current);
      current = '';
    } else {
      current += char;
    }
    i += 1;
  }
  texts.push(current);
  return { ok: true, texts: texts.filter((t) => t.trim() !== '') };
}

/** Where the comment, string, quoted identifier or dollar quote starting at `i` ends; `i` when none starts there. */
function skipNonStatement(sql: string, i: number): number | 'unterminated' | 'backslash' {
  const two = sql.slice(i, i + 2);
  if (two === '--') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  if (two === '/*') return skipBlockComment(sql, i);
  const char = sql.charAt(i);
  if (char === '"') return skipQuoted(sql, i, '"', false);
  if (char === "'") {
    const escaped = /[eE]/.test(sql.charAt(i - 1)) && !/[\w$]/.test(sql.charAt(i - 2));
    return skipQuoted(sql, i, "'", escaped);
  }
  if (char === '$' && !/[\w$]/.test(sql.charAt(i - 1))) {
    const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i))?.[0];
    if (tag) {
      const end = sql.indexOf(tag, i + tag.length);
      return end === -1 ? 'unterminated' : end + tag.length;
    }
  }
  return i;
}

/** PostgreSQL's block comments nest. */
function skipBlockComment(sql: string, start: number): number | 'unterminated' {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    const two = sql.slice(i, i + 2);
    if (two === '/*') {
      depth += 1;
      i += 2;
    } else if (two === '*/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return 'unterminated';
}

/** A doubled quote is the quote itself; in an E'' string a backslash escapes the next character. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number | 'unterminated' | 'backslash' {
  let i = start + 1;
  while (i < sql.length) {
    const char = sql.charAt(i);
    if (char === '\\' && quote === "'") {
      if (!backslashEscapes) return 'backslash';
      i += 2;
      continue;
    }
    if (char === quote) {
      if (sql.charAt(i + 1) !== quote) return i + 1;
      i += 2;
      continue;
    }
    i += 1;
  }
  return 'unterminated';
}
