// Public surface of the local monday.com emulator.
export { startEmulator } from './server.js';
export type { BoardUser, Emulator, EmulatorOptions, EmulatorWebhooks, RequestRecord } from './server.js';
export type { DeliveryAttempt, DeliveryRecord, WebhookRecord } from './webhooks.js';
export { RETRY_EVERY_MS, RETRY_FOR_MS, TOKEN_TTL_SECONDS } from './webhooks.js';
export { API_USER_ID } from './store.js';
export { STATUS_COLORS } from './column-values.js';
export type { BoardSnapshot, ColumnSnapshot, EmulatorState, ItemSnapshot, UpdateSnapshot } from './state.js';
export type { FaultControl, FaultKind, FaultSettings, ServerErrorStatus } from './faults.js';
export { FAULT_KINDS, DEFAULT_TIMEOUT_MS } from './faults.js';
export { DEFAULT_COMPLEXITY_BUDGET, ITEM_UNIT_COST, WRITE_COST, operationCost } from './complexity.js';
export { MAX_PAGE_LIMIT } from './items-page.js';
export { loadMondaySchema, findSchemaFile } from './schema.js';
export type { BoardSeed, ColumnSeed, EmulatedColumnType, ItemSeed } from './seed.js';
export { EMULATED_COLUMN_TYPES } from './seed.js';
export { PROSPECTS_BOARD, PROSPECTS_BOARD_ID, PROSPECTS_COLUMNS, STAGE_LABELS } from './seed.js';
