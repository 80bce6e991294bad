// A real headless Chromium (Debian's, driven by playwright-core) and `specledger ui` as a subprocess, for the console tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { cleanEnv } from './cli.js';
import { builtCli } from './paths.js';

/** Installed by scripts/ci-chromium.sh; SPECLEDGER_CHROMIUM points elsewhere. */
const chromiumPath = process.env.SPECLEDGER_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = `no Chromium at ${chromiumPath}: run bash scripts/ci-chromium.sh`;
export const chromiumExists = existsSync(chromiumPath);

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
}

export interface UiCli {
  child: ChildProcess;
  /** The console's URL as the command printed it. */
  url: string;
  stderr(): string;
  close(): Promise<void>;
}

/** Starts `specledger ui --port 0 ARGS` and resolves with the URL it prints on stdout. */
export async function startUiCli(args: readonly string[]): Promise<UiCli> {
  const child = spawn(process.execPath, [builtCli, 'ui', '--port', '0', '--no-watch', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv(),
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(http:\/\/\S+)\n/.exec(out);
      if (line) resolve(line[1] as string);
    });
    void exited.then((code) => reject(new Error(`specledger ui exited ${code} before listening: ${err}`)));
  });
  return {
    child,
    url,
    stderr: () => err,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The accessibility violations axe-core rates serious or critical on the page as it is now, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
}
