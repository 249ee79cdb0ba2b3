/**
 * The queue's DDL as text, for code above persistence that prints it (the command line's `schema`)
 * without knowing the databases by name: it offers `DATABASE_NAMES` and passes one back.
 */
export { jobsSchemaSql, DATABASE_NAMES } from './dialects/index.js';
export type { DatabaseName } from './jobs-dialect.js';
