// `ladder user add NAME --role ROLE [--monday-user ID] | token NAME | revoke NAME | list`: the people who use the
// server (issue 13). Local file access is full trust (whoever can write the database can do anything with it);
// the server is where identities are enforced, by these tokens.
import type { Command } from 'commander';
import { emit } from '../output.js';
import type { Run } from './events.js';

export function registerUserCommands(program: Command, run: Run): void {
  const user = program.command('user').description('users of ladder serve: roles and API tokens (a token is shown once)');

  user.command('add').argument('<name>').requiredOption('--role <role>', 'sales.ops, cro, cmo or chief.staff')
    .option('--monday-user <id>', 'their monday user id: their changes on the board act as them (webhooks)')
    .description('add a user (or change their role) and print a new API token, once')
    .action(function (this: Command, name: string) {
      const o = this.opts<{ role: string; mondayUser?: string }>();
      return run((ctx) => {
        const engine = ctx.engine();
        const r = engine.addUser({ name, role: o.role, ...(o.mondayUser ? { mondayUser: o.mondayUser } : {}) }, { ...ctx.actor(), now: ctx.now, source: 'cli' });
        emit(ctx, { user: name, role: o.role, token: r.token, settingsVersion: r.version }, [
          `user ${name} (${o.role}) ready. Their API token, shown this once (only a hash is kept):`,
          r.token,
        ]);
      })();
    });

  user.command('token').argument('<name>').description('print a new API token for a user, once (the old ones stay valid until revoked)')
    .action((name: string) => run((ctx) => {
      const token = ctx.engine().issueToken(name, { ...ctx.actor(), now: ctx.now, source: 'cli' });
      emit(ctx, { user: name, token }, [`a new API token for ${name}, shown this once:`, token]);
    })());

  user.command('revoke').argument('<name>').description("revoke every token of a user and remove the user")
    .action((name: string) => run((ctx) => {
      const r = ctx.engine().revokeUser(name, { ...ctx.actor(), now: ctx.now, source: 'cli' });
      emit(ctx, { user: name, revokedTokens: r.tokens }, `user ${name} removed; ${r.tokens} token(s) revoked`);
    })());

  user.command('list').description('users, their roles, monday ids and how many tokens they hold')
    .action(() => run((ctx) => {
      const users = ctx.reader().engine.listUsers();
      emit(ctx, users, users.map((u) => `${u.name.padEnd(20)} ${u.role.padEnd(12)} ${u.mondayUser ? `monday ${u.mondayUser}`.padEnd(20) : ''.padEnd(20)} ${u.tokens} token(s)`));
    })());
}
