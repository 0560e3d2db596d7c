// Reads a generated Mermaid stateDiagram back, for the tests that compare it with the machine it was drawn from.

/** Reads the Mermaid text back: state ids → dotted paths (from the nesting), and every transition line. */
export function parseMermaid(text: string) {
  const paths = new Map<string, string>();
  const stack: string[] = [];
  const transitions: { source: string; target: string; label: string }[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    const decl = /^state "([^"]+)" as (\S+)( \{)?$/.exec(line);
    if (decl) {
      paths.set(decl[2]!, [...stack, decl[1]!].join('.'));
      if (decl[3]) stack.push(decl[1]!);
      continue;
    }
    if (line === '}') { stack.pop(); continue; }
    const t = /^(\S+) --> (\S+) : (.+)$/.exec(line);
    if (t) transitions.push({ source: t[1]!, target: t[2]!, label: t[3]! });
  }
  return { paths, transitions: transitions.map((t) => ({ ...t, source: paths.get(t.source) ?? t.source, target: paths.get(t.target) ?? t.target })) };
}

/** How many times each key occurs: two diagrams' edges compared as multisets. */
export function tally(keys: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const k of keys) m[k] = (m[k] ?? 0) + 1;
  return m;
}
