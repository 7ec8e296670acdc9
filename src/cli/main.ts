#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';

// Subcommands import their modules lazily: `tributary --help` must not load Solana, Discord or SQLite.
// The installed `tributary` command is launcher.sh, which answers a bare `--help` from the text the
// build took from this program (build-bin.ts) and runs this file for everything else.
const program = new Command('tributary').description('Solana reward distributions from Discord, Telegram and the console').showHelpAfterError();

program
  .command('start', { isDefault: true })
  .description('run the bot: the embedded local chain and a console chat unless SOLANA_RPC_URL / DISCORD_TOKEN / TELEGRAM_TOKEN say otherwise')
  .action(async () => {
    const { runStart } = await import('./start-command.js');
    await runStart();
  });

program
  .command('localnet')
  .description('run the local Solana chain (litesvm behind JSON-RPC) with a seeded community until stopped')
  .option('--port <port>', 'JSON-RPC port (PubSub listens on port + 1); 0 picks a free one', integer, 8899)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--holders <n>', 'holders of the seeded base token', integer, 200)
  .option('--seed <n>', 'seed of everything generated', integer, 42)
  .option('--slot-ms <ms>', 'milliseconds per slot (a blockhash lives 150 slots)', integer, 400)
  .option('--rate-limit <spec>', 'provider-like limit, e.g. public-mainnet or 100/10s,method=40')
  .option('--faults <spec>', 'injected faults, e.g. 429=0.1,5xx=0.05,timeout=0.01,drop=0.05,fail=0.01,fork=0.05')
  .option('--keypair-dir <dir>', 'where the distributor keypair is written', '.localnet')
  .option('--status-cache-slots <n>', 'slots getSignatureStatuses finds a signature without searchTransactionHistory', integer, 300)
  .option('--confirmed-lag-slots <n>', 'slots from processed to confirmed (finalized is 32)', integer, 2)
  .option('--fork-slots <n>', 'slots a fork-failed transaction shows failed at processed before its fork is dropped', integer, 4)
  .option('--fork-reland-slots <n>', 'slots after the fork is dropped at which the same transaction lands', integer, 2)
  .option('--no-history', 'no transaction history: searchTransactionHistory and getTransaction answer -32011')
  .option('--lagging-endpoint-slots <n>', 'also serve a second endpoint this many slots behind the tip (laggingRpcUrl)', integer)
  .option('--bulk-holders <n>', 'also seed a token with this many holders in bulk (bulkMint; a million in seconds)', integer)
  .option('--reward-accounts', 'every holder has an empty account of the reward token already, as after an earlier distribution')
  .option('--max-program-accounts <n>', 'refuse a getProgramAccounts answer of more accounts, as providers do', integer)
  .option('--no-token-program-scans', 'refuse getProgramAccounts on the token programs (-32010), as public mainnet does')
  .option('--no-das', 'do not serve the DAS method getTokenAccounts')
  .action(async (opts: LocalnetFlags) => {
    const { runLocalnet } = await import('./localnet-command.js');
    await runLocalnet(opts);
  });

const config = program.command('config').description('show or check the configuration');
config
  .command('show')
  .description('print the effective configuration (defaults, TRIBUTARY_CONFIG file, environment), secrets masked')
  .action(async () => {
    const { showConfig } = await import('./config-command.js');
    await showConfig();
  });
config
  .command('validate')
  .description('check the configuration; exit 1 naming each bad key')
  .option('--file <path>', 'a config file to check instead of TRIBUTARY_CONFIG')
  .action(async (opts: { file?: string }) => {
    const { validateConfig } = await import('./config-command.js');
    process.exitCode = await validateConfig(opts.file);
  });

program
  .command('discord')
  .description('Discord set-up steps')
  .command('register')
  .description('register the slash commands (a separate step: Discord limits registrations per day)')
  .option('--guild <id>', 'register in one server only (instant) instead of globally')
  .action(async (opts: { guild?: string }) => {
    const { registerCommands } = await import('./discord-command.js');
    await registerCommands(opts.guild);
  });

export interface LocalnetFlags {
  port: number;
  host: string;
  holders: number;
  seed: number;
  slotMs: number;
  rateLimit?: string;
  faults?: string;
  keypairDir: string;
  statusCacheSlots: number;
  confirmedLagSlots: number;
  forkSlots: number;
  forkRelandSlots: number;
  /** false with --no-history. */
  history: boolean;
  laggingEndpointSlots?: number;
  bulkHolders?: number;
  rewardAccounts?: boolean;
  maxProgramAccounts?: number;
  /** false with --no-token-program-scans. */
  tokenProgramScans: boolean;
  /** false with --no-das. */
  das: boolean;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return n;
}

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`tributary: ${(e as Error).message}\n`);
  process.exit(1);
});
