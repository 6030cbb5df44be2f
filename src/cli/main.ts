/**
 * @module cli/main
 * The `appwatch` command line: parses arguments, runs a command, returns the exit code (never calls
 * `process.exit`, so tests run it in-process).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { eventsCommand } from './commands/events.js';
import { EXIT, packageVersion } from './commands/common.js';
import { coverageCommand } from './commands/coverage.js';
import { rulesCommand } from './commands/rules.js';
import { scanCommand } from './commands/scan.js';
import { simulateCommand } from './commands/simulate.js';
import { demoCommand } from './commands/demo.js';
import { postureCommand } from './commands/posture.js';
import { collectCommand } from './commands/collect.js';
import { consentReportCommand } from './commands/consent-report.js';
import { statusCommand, watchCommand } from './commands/watch.js';
import { alertsCommand } from './commands/alerts.js';
import { reportCommand } from './commands/report.js';
import { exportCommand } from './commands/export.js';
import { serveCommand } from './commands/serve.js';
import { inert } from './terminal.js';


export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('appwatch')
    .description('Security operations for Microsoft Entra applications: read Entra, Key Vault and Azure Activity logs, detect, report.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(inert(s)) })
    .addHelpText('after', `
Exit codes: 0 done · 1 alerts at or above --fail-on · 2 usage or configuration error · 3 no input could be read (or, with --strict, a record was skipped)`);
  for (const command of [eventsCommand(setExit), scanCommand(setExit), rulesCommand(setExit), coverageCommand(setExit), simulateCommand(setExit), demoCommand(setExit), postureCommand(setExit), collectCommand(setExit), consentReportCommand(setExit), watchCommand(setExit), statusCommand(setExit), alertsCommand(setExit), reportCommand(setExit), exportCommand(setExit), serveCommand(setExit)]) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
    program.addCommand(command);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`[x] ${inert(error.message)}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}
