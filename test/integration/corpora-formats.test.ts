// The real corpora in ../shared/corpora, served as one root: every format indexes, counts match the files, outlines hold.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/corpus/snapshot.js';
import type { RootPageOut } from '../helpers/catalog.js';
import { type Connected, connect, structured, textOf } from '../helpers/mcp.js';
import { corporaExist, corporaMissing, corporaRoot } from '../helpers/paths.js';

const MODEL_SPEC = 'openai-model_spec/model_spec.md';
const SPEC_KIT_HISTORY = 'github-spec-kit/real-specs-from-history/specs/';

/**
 * Items that repeat an ID defined earlier in the same file: served as mentions of the first, with a warning.
 * Pinned here so a change in how the corpora read shows up as a failing test.
 */
const EXPECTED_DUPLICATE_MENTIONS = [
  // A "Dependencies" list re-mentions tasks as `- **T019** depends on …`; the tasks were defined at lines 163/170.
  `${SPEC_KIT_HISTORY}001-github-mcp-integration/tasks.md:208`,
  `${SPEC_KIT_HISTORY}001-github-mcp-integration/tasks.md:209`,
  // The file numbers two different tasks T021 and T022 (User Story 1 and User Story 2): an authoring slip.
  `${SPEC_KIT_HISTORY}001-ralph-loop-implement/tasks.md:80`,
  `${SPEC_KIT_HISTORY}001-ralph-loop-implement/tasks.md:81`,
  // A notes list opens an item with `- **T003**: shared test fixtures live in …`, after task T003 on line 33.
  `${SPEC_KIT_HISTORY}001-spec-kit-bundler/tasks.md:235`,
];

interface OutlineOut {
  spec: { id: string };
  clauses: Array<{ ref: string; depth: number }>;
}
interface ClauseOut {
  ref: string;
  id: string;
  title: string;
  attrs?: Record<string, string>;
  digest: string;
}
interface RootOut {
  specs: Array<{ id: string }>;
  always: Array<{ ref: string }>;
  next_cursor?: string;
  total_specs: number;
}

function read(rel: string): string {
  return readFileSync(path.join(corporaRoot, rel), 'utf8');
}

