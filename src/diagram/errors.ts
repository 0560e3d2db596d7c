// Exit 1 (src/cli/index.ts turns exitCode into the process's): the committed diagrams lag the machine.
export class StaleDiagramsError extends Error {
  readonly exitCode = 1;
  constructor(readonly dir: string, readonly files: readonly string[]) {
    super(`diagrams are stale in ${dir}: ${files.join(', ')} differ from the machine; regenerate them with: npm run diagrams`);
    this.name = 'StaleDiagramsError';
  }
}
