// The provenance console in a real browser: a real agent run over stdio, a clause edited afterwards, then a person
// walks runs → run → clause → diff in headless Chromium; hostile text stays text; axe-core finds nothing serious.
// biome-ignore-all lint/performance/useDomNodeTextContent: playwright's locator.innerText is the text a person sees (it honours CSS), which is what these tests check
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumExists,
  chromiumMissing,
  launchChromium,
  seriousViolations,
  startUiCli,
  type UiCli,
} from '../helpers/browser.js';
import { connectStdioCli, runCli } from '../helpers/cli.js';
import { CLI_TEST_TIMEOUT, type GitRepoFixture, gitRepo } from '../helpers/git.js';
import { repoRoot, specsExample } from '../helpers/paths.js';
import { specFile } from '../helpers/temp.js';

const RUN = 'run-console-e2e';
const OTHER_RUN = 'run-console-other';
const PAGED_RUNS = 26;
const HOSTILE_CLIENT = '<b id="client-html">evil</b><img src=x id="client-img">';
const OLD_LINE = 'Access tokens MUST expire 15 minutes (900 s) after issue';
const NEW_LINE = 'Access tokens MUST expire 10 minutes (600 s) after issue';
/** Set to write the screenshots into docs/ (the README shows them); otherwise they stay in the test's temp folder. */
const UPDATE_SCREENSHOTS = process.env.SPECLEDGER_UPDATE_SCREENSHOTS === '1';

