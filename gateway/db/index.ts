export { type GatewayDb, type OpenDatabaseOptions, type OpenedDatabase, openDatabase } from './open';
export { loadMigrations, MIGRATION_LOCK_KEY, type Migration, type MigrationReport, type MigrationTarget, migrate } from './migrate';
export * from './schema';
