// Run by sql.test.ts in a child process with a small heap: sql.query on a statement whose answer is huge. A crash here
// (an uncaught error in node-postgres' socket handler, or the heap exhausted) is the worker's crash; the test sees the exit.
import { builtinTools, type SqlQueryOutput } from '@airlock/tools';
import { callTool, findTool } from './support.js';

const [url, sql, maxRows, statementTimeoutMs] = process.argv.slice(2);
if (!url || !sql || !maxRows || !statementTimeoutMs) throw new Error('usage: sql-query-child.ts <url> <sql> <maxRows> <statementTimeoutMs>');
const tool = findTool(builtinTools({ sql: { url, maxRows: Number(maxRows), statementTimeoutMs: Number(statementTimeoutMs) } }), 'sql.query');
const output = (await callTool(tool, { sql })) as SqlQueryOutput;
const { rows, ...rest } = output;
process.stdout.write(`${JSON.stringify({ ...rest, rowsKept: rows.length, outputBytes: JSON.stringify(output).length })}\n`);
