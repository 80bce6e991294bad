// applies_to globs written to stall a backtracking matcher: reported with file:line, the rest served, answers at once.
import { afterEach, describe, expect, it } from 'vitest';
import { type Connected, connect, structured } from '../helpers/mcp.js';
import { makeTempDir, type TempDir, writeTree } from '../helpers/temp.js';

let tmp: TempDir;
let mcp: Connected;
afterEach(async () => {
  await mcp?.close();
  tmp?.remove();
});

interface PathMatch {
  specs: Array<{ id: string; matched: string }>;
}

describe('hostile applies_to globs', () => {
  it('reports an extglob bomb on its line and serves the spec by its other globs', async () => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'bomb.md': [
        '---',
        'id: bomb',
        'status: approved',
        'applies_to: ["@(a*)*(a*)*(a*)*(a*)b", "src/**"]',
        '---',
        '',
        '## Rule {#rule}',
        '',
        'Text.',
      ].join('\n'),
    });
    mcp = await connect(tmp.dir);
    const status = JSON.stringify(structured(await mcp.call('spec_status')));
    expect(status).toContain('bomb.md');
    expect(status).toMatch(/"line":4/);
    expect(status).toContain('extglob');
    const hit = structured<PathMatch>(
      await mcp.call('specs_for_path', { path: 'src/aaaaaaaaaaaaaaaaaaaaaaaaaa' }),
    );
    expect(hit.specs).toEqual([expect.objectContaining({ id: 'bomb', matched: 'src/**' })]);
    const miss = structured<PathMatch>(await mcp.call('specs_for_path', { path: 'a'.repeat(26) }));
    expect(miss.specs).toEqual([]);
  });

  it('answers specs_for_path for star-heavy globs on long paths', async () => {
    tmp = makeTempDir();
    writeTree(tmp.dir, {
      'stars.md':
        '---\nid: stars\napplies_to: ["*a*a*a*a*a*b", "**/a/**/a/**/a/**/a/**/c"]\n---\n\n## Rule {#rule}\n\nText.\n',
    });
    mcp = await connect(tmp.dir);
    const long = structured<PathMatch>(await mcp.call('specs_for_path', { path: 'a'.repeat(250) }));
    expect(long.specs).toEqual([]);
    const deep = structured<PathMatch>(await mcp.call('specs_for_path', { path: `${'a/'.repeat(490)}c` }));
    expect(deep.specs).toEqual([expect.objectContaining({ id: 'stars' })]);
  });
});