describe.skipIf(!chromiumExists)(
  `the provenance console${chromiumExists ? '' : ` (skipped: ${chromiumMissing})`}`,
  { timeout: CLI_TEST_TIMEOUT },
  () => {
    let repo: GitRepoFixture;
    let ledger: string;
    let ui: UiCli;
    let browser: Browser;
    let page: Page;
    const digests: Record<string, string> = {};

    const shot = async (name: string) => {
      const file = repo.tmp.at(`console-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      if (UPDATE_SCREENSHOTS) {
        mkdirSync(path.join(repoRoot, 'docs'), { recursive: true });
        copyFileSync(file, path.join(repoRoot, 'docs', `console-${name}.png`));
      }
    };

    beforeAll(async () => {
      repo = gitRepo({ specs: specsExample });
      repo.write(
        'specs/specs/hostile.md',
        specFile(
          { id: 'hostile', title: 'Hostile <i>title</i>', version: '1.0.0', status: 'draft' },
          '\n## Script {#script}\n\nThis text holds <script>window.__pwned = 1</script> and <img src=x id="spec-img">.\n',
        ),
      );
      // A file that cannot be served: the specs page lists it with the reason.
      repo.write('specs/specs/blob.md', 'not text\0\0\0 at all');
      repo.commit('initial import');
      ledger = repo.tmp.at('ledger.db');
      const installed = await repo.specledger(['hooks', 'install', '--specs', 'specs', '--ledger', ledger]);
      expect(installed.code, installed.stderr).toBe(0);
      const agent = await connectStdioCli(['--specs', `${repo.dir}/specs`, '--ledger', ledger], {
        env: { SPECLEDGER_RUN_ID: RUN },
        clientName: HOSTILE_CLIENT,
      });
      try {
        // Runs named by the tool argument, older than RUN: enough for a second page of runs.
        for (let i = 0; i < PAGED_RUNS; i++)
          await agent.client.callTool({
            name: 'get_clause',
            arguments: { ref: 'errors#error-envelope', run_id: `paged-run-${i}` },
          });
        await agent.client.callTool({ name: 'read_root', arguments: {} });
        for (const ref of ['auth#token-lifetime', 'errors#error-envelope', 'hostile#script']) {
          const r = (await agent.client.callTool({ name: 'get_clause', arguments: { ref } })) as unknown as {
            structuredContent: { digest: string };
          };
          digests[ref] = r.structuredContent.digest;
        }
        repo.write('src/token.ts', 'export const TOKEN_TTL_S = 900;\n');
        repo.commit('token lifetime from the spec', { SPECLEDGER_RUN_ID: RUN });
      } finally {
        await agent.close();
      }
      const other = await connectStdioCli(['--specs', `${repo.dir}/specs`, '--ledger', ledger], {
        env: { SPECLEDGER_RUN_ID: OTHER_RUN },
        clientName: 'other-agent',
      });
      await other.client.callTool({ name: 'get_clause', arguments: { ref: 'auth#token-lifetime' } });
      await other.close();
      // After the runs, someone edits the clause they relied on.
      repo.write('specs/specs/auth.md', repo.read('specs/specs/auth.md').replace(OLD_LINE, NEW_LINE));
      repo.commit('shorter tokens');
      ui = await startUiCli(['--specs', `${repo.dir}/specs`, '--ledger', ledger]);
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
    }, CLI_TEST_TIMEOUT);

    afterAll(async () => {
      await browser?.close();
      await ui?.close();
      repo?.remove();
    });

    it('walks runs → run → clause → diff and shows the run, the versions read, what changed and how', async () => {
      const response = await page.goto(ui.url);
      expect(response?.status()).toBe(200);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      const runLink = page.getByRole('link', { name: RUN });
      expect(await runLink.count()).toBe(1);
      await shot('runs');

      await runLink.click();
      await page.waitForURL(/\/run\?/);
      expect(await page.locator('h1').innerText()).toBe(`Run ${RUN}`);
      const clauseRow = (ref: string) =>
        page.locator('table[aria-labelledby="clauses"] tr', { hasText: ref });
      expect(await clauseRow('auth#token-lifetime').locator('[class^="state-"]').innerText()).toBe('changed');
      expect(await clauseRow('errors#error-envelope').locator('[class^="state-"]').innerText()).toBe(
        'unchanged',
      );
      const short = (d: string) => `sha256:${d.replace('sha256:', '').slice(0, 8)}`;
      expect(await clauseRow('auth#token-lifetime').innerText()).toContain(
        short(digests['auth#token-lifetime']!),
      );
      const timeline = page.locator('table[aria-labelledby="timeline"] tbody tr', {
        hasText: 'auth#token-lifetime',
      });
      expect(await timeline.innerText()).toContain('1.4.0');
      expect(await timeline.innerText()).toContain('get_clause');
      await shot('run');

      await clauseRow('auth#token-lifetime')
        .getByRole('link', { name: 'auth#token-lifetime', exact: true })
        .click();
      await page.waitForURL(/\/clause\?/);
      expect(await page.locator('h1').innerText()).toBe('Clause auth#token-lifetime');
      const version = page.locator('table[aria-labelledby="versions"] tbody tr');
      expect(await version.count()).toBe(1);
      expect(await version.innerText()).toContain(short(digests['auth#token-lifetime']!));
      expect(await version.innerText()).toContain('changed since');
      expect(await page.locator('table[aria-labelledby="runs"]').innerText()).toContain(RUN);
      await shot('clause');

      await version.getByRole('link', { name: /as read vs now/ }).click();
      await page.waitForURL(/\/diff\?/);
      expect(await page.locator('.diff-split td.del').allInnerTexts()).toEqual(
        expect.arrayContaining([expect.stringContaining(OLD_LINE)]),
      );
      expect(await page.locator('.diff-split td.ins').allInnerTexts()).toEqual(
        expect.arrayContaining([expect.stringContaining(NEW_LINE)]),
      );
      await shot('diff');
      // The toggle is the one script: it switches to one column, old line above new.
      const toggle = page.getByRole('button', { name: 'Show as one column' });
      await toggle.click();
      expect(await page.locator('.diff-split').isVisible()).toBe(false);
      const removed = (await page.locator('.diff-unified td.del').allInnerTexts()).join('\n');
      const added = (await page.locator('.diff-unified td.ins').allInnerTexts()).join('\n');
      expect(removed).toMatch(new RegExp(`^- .*${OLD_LINE.replace(/[()]/g, '\\$&')}`, 'm'));
      expect(added).toMatch(new RegExp(`^\\+ .*${NEW_LINE.replace(/[()]/g, '\\$&')}`, 'm'));
      const unified = await page.locator('.diff-unified').innerText();
      expect(unified.indexOf(NEW_LINE)).toBeGreaterThan(unified.indexOf(OLD_LINE));
    });

    it('filters runs by client, principal, run-ID source and time, and pages through them', async () => {
      const shownRuns = async (query: string) => {
        await page.goto(`${ui.url}${query}`);
        return page.locator('table tbody tr td:first-child').allInnerTexts();
      };
      expect(await shownRuns('?client=other-agent')).toEqual([OTHER_RUN]);
      expect(await shownRuns('?source=env')).toEqual([OTHER_RUN, RUN]);
      expect(await shownRuns('?principal=nobody')).toEqual([]);
      expect(await page.locator('main').innerText()).toContain('No run matches.');
      expect(await shownRuns('?from=2999-01-01T00:00')).toEqual([]);
      expect(await shownRuns('?to=2000-01-01T00:00')).toEqual([]);
      expect(await shownRuns('?from=2000-01-01T00:00&source=env')).toEqual([OTHER_RUN, RUN]);
      // Newest first, 25 a page: the two env runs and 23 argument runs, then the 3 oldest.
      const first = await shownRuns('');
      expect(first).toHaveLength(25);
      expect(first.slice(0, 2)).toEqual([OTHER_RUN, RUN]);
      expect(await page.locator('.pager').first().innerText()).toContain(`1–25 of ${PAGED_RUNS + 2} runs`);
      await page.getByRole('link', { name: 'Next 25' }).first().click();
      await page.waitForURL(/offset=25/);
      expect(await page.locator('table tbody tr td:first-child').allInnerTexts()).toEqual([
        'paged-run-2',
        'paged-run-1',
        'paged-run-0',
      ]);
      // The form keeps what was asked, and a filtered list pages as filtered.
      await page.goto(`${ui.url}?source=argument`);
      expect(await page.locator('select[name="source"]').inputValue()).toBe('argument');
      await page.getByRole('link', { name: 'Next 25' }).first().click();
      await page.waitForURL(/offset=25/);
      expect(new URL(page.url()).searchParams.get('source')).toBe('argument');
      expect(await page.locator('table tbody tr td:first-child').allInnerTexts()).toEqual(['paged-run-0']);
    });

    it('shows a client name and spec text holding HTML as text, and runs none of it', async () => {
      await page.goto(`${ui.url}run?id=${RUN}`);
      expect(await page.locator('dl.facts').innerText()).toContain(`${HOSTILE_CLIENT}/0.0.1`);
      expect(await page.locator('#client-html, #client-img').count()).toBe(0);
      await page.goto(`${ui.url}clause?ref=hostile%23script`);
      expect(await page.locator('pre.text').innerText()).toContain('<script>window.__pwned = 1</script>');
      expect(await page.locator('#spec-img').count()).toBe(0);
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      await page.goto(`${ui.url}specs`);
      expect(await page.locator('main').innerText()).toContain('Hostile <i>title</i>');
    });

    it('lists the files that cannot be served, with where and why, on the specs page', async () => {
      await page.goto(`${ui.url}specs`);
      const unserved = await page.locator('table[aria-labelledby="unserved"]').innerText();
      expect(unserved).toContain('specs/blob.md:1');
      expect(unserved).toContain('binary');
    });

    it('works with JavaScript off, the diff toggle aside', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const noJs = await context.newPage();
      try {
        await noJs.goto(`${ui.url}run?id=${RUN}`);
        await noJs.getByRole('link', { name: /as read vs now/ }).click();
        await noJs.waitForURL(/\/diff\?/);
        expect(await noJs.locator('.diff-split').isVisible()).toBe(true);
        expect(await noJs.locator('.diff-split td.ins').allInnerTexts()).toEqual(
          expect.arrayContaining([expect.stringContaining(NEW_LINE)]),
        );
        expect(await noJs.getByRole('button', { name: 'Show as one column' }).isVisible()).toBe(false);
        await noJs.goto(`${ui.url}?source=env`);
        expect(await noJs.locator('table tbody tr').count()).toBe(2);
      } finally {
        await context.close();
      }
    });

    it('has no serious accessibility violations on any page, and breaks none of its CSP', async () => {
      const cspErrors: string[] = [];
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) cspErrors.push(message.text());
      });
      const pages = [
        '',
        `run?id=${RUN}`,
        'clause?ref=auth%23token-lifetime',
        `diff?ref=auth%23token-lifetime&digest=${digests['auth#token-lifetime']}&run=${RUN}`,
        'commits',
        'health',
        'specs',
      ];
      for (const p of pages) {
        await page.goto(`${ui.url}${p}`);
        expect(await seriousViolations(page), `/${p}`).toEqual([]);
      }
      expect(cspErrors).toEqual([]);
      await page.goto(`${ui.url}commits`);
      await shot('commits');
      await page.goto(`${ui.url}health`);
      await shot('health');
    });

    it('can be used from the keyboard: skip link first, then every link in order, Enter follows one', async () => {
      await page.goto(ui.url);
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement?.id')).toBe('main');
      let reached = false;
      for (let i = 0; i < 30 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = (await page.evaluate('document.activeElement?.textContent')) === RUN;
      }
      expect(reached).toBe(true);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/run\?/);
      expect(await page.locator('h1').innerText()).toBe(`Run ${RUN}`);
    });

    it('shows the commit made during the run with its run and clause versions, and the ledger verified', async () => {
      await page.goto(`${ui.url}commits`);
      const row = page.locator('table[aria-labelledby="recent"] tr', {
        hasText: 'token lifetime from the spec',
      });
      expect(await row.innerText()).toContain(RUN);
      // The edit after the runs was committed without a declared run: the hooks' guess says it is one.
      const edit = page.locator('table[aria-labelledby="recent"] tr', { hasText: 'shorter tokens' });
      expect(await edit.innerText()).toContain('guessed from ledger activity, not declared');
      expect(await row.innerText()).not.toContain('guessed');
      await row.getByRole('link').first().click();
      await page.waitForURL(/\/commits\?rev=/);
      const clauses = await page.locator('table[aria-labelledby="commit-clauses"]').innerText();
      expect(clauses).toContain('auth#token-lifetime');
      expect(clauses).toContain('changed');
      await page.goto(`${ui.url}health`);
      expect(await page.locator('main').innerText()).toMatch(/Verified: \d+ records, chain intact/);
    });

    it('answers only reads, on loopback only, and says what is wrong with a bad request or a missing ledger', async () => {
      const post = await fetch(ui.url, { method: 'POST' });
      expect(post.status).toBe(405);
      const unknown = await fetch(`${ui.url}run?id=no-such-run`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toContain('no reads recorded for run &quot;no-such-run&quot;');
      const badDigest = await fetch(`${ui.url}diff?ref=auth%23token-lifetime&digest=nonsense`);
      expect(badDigest.status).toBe(400);
      expect(await badDigest.text()).toContain('invalid digest');
      expect((await fetch(`${ui.url}clause`)).status).toBe(400);
      const refused = await runCli(['ui', '--host', '0.0.0.0', '--port', '0', '--ledger', ledger]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('refusing to serve the console on 0.0.0.0');
      const missing = await runCli(['ui', '--port', '0', '--ledger', repo.tmp.at('no-such.db')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`no ledger at ${repo.tmp.at('no-such.db')}`);
    });
  },
);
