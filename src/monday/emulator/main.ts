// Starts the emulator for a demo: `npx tsx src/monday/emulator/main.ts --port 4100`. Prints the endpoint,
// never a token; stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';
import { PROSPECTS_BOARD } from './seed.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4100' },
    host: { type: 'string', default: '127.0.0.1' },
    budget: { type: 'string' },
    seed: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0..65535, got ${values.port}`);

const emulator = await startEmulator({
  port,
  host: values.host,
  boards: [PROSPECTS_BOARD],
  ...(values.budget === undefined ? {} : { complexityBudget: Number(values.budget) }),
  ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  // Webhook deliveries are signed as monday signs them, with the secret ladder serve verifies them with.
  ...(process.env.MONDAY_SIGNING_SECRET ? { signingSecret: process.env.MONDAY_SIGNING_SECRET } : {}),
});
console.log(`monday emulator listening on ${emulator.url} (board ${PROSPECTS_BOARD.id} "${PROSPECTS_BOARD.name}")`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the monday emulator`);
  void emulator.close();
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
