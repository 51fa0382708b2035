import pg from 'pg';
import type { Datamodel, DmmfField } from './schema-dmmf.js';

const scalarTypes: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  Json: 'jsonb',
  Decimal: 'numeric',
  Float: 'double precision',
};

const nativeTypes: Record<string, string> = {
  SmallInt: 'smallint',
  Integer: 'integer',
  BigInt: 'bigint',
  Text: 'text',
};

function expectedType(field: DmmfField): string {
  if (field.isList) return `array:_${expectedType({ ...field, isList: false })}`;
  if (field.kind === 'enum') return `enum:${field.type}`;
  if (field.type === 'DateTime') {
    const native = field.nativeType?.[0];
    return native === 'Timestamptz' ? 'timestamp with time zone' : native === 'Date' ? 'date' : 'timestamp without time zone';
  }
  // A native type narrows the scalar's column type (Int @db.SmallInt is smallint).
  const native = field.nativeType?.[0];
  if (native && nativeTypes[native]) return nativeTypes[native];
  const type = scalarTypes[field.type];
  if (!type) throw new Error(`drift check does not know Prisma type ${field.type}`);
  return type;
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
}

interface IndexRow {
  table_name: string;
  columns: string[];
  is_unique: boolean;
  is_primary: boolean;
}

/**
 * Every difference between the Prisma schema and a migrated database, as
 * readable lines (empty = no drift): tables, columns, types, nullability,
 * enums, primary keys, unique and plain indexes, in both directions.
 */
export async function findSchemaDrift(databaseUrl: string, datamodel: Datamodel): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = (
      await client.query<ColumnRow>(
        `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
      )
    ).rows;
    const indexes = (
      await client.query<IndexRow>(
        `SELECT t.relname AS table_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
                array_agg(a.attname::text ORDER BY k.ord) AS columns
           FROM pg_index ix
           JOIN pg_class t ON t.oid = ix.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
           CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
          WHERE t.relname <> '_prisma_migrations'
          GROUP BY ix.indexrelid, t.relname, ix.indisunique, ix.indisprimary`,
      )
    ).rows;
    const enumRows = (
      await client.query<{ name: string; value: string }>(
        `SELECT t.typname AS name, e.enumlabel AS value FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid ORDER BY t.typname, e.enumsortorder`,
      )
    ).rows;

    const drift: string[] = [];
    const dbColumns = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    const schemaColumns = new Set<string>();
    const tableOf = new Map<string, string>();
    const columnOf = new Map<string, string>();

    for (const model of datamodel.models) {
      const table = model.dbName ?? model.name;
      tableOf.set(model.name, table);
      for (const field of model.fields) {
        if (field.kind === 'object') continue;
        const column = field.dbName ?? field.name;
        columnOf.set(`${model.name}.${field.name}`, column);
        const key = `${table}.${column}`;
        schemaColumns.add(key);
        const row = dbColumns.get(key);
        if (!row) {
          drift.push(`missing column ${key} (${model.name}.${field.name})`);
          continue;
        }
        const actual = row.data_type === 'USER-DEFINED' ? `enum:${row.udt_name}` : row.data_type === 'ARRAY' ? `array:${row.udt_name}` : row.data_type;
        const expected = expectedType(field);
        if (actual !== expected) drift.push(`column ${key}: type ${actual}, schema says ${expected}`);
        const nullable = row.is_nullable === 'YES';
        if (nullable === field.isRequired) drift.push(`column ${key}: ${nullable ? 'nullable' : 'NOT NULL'}, schema says ${field.isRequired ? 'required' : 'optional'}`);
      }
    }
    for (const key of dbColumns.keys()) if (!schemaColumns.has(key)) drift.push(`column ${key} is in the database but not in the schema`);

    const describe = (table: string, cols: string[], kind: string) => `${kind} ${table}(${cols.join(', ')})`;
    const dbIndexKeys = new Set(indexes.map((i) => describe(i.table_name, i.columns, i.is_primary ? 'id' : i.is_unique ? 'unique' : 'normal')));
    const schemaIndexKeys = new Set<string>();
    for (const index of datamodel.indexes) {
      const table = tableOf.get(index.model)!;
      const cols = index.fields.map((f) => columnOf.get(`${index.model}.${f.name}`) ?? f.name);
      const key = describe(table, cols, index.type);
      schemaIndexKeys.add(key);
      if (!dbIndexKeys.has(key)) drift.push(`missing index: ${key}`);
    }
    for (const key of dbIndexKeys) if (!schemaIndexKeys.has(key)) drift.push(`index in the database but not in the schema: ${key}`);

    for (const e of datamodel.enums) {
      const actual = enumRows.filter((r) => r.name === e.name).map((r) => r.value);
      const expected = e.values.map((v) => v.name);
      if (actual.join(',') !== expected.join(',')) drift.push(`enum ${e.name}: database has [${actual.join(', ')}], schema says [${expected.join(', ')}]`);
    }
    return drift;
  } finally {
    await client.end();
  }
}
