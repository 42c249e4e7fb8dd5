// RFC 5232: flag lists are space-separated strings; duplicates (ignoring case) collapse.

export function splitFlags(values: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    for (const flag of value.split(/\s+/)) {
      if (!flag) continue;
      const key = flag.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(flag);
    }
  }
  return out;
}

export function addFlags(current: string[], added: string[]): string[] {
  return splitFlags([...current, ...added]);
}

export function removeFlags(current: string[], removed: string[]): string[] {
  const drop = new Set(splitFlags(removed).map((f) => f.toLowerCase()));
  return current.filter((flag) => !drop.has(flag.toLowerCase()));
}
