// node:fs plus the `globSync` that @modelcontextprotocol/conformance imports (Node 22+ has it; Node 20 does not).
import * as fs from 'node:fs';
import path from 'node:path';

export * from 'node:fs';
export default fs.default ?? fs;

/** Just enough of globSync for the suite: `NAME` or `**` + `/NAME` under `cwd`. */
export function globSync(pattern, options = {}) {
  const cwd = options.cwd ?? process.cwd();
  const recursive = pattern.startsWith('**/');
  const name = pattern.replace(/^\*\*\//, '');
  const found = [];
  const walk = (dir, rel) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relPath = rel ? path.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) {
        if (recursive && entry.name !== 'node_modules') walk(path.join(dir, entry.name), relPath);
      } else if (entry.name === name) found.push(relPath);
    }
  };
  walk(cwd, '');
  return found;
}