describe.skipIf(!corporaExist)(`real corpora${corporaExist ? '' : ` — skipped: ${corporaMissing}`}`, () => {
  let c: Connected;
  let snapshot: Snapshot;

  beforeAll(async () => {
    c = await connect(corporaRoot);
    snapshot = c.app.corpus.current();
  }, 60_000);
  afterAll(async () => {
    await c?.close();
  });

  it('indexes every format with no errors', () => {
    const errors = snapshot.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.file}:${p.line} ${p.rule}: ${p.message}`);
    expect(errors).toEqual([]);
    const mentions = snapshot.problems
      .filter((p) => p.rule === 'duplicate-clause-id')
      .map((p) => `${p.file}:${p.line}`);
    expect(mentions.sort()).toEqual([...EXPECTED_DUPLICATE_MENTIONS].sort());
    const formats = new Set(snapshot.specs.map((s) => s.format));
    expect([...formats].sort()).toEqual([
      'agents-md',
      'kiro',
      'markdown',
      'model-spec',
      'openspec',
      'skill',
      'spec-kit',
    ]);
  });

  describe('OpenAI Model Spec', () => {
    const anchors = () =>
      [
        ...read(MODEL_SPEC).matchAll(/^#{1,6} .*\{#([A-Za-z0-9][\w.:-]*)((?: [\w.:-]+=[^\s}]+)*)\}\s*$/gm),
      ].map((m) => ({
        id: m[1]!,
        attrs: Object.fromEntries([...m[2]!.matchAll(/([\w.:-]+)=([^\s}]+)/g)].map((a) => [a[1]!, a[2]!])),
      }));

    it('has its 80 {#id} anchors as clauses', () => {
      const found = anchors();
      expect(found).toHaveLength(80);
      const spec = snapshot.resolve('openai-model_spec/model_spec').spec;
      expect(spec.clauses.filter((cl) => cl.idSource === 'anchor').map((cl) => cl.id)).toEqual(
        found.map((a) => a.id),
      );
    });

    it('resolves every anchor with get_clause, attributes kept', async () => {
      for (const anchor of anchors()) {
        const result = await c.call('get_clause', { ref: `model_spec#${anchor.id}`, max_tokens: 200 });
        const out = structured<ClauseOut>(result);
        expect(out.ref).toBe(`openai-model_spec/model_spec#${anchor.id}`);
        expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(out.attrs ?? {}).toEqual(anchor.attrs);
      }
      expect(
        structured<ClauseOut>(
          await c.call('get_clause', { ref: 'model_spec#follow_all_applicable_instructions' }),
        ).attrs,
      ).toEqual({
        authority: 'root',
      });
    });

    it('treats the two headings inside code fences as text', () => {
      const headingLines = read(MODEL_SPEC)
        .split('\n')
        .filter((l) => /^#{1,6} /.test(l));
      expect(headingLines).toHaveLength(82);
      expect(snapshot.resolve('openai-model_spec/model_spec').spec.clauses).toHaveLength(80);
    });
  });

  describe('OpenSpec', () => {
    it('has all 251 requirements under openspec/specs as req- clauses', () => {
      const specs = snapshot.specs.filter((s) => s.path.startsWith('Fission-AI-OpenSpec/openspec/specs/'));
      expect(specs).toHaveLength(36);
      const inFiles = specs.reduce((n, s) => n + (read(s.path).match(/^### Requirement:/gm)?.length ?? 0), 0);
      const clauses = specs
        .flatMap((s) => s.clauses)
        .filter((cl) => cl.id.startsWith('req-') && cl.title.startsWith('Requirement:'));
      expect(inFiles).toBe(251);
      expect(clauses).toHaveLength(251);
      expect(new Set(clauses.map((cl) => cl.ref)).size).toBe(251);
    });

    it('serves changes as proposals, kept out of the catalog', () => {
      const changes = snapshot.specs.filter((s) =>
        s.path.startsWith('Fission-AI-OpenSpec/openspec/changes/'),
      );
      expect(changes.length).toBeGreaterThan(0);
      for (const s of changes) expect(s.kind).toBe('proposal');
      expect(snapshot.catalog.some((s) => s.kind === 'proposal')).toBe(false);
    });
  });

  describe('Spec Kit', () => {
    const specKitSpecs = () =>
      snapshot.specs.filter((s) => s.format === 'spec-kit' && s.path.endsWith('/spec.md'));

    it('makes every **FR-###** in a spec.md addressable within its feature', () => {
      let total = 0;
      for (const spec of specKitSpecs()) {
        const inFile = [...read(spec.path).matchAll(/\*\*(FR-\d+)\*\*/g)].map((m) => m[1]!);
        total += inFile.length;
        const clauses = spec.clauses.filter((cl) => /^FR-\d+$/.test(cl.id)).map((cl) => cl.id);
        expect(clauses, spec.path).toEqual(inFile);
        for (const id of inFile) expect(snapshot.resolve(`${spec.id}#${id}`).clause?.idSource).toBe('bold');
      }
      expect(total).toBe(319);
    });

    it('scopes FR IDs per feature: a bare FR-001 is ambiguous and names the candidates', async () => {
      const result = await c.call('get_clause', { ref: 'FR-001' });
      expect(result.isError).toBe(true);
      const meta = result._meta?.['specledger/error'] as { code: string; candidates: string[] };
      expect(meta.code).toBe('AMBIGUOUS');
      expect(meta.candidates.length).toBeGreaterThan(10);
      for (const ref of meta.candidates) expect(ref).toMatch(/^github-spec-kit\/.+#FR-001$/);
      const withFr001 = specKitSpecs().filter((s) => s.clauses.some((cl) => cl.id === 'FR-001'));
      expect(withFr001.length).toBeGreaterThan(10);
      for (const spec of withFr001) expect(meta.candidates).toContain(`${spec.id}#FR-001`);
      // The text names candidates as SPEC#CLAUSE too (the first ten; _meta carries them all).
      expect(textOf(result)).toContain(meta.candidates[0]);
      expect(textOf(result)).toMatch(/name the spec as SPEC#CLAUSE/);
      const one = structured<ClauseOut>(
        await c.call('get_clause', { ref: `${SPEC_KIT_HISTORY}001-hello-world/spec#FR-001` }),
      );
      expect(one.title).toBe('System MUST display "Hello World" message on the main page');
    });
  });

  describe('read_root on the whole corpora', () => {
    it('shows the whole catalog, folded, on a first page within 1500 tokens', async () => {
      const result = await c.call('read_root', {});
      expect(c.app.tokens.count(textOf(result))).toBeLessThanOrEqual(1500);
      const first = structured<RootOut & RootPageOut>(result);
      expect(first.next_cursor).toBeUndefined();
      expect(first.specs.length + first.folders.reduce((n, f) => n + f.specs, 0)).toBe(first.total_specs);
      expect(first.total_specs).toBe(snapshot.catalog.length);
      // Kiro steering without frontmatter is a standing rule.
      expect(first.always.map((a) => a.ref)).toContain(
        'kirodotdev-spirit-of-kiro/HEAD/.kiro/steering/product',
      );
    });
  });

  describe('golden outlines', () => {
    async function outline(spec: string): Promise<Array<[string, number]>> {
      const out = structured<OutlineOut>(await c.call('get_outline', { spec, depth: 10 }));
      return out.clauses.map((cl) => [cl.ref.slice(out.spec.id.length), cl.depth]);
    }

    it('Kiro requirements.md: Requirement N, acceptance criteria req-N.M', async () => {
      expect(
        await outline(
          'kirodotdev-spirit-of-kiro/at-3a3d07b0ef23d7d0400f1fabae56fcb07fb6abb0/.kiro/plans/player-trail-effect/requirements',
        ),
      ).toEqual([
        ['#introduction', 1],
        ['#requirements', 1],
        ['#req-1', 2],
        ['#acceptance-criteria', 3],
        ['#req-1.1', 4],
        ['#req-1.2', 4],
        ['#req-1.3', 4],
        ['#req-1.4', 4],
        ['#req-2', 2],
        ['#req-2.acceptance-criteria', 3],
        ['#req-2.1', 4],
        ['#req-2.2', 4],
        ['#req-2.3', 4],
        ['#req-2.4', 4],
        ['#req-3', 2],
        ['#req-3.acceptance-criteria', 3],
        ['#req-3.1', 4],
        ['#req-3.2', 4],
        ['#req-3.3', 4],
        ['#req-3.4', 4],
        ['#req-4', 2],
        ['#req-4.acceptance-criteria', 3],
        ['#req-4.1', 4],
        ['#req-4.2', 4],
        ['#req-4.3', 4],
        ['#req-4.4', 4],
        ['#req-5', 2],
        ['#req-5.acceptance-criteria', 3],
        ['#req-5.1', 4],
        ['#req-5.2', 4],
        ['#req-5.3', 4],
      ]);
    });

    it('OpenSpec spec.md: requirements and their scenarios', async () => {
      const R1 = '#req-inject-context-into-all-artifact-instructions';
      const R2 = '#req-format-context-with-xml-style-tags';
      const R3 = '#req-preserve-context-content-exactly-as-provided';
      expect(await outline('Fission-AI-OpenSpec/openspec/specs/context-injection/spec')).toEqual([
        ['#purpose', 1],
        ['#requirements', 1],
        [R1, 2],
        [`${R1}.config-has-context-field`, 3],
        [`${R1}.config-has-no-context-field`, 3],
        [`${R1}.context-is-multi-line-string`, 3],
        [`${R1}.context-applied-to-all-artifacts`, 3],
        [R2, 2],
        [`${R2}.context-tag-structure`, 3],
        [`${R2}.context-appears-before-template`, 3],
        [R3, 2],
        [`${R3}.context-contains-special-characters`, 3],
        [`${R3}.context-contains-urls`, 3],
        [`${R3}.context-contains-markdown`, 3],
      ]);
    });

    it('Spec Kit spec.md: user stories, FR- and SC- requirements', async () => {
      expect(await outline(`${SPEC_KIT_HISTORY}001-hello-world/spec`)).toEqual([
        ['#user-scenarios-testing-mandatory', 1],
        ['#us-1', 2],
        ['#us-2', 2],
        ['#us-3', 2],
        ['#edge-cases', 2],
        ['#requirements-mandatory', 1],
        ['#functional-requirements', 2],
        ['#FR-001', 3],
        ['#FR-002', 3],
        ['#FR-003', 3],
        ['#FR-004', 3],
        ['#FR-005', 3],
        ['#FR-006', 3],
        ['#FR-007', 3],
        ['#key-entities-include-if-feature-involves-data', 2],
        ['#success-criteria-mandatory', 1],
        ['#measurable-outcomes', 2],
        ['#SC-001', 3],
        ['#SC-002', 3],
        ['#SC-003', 3],
        ['#SC-004', 3],
        ['#SC-005', 3],
      ]);
    });

    it('Model Spec: the first 15 clauses, anchored H1s included', async () => {
      expect((await outline('openai-model_spec/model_spec')).slice(0, 15)).toEqual([
        ['#overview', 1],
        ['#structure', 2],
        ['#red_line_principles', 2],
        ['#general_principles', 2],
        ['#risk_taxonomy', 2],
        ['#levels_of_authority', 2],
        ['#definitions', 1],
        ['#chain_of_command', 1],
        ['#follow_all_applicable_instructions', 2],
        ['#letter_and_spirit', 2],
        ['#no_other_objectives', 2],
        ['#scope_of_autonomy', 2],
        ['#control_side_effects', 2],
        ['#assume_best_intentions', 2],
        ['#ignore_untrusted_data', 2],
      ]);
    });

    it('SKILL.md: several H1s are clauses, emoji dropped from IDs, a fenced block is not', async () => {
      const spec = snapshot.resolve('anthropics-skills/skills/mcp-builder/SKILL').spec;
      expect(spec).toMatchObject({ title: 'mcp-builder', kind: 'skill' });
      expect(await outline('anthropics-skills/skills/mcp-builder/SKILL')).toEqual([
        ['#mcp-server-development-guide', 1],
        ['#overview', 2],
        ['#process', 1],
        ['#high-level-workflow', 2],
        ['#phase-1-deep-research-and-planning', 3],
        ['#1-1-understand-modern-mcp-design', 4],
        ['#1-2-study-mcp-protocol-documentation', 4],
        ['#1-3-study-framework-documentation', 4],
        ['#1-4-plan-your-implementation', 4],
        ['#phase-2-implementation', 3],
        ['#2-1-set-up-project-structure', 4],
        ['#2-2-implement-core-infrastructure', 4],
        ['#2-3-implement-tools', 4],
        ['#phase-3-review-and-test', 3],
        ['#3-1-code-quality', 4],
        ['#3-2-build-and-test', 4],
        ['#phase-4-create-evaluations', 3],
        ['#4-1-understand-evaluation-purpose', 4],
        ['#4-2-create-10-evaluation-questions', 4],
        ['#4-3-evaluation-requirements', 4],
        ['#4-4-output-format', 4],
        ['#reference-files', 1],
        ['#documentation-library', 2],
        ['#core-mcp-documentation-load-first', 3],
        ['#sdk-documentation-load-during-phase-1-2', 3],
        ['#language-specific-implementation-guides-load-during-phase-2', 3],
        ['#evaluation-guide-load-during-phase-4', 3],
      ]);
    });

    it('AGENTS.md: the H1 is the title, numbered H2s are clauses', async () => {
      expect(snapshot.resolve('openai-agents.md/AGENTS').spec.title).toBe(
        'AGENTS Guidelines for This Repository',
      );
      expect(await outline('openai-agents.md/AGENTS')).toEqual([
        ['#1-use-the-development-server-not-npm-run-build', 1],
        ['#2-keep-dependencies-in-sync', 1],
        ['#3-coding-conventions', 1],
        ['#4-useful-commands-recap', 1],
      ]);
    });
  });
});
