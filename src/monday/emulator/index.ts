// Public surface of the local monday.com emulator.
export { startEmulator } from './server.js';
export type { Emulator, EmulatorOptions, RequestRecord } from './server.js';
export type { BoardSnapshot, ColumnSnapshot, EmulatorState, ItemSnapshot, UpdateSnapshot } from './state.js';
export type { FaultControl, FaultKind, FaultSettings, ServerErrorStatus } from './faults.js';
export { FAULT_KINDS, DEFAULT_TIMEOUT_MS } from './faults.js';
export { DEFAULT_COMPLEXITY_BUDGET, ITEM_UNIT_COST, WRITE_COST, operationCost } from './complexity.js';
export { MAX_PAGE_LIMIT } from './items-page.js';
export { loadMondaySchema, findSchemaFile } from './schema.js';
export type { BoardSeed, ColumnSeed, EmulatedColumnType, ItemSeed } from './seed.js';
export { PROSPECTS_BOARD, PROSPECTS_BOARD_ID, PROSPECTS_COLUMNS, STAGE_LABELS } from './seed.js';
