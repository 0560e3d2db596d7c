// Issue 13: `ladder monday setup` makes a board ready for Ladder. On a board with only the customer's columns it
// creates Ladder's own (stage, first touch, SLA, priority, CRO decision) with every label Ladder writes, and the
// first push then meets no ColumnValueException; on a half-set-up board it adds only what is missing (labels,
// columns) and adopts a column made by hand under another id; a column of the wrong type, or a missing customer
// column, is reported with its fix and left alone; --dry-run writes nothing, anywhere; a second run does nothing.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/app.js';
import { EXIT } from '../../src/cli/exits.js';
import type { Ladder } from '../../src/ladder.js';
import type { MondayConfig } from '../../src/monday/config.js';
import { PROSPECTS_BOARD, STAGE_LABELS, type BoardSeed, type Emulator } from '../../src/monday/emulator/index.js';
import { push } from '../../src/monday/pusher.js';
import { labelsOf as boardLabelsOf, setupBoard, type SetupReport } from '../../src/monday/setup.js';
import { createTransport, type Transport } from '../../src/monday/transport.js';
import { contentHash } from '../helpers/reliability.js';
import { BOARD, DOCUMENT_ERRORS, OPS, T0, TOKEN, emulators, testClock } from '../helpers/monday.js';
import { openTestLadder, PASSING_FACTS, tempDir } from '../helpers/store.js';

const em = emulators();
let cleanup: (() => void)[] = [];
afterEach(() => { for (const c of cleanup.reverse()) c(); cleanup = []; });

/** The customer's board before Ladder: the five LQ 6 fields, nothing of Ladder's. */
const CUSTOMER_COLUMNS = PROSPECTS_BOARD.columns.filter((c) => ['name', 'text_mm218qe9', 'text_mm21caks', 'color_mm217sw4', 'numeric_mm216nk9'].includes(c.id));
const board = (columns: BoardSeed['columns']): BoardSeed => ({ id: BOARD, name: 'Prospects', groups: [{ id: 'topics', title: 'Prospects' }], columns, items: [] });

type Fixture = { emu: Emulator; ladder: Ladder; path: string; cfg: () => MondayConfig; transport: Transport; run(o?: { dryRun?: boolean }): Promise<SetupReport> };

/** A ladder whose settings name only the board and the endpoint (as `ladder settings set` leaves them), and an emulator with `seed`. */
async function fixture(seed: BoardSeed): Promise<Fixture> {
  const clock = testClock();
  const emu = await em.start({ clock: clock.now, boards: [seed] });
  const t = tempDir('ladder-setup-');
  const path = join(t.dir, 'ladder.db');
  const ladder = openTestLadder(path, { monday: { boardId: BOARD, endpoint: emu.url } });
  cleanup.push(() => { ladder.close(); t.cleanup(); });
  const cfg = () => ladder.monday()!;
  const transport = createTransport({ endpoint: emu.url, token: TOKEN, apiVersion: '2026-10', timeoutMs: 5_000 });
  return {
    emu, ladder, path, cfg, transport,
    run: (o = {}) => setupBoard(ladder, cfg(), transport, { dryRun: Boolean(o.dryRun), actor: OPS, now: T0, sleep: clock.sleep }),
  };
}

const column = (emu: Emulator, id: string) => emu.state.board(BOARD)!.columns.find((c) => c.id === id);
const labelsOf = (emu: Emulator, id: string) => Object.values(column(emu, id)?.labels ?? {});
const mutations = (emu: Emulator) => emu.requests.filter((r) => r.query?.trimStart().startsWith('mutation')).map((r) => r.operationName);
const settingsVersions = (l: Ladder) => l.store.sqlite.prepare('select version, by, change from settings order by version').all() as { version: number; by: string; change: string }[];

