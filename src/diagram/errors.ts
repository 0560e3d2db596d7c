// The committed diagrams lag the machine (the CLI's exit 5: a check found a difference).
export class StaleDiagramsError extends Error {
  constructor(readonly dir: string, readonly files: readonly string[]) {
    super(`diagrams are stale in ${dir}: ${files.join(', ')} differ from the machine; regenerate them with: npm run diagrams`);
    this.name = 'StaleDiagramsError';
  }
}
