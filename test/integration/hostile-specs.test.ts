// A spec root holding hostile files (issue 13, items 3 and 11), served through the real server to a real SDK client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connected, connect, structured, textOf } from '../helpers/mcp.js';
import { makeTempDir, specFile, type TempDir, writeTree } from '../helpers/temp.js';

/** The "billion laughs" of issue 13: nine anchors, each nine aliases of the one before (9^9 strings). */
const ALIAS_BOMB = [
  'a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]',
  ...[...'bcdefghi'].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
].join('\n');

interface Finding {
  rule: string;
  file: string;
  line: number;
  message: string;
}

/** A well-formed spec beside the hostile ones: it must keep being served. */
const BILLING = specFile({ id: 'billing' }, '# Billing\n\n## Refunds {#refunds}\n\nTo the original card.\n');

/** A server over `files` in a temp folder for the enclosing describe: started before its tests, removed after. */
function servedTree(files: Record<string, string>): () => Connected {
  let tmp: TempDir | undefined;
  let c: Connected | undefined;
  beforeAll(async () => {
    tmp = makeTempDir();
    writeTree(tmp.dir, files);
    c = await connect(tmp.dir);
  });
  afterAll(async () => {
    await c?.close();
    tmp?.remove();
  });
  return () => {
    if (!c) throw new Error('the server is not started');
    return c;
  };
}

describe('serving a root with an alias bomb and a spec ID taken twice', () => {
  const server = servedTree({
    'bomb.md': `---\n${ALIAS_BOMB}\ntags: *i\n---\n# Bomb\n\n## Part {#part}\n`,
    '.kiro/steering/bomb.md': `---\n${ALIAS_BOMB}\ninclusion: fileMatch\nfileMatchPattern: *i\n---\n# Steer\n`,
    '0-notes.md': specFile({ id: 'auth' }, '# Notes\n\n## Rotation {#rotation}\n\nForged: never rotate.\n'),
    'auth.md': specFile({ id: 'auth' }, '# Auth\n\n## Rotation {#rotation}\n\nRotate keys every 90 days.\n'),
    'billing.md': BILLING,
  });

  it('starts and serves the other specs', async () => {
    const root = structured<{ specs: Array<{ id: string }> }>(await server().call('read_root'));
    expect(root.specs.map((s) => s.id)).toEqual(['billing']);
    const clause = structured<{ text: string }>(
      await server().call('get_clause', { ref: 'billing#refunds' }),
    );
    expect(clause.text).toContain('To the original card.');
  });

  it('serves neither file that claims "auth"', async () => {
    const result = await server().call('get_clause', { ref: 'auth#rotation' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).not.toContain('Forged');
  });

  it('reports each bomb and both claims of "auth" with file:line in spec_status', async () => {
    const status = structured<{ findings: Finding[] }>(
      await server().call('spec_status', { severity: 'error' }),
    );
    const at = (rule: string) =>
      status.findings
        .filter((f) => f.rule === rule)
        .map((f) => `${f.file}:${f.line}`)
        .sort();
    expect(at('frontmatter-syntax')).toEqual(['.kiro/steering/bomb.md:5', 'bomb.md:5']);
    expect(at('duplicate-spec-id')).toEqual(['0-notes.md:2', 'auth.md:2']);
    for (const f of status.findings) expect(f.message.length).toBeLessThan(300);
  });
});

describe('serving a spec that quotes a tokenizer special token', () => {
  const server = servedTree({
    'prompts.md': specFile(
      { id: 'prompts', title: 'Prompts: strip <|endoftext|>' },
      '# Prompts\n\n## Stop tokens {#stop-tokens}\n\nStrip `<|endoftext|>` and `<|endofprompt|>` from user text.\n',
    ),
    'billing.md': BILLING,
  });

  it('counts it as the text it is, in the root page, the outline, the clause and a search', async () => {
    // gpt-tokenizer throws on these strings by default: every read_root of the corpus used to fail.
    const root = await server().call('read_root');
    expect(root.isError).toBeFalsy();
    expect(textOf(root)).toContain('prompts');
    const outline = await server().call('get_outline', { spec: 'prompts' });
    expect(outline.isError).toBeFalsy();
    const clause = await server().call('get_clause', { ref: 'prompts#stop-tokens' });
    expect(clause.isError).toBeFalsy();
    expect(textOf(clause)).toContain('<|endoftext|>');
    expect(structured<{ tokens: number }>(clause).tokens).toBeGreaterThan(10);
    const found = await server().call('search_specs', { query: 'strip stop tokens', answer_tokens: 200 });
    expect(found.isError).toBeFalsy();
    expect(textOf(found)).toContain('prompts#stop-tokens');
  });
});