describe('ladder monday setup', () => {
  it('on a fresh board, creates Ladder\'s five columns with every label, stores their ids in one settings version, and the first push meets no ColumnValueException', async () => {
    const f = await fixture(board(CUSTOMER_COLUMNS));
    const before = settingsVersions(f.ladder).length;
    const r = await f.run();
    expect(r.error).toBeNull();
    expect(r.problems).toEqual([]);
    expect(r.columns.map((c) => [c.key, c.action, c.done])).toEqual([
      ['domain', 'none', false], ['hq', 'none', false], ['tier', 'none', false], ['icpScore', 'none', false],
      ['stage', 'create', true], ['firstTouch', 'create', true], ['sla', 'create', true], ['priority', 'create', true], ['croDecision', 'create', true],
      ['sequence', 'create', true], ['optOut', 'create', true],
    ]);
    expect(column(f.emu, 'status_stage')).toMatchObject({ type: 'status', title: 'Stage' });
    // Every stage and SQL sub-state label of labels.stage (the MQL sub-states show as "MQL" by default).
    expect(labelsOf(f.emu, 'status_stage').sort()).toEqual([...STAGE_LABELS].sort());
    expect(column(f.emu, 'text_first_touch')).toMatchObject({ type: 'text', title: 'First touch' });
    expect(labelsOf(f.emu, 'status_sla')).toEqual(['OK', 'BREACH']);
    expect(labelsOf(f.emu, 'status_priority')).toEqual(['normal', 'high']);
    expect(column(f.emu, 'status_cro_decision')).toMatchObject({ type: 'status', title: 'CRO decision' });
    expect(labelsOf(f.emu, 'status_cro_decision')).toEqual(['Confirm', 'Dispute', 'Flag']);
    expect(labelsOf(f.emu, 'status_opt_out')).toEqual(['ok', 'OPTED OUT', 'HOSTILE']);
    expect(mutations(f.emu)).toEqual(['CreateStatusColumn', 'CreateColumn', 'CreateStatusColumn', 'CreateStatusColumn', 'CreateStatusColumn', 'CreateColumn', 'CreateStatusColumn']);
    // One new settings version, with who, naming every column.
    const versions = settingsVersions(f.ladder);
    expect(versions).toHaveLength(before + 1);
    expect(versions.at(-1)).toMatchObject({ by: 'ana', change: `monday setup: the column ids of board ${BOARD}` });
    expect(f.ladder.settings.monday!.columns).toEqual({
      domain: 'text_mm218qe9', hq: 'text_mm21caks', tier: 'color_mm217sw4', icpScore: 'numeric_mm216nk9', stage: 'status_stage',
      firstTouch: 'text_first_touch', sla: 'status_sla', priority: 'status_priority', croDecision: 'status_cro_decision',
      sequence: 'text_sequence', optOut: 'status_opt_out',
    });
    expect(r.settings?.version).toBe(versions.at(-1)!.version);

    // The board now takes every value Ladder writes: an account up to SQL confirmed, high priority, pushed clean.
    const { engine } = f.ladder;
    engine.addAccount({ domain: 'acme.com', name: 'Acme', hq: 'Berlin', tier: 'Tier 1', icpScore: 80, facts: PASSING_FACTS }, { ...OPS, now: T0, source: 'cli' });
    for (const event of [
      { type: 'SIGNAL', signal: { id: 's1', code: 'E1', contact: 'jane@acme.com', at: T0, interaction: 'comment' } },
      { type: 'DOSSIER', scores: { S1: 'LIKELY', S2: 'CONFIRMED', S3: 'LIKELY', S4: 'NOT_PRESENT' } },
    ]) engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { ...event, at: T0, ...OPS } as never });
    engine.submit({ account: 'acme.com', source: 'cli', now: T0, event: { type: 'CRO_FLAG', at: T0, by: 'marcus', role: 'cro' } });
    const p = await push(f.ladder.store, f.cfg(), f.transport, { now: () => T0 });
    expect(p).toMatchObject({ created: 1, deadItems: 0, deadComments: 0, pendingItems: 0, pendingComments: 0, gaveUp: null });
    const item = f.emu.state.items(BOARD)[0]!;
    expect([item.columns.status_stage!.text, item.columns.status_priority!.text, item.columns.status_sla!.text]).toEqual(['SQL: confirmed', 'high', 'OK']);
  });

  it('on a half-set-up board, adds only the missing labels and columns, and adopts a column made by hand under another id', async () => {
    const columns: BoardSeed['columns'] = [
      // The tier column lacks "Network"; the stage column lacks the SQL sub-states; first touch has an id of its own.
      ...CUSTOMER_COLUMNS.map((c) => (c.id === 'color_mm217sw4' ? { ...c, labels: ['Tier 1', 'Tier 2', 'Tier 3', 'Reject'] } : c)),
      { id: 'status_stage', title: 'Stage', type: 'status', labels: ['PROSPECT', 'MQL', 'WON', 'DISQUALIFIED', 'RECYCLED', 'ARCHIVED', 'BRIEFING_READY', 'ASSESSMENT_QUALIFIED'] },
      { id: 'text_mkq1abc', title: 'First touch', type: 'text' },
      { id: 'status_sla', title: 'SLA', type: 'status', labels: ['OK', 'BREACH'] },
    ];
    const f = await fixture(board(columns));
    const revision = column(f.emu, 'status_stage')!.revision;
    const r = await f.run();
    expect(r.problems).toEqual([]);
    const by = Object.fromEntries(r.columns.map((c) => [c.key, c]));
    expect(by.tier).toMatchObject({ action: 'addLabels', labels: ['Network'], done: true });
    expect(by.stage).toMatchObject({ action: 'addLabels', labels: ['SQL: dossier', 'SQL: review', 'SQL: confirmed'], done: true });
    expect(by.firstTouch).toMatchObject({ action: 'adopt', id: 'text_mkq1abc' });
    expect(by.sla).toMatchObject({ action: 'none' });
    expect(by.priority).toMatchObject({ action: 'create', done: true });
    expect(by.croDecision).toMatchObject({ action: 'create', done: true });
    // The labels that were there keep their indexes (items showing them are unchanged); the new ones are added.
    const stage = column(f.emu, 'status_stage')!;
    expect(stage.labels[0]).toBe('PROSPECT');
    expect(stage.revision).toBe(revision + 1);
    expect(Object.values(stage.labels).sort()).toEqual([...STAGE_LABELS].sort());
    expect(labelsOf(f.emu, 'color_mm217sw4')).toContain('Network');
    expect(f.emu.state.board(BOARD)!.columns.filter((c) => c.title === 'First touch')).toHaveLength(1); // adopted, not duplicated
    expect(f.ladder.monday()!.columns.firstTouch).toBe('text_mkq1abc');
    expect(mutations(f.emu).sort()).toEqual(['AddStatusLabels', 'AddStatusLabels', 'CreateColumn', 'CreateStatusColumn', 'CreateStatusColumn', 'CreateStatusColumn']);
  });

  it('reports a column of the wrong type with its fix and leaves it alone; a missing customer column too; the rest is set up', async () => {
    const f = await fixture(board([
      ...CUSTOMER_COLUMNS.filter((c) => c.id !== 'text_mm21caks'),
      { id: 'status_stage', title: 'Stage', type: 'text' },
    ]));
    const r = await f.run();
    expect(r.problems).toEqual([
      {
        key: 'hq', columnId: 'text_mm21caks',
        message: 'the board has no column text_mm21caks (HQ Location, text): it is the customer\'s own (LQ 6), so setup does not create it',
        fix: 'set monday.columns.hq to the id of the board\'s HQ Location column (ladder settings set monday.columns.hq ID; the ids are in the column\'s menu, "Column id")',
      },
      {
        key: 'stage', columnId: 'status_stage',
        message: 'column status_stage ("Stage") is a text column; Ladder writes status labels there',
        fix: 'point monday.columns.stage at a status column (ladder settings set monday.columns.stage ID), or delete or rename column status_stage on the board and run ladder monday setup again to create one',
      },
    ]);
    expect(column(f.emu, 'status_stage')).toMatchObject({ type: 'text' });
    expect(f.emu.state.board(BOARD)!.columns.filter((c) => c.title === 'Stage')).toHaveLength(1);
    for (const id of ['text_first_touch', 'status_sla', 'status_priority', 'status_cro_decision']) expect(column(f.emu, id), id).toBeDefined();
    // The ids of the problem columns are not stored as if they were fine.
    const stored = f.ladder.settings.monday!.columns as Record<string, string>;
    expect(stored.stage).toBeUndefined();
    expect(stored.hq).toBeUndefined();
    expect(stored.croDecision).toBe('status_cro_decision');
  });

  it('--dry-run reads the board and says what it would do, and writes nothing: no mutation, no settings version, not a byte of the database', async () => {
    const f = await fixture(board(CUSTOMER_COLUMNS));
    const hash = contentHash(f.ladder.store.sqlite, []);
    const r = await f.run({ dryRun: true });
    expect(r.columns.filter((c) => c.action === 'create').map((c) => [c.key, c.done])).toEqual([
      ['stage', false], ['firstTouch', false], ['sla', false], ['priority', false], ['croDecision', false], ['sequence', false], ['optOut', false],
    ]);
    expect(r.wouldStore).toContain('monday.columns.croDecision');
    expect(r.settings).toBeNull();
    expect(mutations(f.emu)).toEqual([]);
    expect(f.emu.state.board(BOARD)!.columns).toHaveLength(CUSTOMER_COLUMNS.length);
    expect(contentHash(f.ladder.store.sqlite, [])).toBe(hash);
  });

  it('run again, finds everything in place: "nothing to do", no mutation, no new settings version', async () => {
    const f = await fixture(board(CUSTOMER_COLUMNS));
    await f.run();
    const versions = settingsVersions(f.ladder).length;
    const sent = f.emu.requests.length;
    const again = await f.run();
    expect(again).toMatchObject({ nothingToDo: true, problems: [], settings: null, error: null });
    expect(again.columns.every((c) => c.action === 'none')).toBe(true);
    expect(f.emu.requests.slice(sent).map((q) => q.operationName)).toEqual(['BoardColumns']);
    expect(settingsVersions(f.ladder)).toHaveLength(versions);
  });

  it('after a lost answer (the column was created, the answer never came) reads the board again and does not create it twice', async () => {
    const f = await fixture(board(CUSTOMER_COLUMNS));
    // The first create's answer is lost on the way back (the column is made all the same).
    let n = 0;
    const original = f.transport.request;
    f.transport.request = async (q, v) => {
      if (/^mutation CreateStatusColumn/.test(q.trim()) && ++n === 1) f.emu.faults.queue('lostResponse');
      return original(q, v);
    };
    const r = await f.run();
    expect(r.error).toBeNull();
    expect(r.columns.find((c) => c.key === 'stage')).toMatchObject({ action: 'none' }); // found on the second read
    expect(f.emu.state.board(BOARD)!.columns.filter((c) => c.title === 'Stage')).toHaveLength(1);
    expect(f.emu.state.board(BOARD)!.columns).toHaveLength(CUSTOMER_COLUMNS.length + 7);
  });

  it('is refused (and recorded) for a role that may not change the settings, before the board is touched', async () => {
    const f = await fixture(board(CUSTOMER_COLUMNS));
    await expect(setupBoard(f.ladder, f.cfg(), f.transport, { dryRun: false, actor: { by: 'carla', role: 'cmo' }, now: T0 })).rejects.toThrow(/cannot set up the monday board: SETTINGS is for sales.ops \/ cro/);
    expect(f.emu.requests).toHaveLength(0);
    expect(f.ladder.store.sqlite.prepare('select type, by, role from refusals').all()).toEqual([{ type: 'MONDAY_SETUP', by: 'carla', role: 'cmo' }]);
  });

  it('as a command: prints what it did, exits 2 on a problem, and every request validated against monday\'s schema', async () => {
    const f = await fixture(board([...CUSTOMER_COLUMNS, { id: 'status_stage', title: 'Stage', type: 'text' }]));
    f.ladder.close();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false, env: { MONDAY_API_TOKEN: TOKEN } };
    const args = ['--db', f.path, '--as', 'sales.ops', '--now', T0, 'monday', 'setup'];
    expect(await runCli([...args, '--dry-run'], io)).toBe(EXIT.input);
    expect(out.join('\n')).toContain('monday setup (dry run: nothing is written): board 18406915789 "Prospects"');
    expect(out.join('\n')).toMatch(/croDecision +status_cro_decision +status +would be created with "Confirm", "Dispute", "Flag"/);
    out.length = 0;
    expect(await runCli(args, io)).toBe(EXIT.input);
    const text = out.join('\n');
    expect(text).toMatch(/stage +status_stage +status +PROBLEM/);
    expect(text).toMatch(/croDecision +status_cro_decision +status +created with "Confirm", "Dispute", "Flag"/);
    expect(text).toContain('fix: point monday.columns.stage at a status column');
    expect(err.join('\n')).toContain('monday setup: 1 problem(s) need a fix on the board or in the settings');
    expect(f.emu.requests.filter((q) => q.errorCodes.some((c) => DOCUMENT_ERRORS.includes(c)))).toEqual([]);
    expect(JSON.stringify([out, err])).not.toContain(TOKEN);
    // Fixed in the settings (the stage column gets an id of its own), the next run creates it and stores it.
    expect(await runCli(['--db', f.path, '--as', 'sales.ops', '--now', T0, 'settings', 'set', 'monday.columns.stage', 'status_stage2'], io)).toBe(0);
    out.length = 0;
    expect(await runCli(args, io)).toBe(0);
    expect(out.join('\n')).toMatch(/stage +status_stage2 +status +created/);
    expect(await runCli(args, io)).toBe(0);
    expect(out.at(-1)).toContain('nothing to do');
  });

  it.each([
    ['the settings list of API 2025-10+', { labels: [{ id: 1, index: 1, label: 'Done', color: 'done_green' }, { id: 0, index: 0, label: 'Working on it', color: 'working_orange' }, { id: 7, index: 7, label: 'Old', color: 'sky', is_deactivated: true }] },
      [{ index: 1, label: 'Done', color: 'done_green', id: 1 }, { index: 0, label: 'Working on it', color: 'working_orange', id: 0 }]],
    ['the older map of index → label, as a JSON string', JSON.stringify({ labels: { 0: 'Working on it', 1: 'Done' } }),
      [{ index: 0, label: 'Working on it', color: null, id: null }, { index: 1, label: 'Done', color: null, id: null }]],
    ['no labels (a text column)', {}, []],
  ])('reads a status column\'s labels from %s', (_what, settings, want) => {
    expect(boardLabelsOf(settings)).toEqual(want);
  });
});
