#!/usr/bin/env node
// The specledger command: parses arguments once and maps every error to one line on stderr and an exit code.
import { Command, CommanderError } from 'commander';
import { ExitError, SpecLedgerError } from '../errors.js';
import { VERSION as SERVER_VERSION } from '../version.js';
import { registerInitCommand } from './init-command.js';
import { registerLedgerCommands } from './ledger-commands.js';
import { registerLintCommand } from './lint-command.js';
import { escapeControls, logErr } from './output.js';
import { registerProofCommands } from './proof-commands.js';
import { registerReadCommands } from './read-commands.js';
import { registerServeCommand } from './serve.js';
import { registerTraceCommands } from './trace-commands.js';
import { registerUiCommand } from './ui-command.js';

export function buildProgram(): Command {
  const program = new Command('specledger')
    .description(
      'Serve governed specs to coding agents over MCP, and answer which spec versions shaped each run.',
    )
    .version(SERVER_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerReadCommands(program);
  registerLedgerCommands(program);
  registerProofCommands(program);
  registerLintCommand(program);
  registerTraceCommands(program);
  registerInitCommand(program);
  registerUiCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    // One line, whatever the message quotes: a ref or run ID from the command line could hold control characters.
    logErr(`specledger: ${escapeControls(message)}`);
    process.exitCode = error instanceof ExitError ? error.exitCode : error instanceof SpecLedgerError ? 2 : 1;
  }
}

await main(process.argv);
