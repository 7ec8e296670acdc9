import { LOCALES } from '../i18n/locales.js';
import { z } from 'zod';
import { monitorConfigSchema } from '../monitor/config.js';
import { checkConsistency } from './consistency.js';
import { RPC_PRESET_NAMES } from './rpc-presets.js';

/*
 * The whole configuration, one place for every default (config/default.json shows the same values
 * to operators; a test keeps the two equal). Every object is strict, so a misspelt key is an error
 * rather than a silently ignored setting. Messages are written as the fix: "must be ...".
 */

// ---- field builders: one message per kind of value, used for every way the value can be wrong.

const positiveInt = () => z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' });
const nonNegativeInt = () => z.int({ error: 'must be an integer, 0 or more' }).nonnegative({ error: 'must be an integer, 0 or more' });
const text = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });
const bool = () => z.boolean({ error: 'must be true or false' });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

function url(protocols: readonly string[], example: string) {
  const message = `must be a ${protocols.join(' or ')} URL such as ${example}`;
  return z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`), error: message });
}

/** A base URL that paths are appended to: a trailing slash would double up, so it is dropped. */
function baseUrl(example: string) {
  return url(['https', 'http'], example).transform((value) => value.replace(/\/+$/, ''));
}

// Discord ids are 64-bit snowflakes: past JavaScript's safe integers, so they must be strings.
const discordId = () =>
  z.string({ error: 'must be a Discord id written as a string in quotes, e.g. "123456789012345678"' }).regex(/^\d{15,21}$/, {
    error: 'must be a Discord id (15 to 21 digits), e.g. "123456789012345678"',
  });
const telegramUserId = () =>
  z.string({ error: 'must be a Telegram user id written as a string in quotes, e.g. "123456789"' }).regex(/^\d{1,16}$/, {
    error: 'must be a Telegram user id (digits), e.g. "123456789"',
  });
const telegramChatId = () =>
  z.string({ error: 'must be a Telegram chat id as a string, e.g. "-1001234567890" or "@mychannel"' }).regex(/^(-?\d{1,16}|@[A-Za-z0-9_]{4,32})$/, {
    error: 'must be a Telegram chat id, e.g. "-1001234567890" or "@mychannel"',
  });
const decimalString = () =>
  z.string({ error: 'must be a decimal number written as a string in quotes, e.g. "1000" or "0.5"' }).regex(/^\d+(\.\d+)?$/, {
    error: 'must be a decimal number written as a string, e.g. "1000" or "0.5"',
  });

/**
 * A strict section whose missing fields all take their defaults. `prefault` (not `default`) so the
 * empty object is parsed and the fields' defaults fill it; every field has one, so `{}` is valid
 * input, which TypeScript cannot see through the generic shape.
 */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object' : undefined) }).prefault({} as never);
}

// ---- sections

const rpcLimitsSchema = section({
  /** Requests in any window, all methods together. Default null: the preset's figure. */
  requestsPerWindow: positiveInt().nullable().default(null),
  /** Window length the request counts apply to, in ms. Default null: the preset's figure. */
  windowMs: positiveInt().nullable().default(null),
  /** Requests of one method per window. Default null: the preset's figure. */
  perMethodPerWindow: positiveInt().nullable().default(null),
  /** Requests in flight at once. Default null: the preset's figure. */
  maxConcurrent: positiveInt().nullable().default(null),
  /** sendTransaction calls per second. Default null: the preset's figure. */
  sendTransactionPerSecond: positiveInt().nullable().default(null),
});

const rpcSchema = section({
  /** JSON-RPC endpoint. Default null: the embedded local chain is started and used. Env SOLANA_RPC_URL. */
  url: url(['https', 'http'], 'https://api.mainnet-beta.solana.com').nullable().default(null),
  /** Second endpoint used while the first one's circuit breaker is open. Default null: none. */
  fallbackUrl: url(['https', 'http'], 'https://api.mainnet-beta.solana.com').nullable().default(null),
  /** Published limits of the provider behind `url` (see rpc-presets.ts). Default "localnet" (no limit). */
  preset: oneOf(RPC_PRESET_NAMES).default('localnet'),
  /** Overrides of single figures of the preset, for a plan that differs. Default: all null. */
  limits: rpcLimitsSchema,
  /** Time allowed for one HTTP request before it counts as failed. Default 30000 ms. */
  timeoutMs: positiveInt().default(30_000),
  retry: section({
    /** Attempts in all for one request, the first included. Default 5. */
    maxAttempts: positiveInt().default(5),
    /** First backoff delay; doubles per attempt, with jitter. Default 250 ms. */
    baseDelayMs: positiveInt().default(250),
    /** Cap on one backoff delay (a 429's Retry-After is honoured above it). Default 8000 ms. */
    maxDelayMs: positiveInt().default(8_000),
  }),
  circuitBreaker: section({
    /** Consecutive failed requests that open the breaker and switch to `fallbackUrl`. Default 5. */
    failureThreshold: positiveInt().default(5),
    /** How long the breaker stays open before the primary is tried again. Default 30000 ms. */
    cooldownMs: positiveInt().default(30_000),
  }),
});

const storeSchema = section({
  /** Redis to share the store (and limits) between processes. Default null: SQLite in `dataDir`. Env REDIS_URL. */
  redisUrl: url(['redis', 'rediss'], 'redis://localhost:6379').nullable().default(null),
});

const cacheSchema = section({
  /** How long a holder snapshot is reused for a new preview of the same mint. Default 300000 ms (5 min). */
  snapshotTtlMs: positiveInt().default(300_000),
  /** How long account lookups (mint info, whether an ATA exists) are reused. Default 30000 ms. */
  accountTtlMs: positiveInt().default(30_000),
});

const snapshotSchema = section({
  /**
   * Where holder lists come from: "getProgramAccounts" (any RPC node that serves it; big mints are
   * read in 256 parts by the owner's first byte) or "das" (the DAS method getTokenAccounts, 1,000
   * accounts a page: Helius, Triton and other DAS providers). Default "getProgramAccounts".
   */
  source: oneOf(['getProgramAccounts', 'das']).default('getProgramAccounts'),
});

const distributionSchema = section({
  /** A preview not confirmed within this time expires and must be previewed again. Default 600000 ms (10 min). */
  previewTtlMs: positiveInt().default(600_000),
  /** Cap on recipients per transaction. Default null: as many as fit in size and compute. */
  maxRecipientsPerTransaction: positiveInt().nullable().default(null),
  /** Highest priority fee paid, in micro-lamports per compute unit. Default 100000. */
  computeUnitPriceCapMicroLamports: nonNegativeInt().default(100_000),
  /** A preview whose total exceeds this many whole reward tokens carries a warning. Default "1000". */
  largeTotalWarning: decimalString().default('1000'),
  /** A preview with more recipients than this carries a warning. Default 1000. */
  manyRecipientsWarning: positiveInt().default(1_000),
  /** Least time between two edits of a progress message (chat platforms limit edits). Default 3000 ms. */
  progressEditIntervalMs: positiveInt().default(3_000),
  /**
   * The most recipients one preview plans. More after the filters is refused with the count (narrow
   * with `min:`, or pay only the largest with `max:`); holders are never left out quietly. Default
   * null: no limit, every holder that passes the filters is paid.
   */
  snapshotMaxRecipients: positiveInt().nullable().default(null),
  /**
   * A process that runs distributions holds a lease on them; if it stops (a crash, a lost host) for
   * this long, another process on the same store takes over from the ledger. Default 30000 ms.
   */
  leaseTtlMs: positiveInt().default(30_000),
});

/** A reward as the guards name it: "SOL", or the mint address of an SPL token. */
const rewardKey = () =>
  z.string({ error: 'must be "SOL" or a mint address' }).regex(/^(SOL|[1-9A-HJ-NP-Za-km-z]{32,44})$/, {
    error: 'must be "SOL" or a mint address (base58, 32 to 44 characters)',
  });

const rewardLimitsSchema = section({
  /** Largest total of one distribution, in whole reward units. Default null: no cap. */
  perDistribution: decimalString().nullable().default(null),
  /** Most confirmed in any 24 hours (a rolling window, not a calendar day). Default null: no cap. */
  perDay: decimalString().nullable().default(null),
  /** Most confirmed in any 7 days (rolling). Default null: no cap. */
  perWeek: decimalString().nullable().default(null),
  /** A plan whose total is above this needs a second, different operator to approve it. Default null: one operator confirms any total. */
  secondApprovalAbove: decimalString().nullable().default(null),
});

/**
 * Spending guards (src/engine/guards.ts), checked at every confirm, typed or scheduled. What has
 * been spent is read from the ledger: the totals of distributions confirmed in the window.
 */
const guardsSchema = section({
  /** The only rewards that may be paid: "SOL" and mint addresses. Default null: any reward. */
  allowedRewards: z.array(rewardKey(), { error: 'must be a list such as ["SOL", "<mint address>"], or null for any reward' }).nullable().default(null),
  /** Limits per reward, keyed "SOL" or by mint address; amounts as decimal strings. Default {}: no limits. */
  limits: z.record(rewardKey(), rewardLimitsSchema, { error: 'must be an object keyed "SOL" or by mint address' }).default({}),
});

const schedulesSchema = section({
  /** How often the process that runs distributions looks for occurrences that are due. Default 15000 ms. */
  checkIntervalMs: positiveInt().default(15_000),
  /** A cron expression whose occurrences come closer together than this is refused. Default 3600000 ms (1 h). */
  minIntervalMs: positiveInt().default(3_600_000),
});

const roleMembers = {
  /** Discord user ids holding the role. Default []. */
  discordUserIds: z.array(discordId(), { error: 'must be a list of Discord ids, e.g. ["123456789012345678"]' }).default([]),
  /** Discord server role ids whose members hold the role. Default []. */
  discordRoleIds: z.array(discordId(), { error: 'must be a list of Discord role ids, e.g. ["123456789012345678"]' }).default([]),
  /** Telegram user ids holding the role. Default []. */
  telegramUserIds: z.array(telegramUserId(), { error: 'must be a list of Telegram user ids, e.g. ["123456789"]' }).default([]),
};

const rolesSchema = section({
  /** May change settings and roles, and everything an operator may do. */
  admin: section(roleMembers),
  /** May take snapshots and preview, confirm, pause and cancel distributions. */
  operator: section({
    ...roleMembers,
    /** Administrators of a Telegram chat count as operators in that chat. Default false: list them. */
    telegramChatAdmins: bool().default(false),
  }),
  /** Role of whoever types at the console: it is the local operator's terminal. Default "admin". */
  console: oneOf(['admin', 'operator', 'member']).default('admin'),
});

const channelTarget = () =>
  section({
    /** Discord channel id. Default null: not posted on Discord. */
    discord: discordId().nullable().default(null),
    /** Telegram chat id. Default null: not posted on Telegram. */
    telegram: telegramChatId().nullable().default(null),
    /** The language of what is posted there, "en" or "ja". Default null: the top-level `language`. */
    language: oneOf(LOCALES).nullable().default(null),
  });

const channelsSchema = section({
  /** Where running distributions post and edit their progress message. */
  progress: channelTarget(),
  /** Where success-rate and RPC alerts go. */
  alerts: channelTarget(),
  /** Where the daily performance report goes. */
  reports: channelTarget(),
  /** Where a scheduled occurrence that needs approval is posted with Confirm / Skip. Default: the chat the schedule was created in. */
  operators: channelTarget(),
});

const DISCORD_TOKEN_SHAPE =
  'must be a Discord bot token as the Developer Portal shows it: three parts of letters, digits, "-" and "_" joined by dots, without spaces or a "Bot " prefix';

const discordSchema = section({
  /**
   * Bot token from the Developer Portal's Bot page: three base64url parts joined by dots, nothing
   * else (no spaces, no "Bot " prefix). Default null: no Discord bot. Env DISCORD_TOKEN.
   */
  token: z
    .string({ error: DISCORD_TOKEN_SHAPE })
    .regex(/^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$/, { error: DISCORD_TOKEN_SHAPE })
    .nullable()
    .default(null),
  /** REST base URL, e.g. a REST proxy. Default null: Discord's own. Env DISCORD_API_BASE. */
  apiBase: baseUrl('https://discord.com/api').nullable().default(null),
  /** Application id, needed to register slash commands. Default null: read from the token's bot user. */
  applicationId: discordId().nullable().default(null),
  /** Register commands in this server only (instant, no daily limit). Default null: global commands. */
  guildId: discordId().nullable().default(null),
  /**
   * Offer the commands that start payments (the `distribute` group) in direct messages with the bot
   * too. Default false: in servers only, where a channel shows who confirmed what.
   */
  allowMoneyCommandsInDMs: bool().default(false),
});

const telegramSchema = section({
  /** Bot token from @BotFather. Default null: no Telegram bot. Env TELEGRAM_TOKEN. */
  token: z
    .string({ error: 'must be a Telegram bot token from @BotFather (digits, a colon, then 35 characters)' })
    .regex(/^\d+:[A-Za-z0-9_-]{30,}$/, { error: 'must be a Telegram bot token from @BotFather (digits, a colon, then 35 characters)' })
    .nullable()
    .default(null),
  /** Self-hosted Bot API server, without a trailing slash. Default null: Telegram's. Env TELEGRAM_API_ROOT. */
  apiRoot: baseUrl('http://localhost:8081').nullable().default(null),
});

const auditSchema = section({
  /** Days an audit entry is kept; each entry is written with this as its expiry. Default 90. */
  retentionDays: positiveInt().default(90),
});

const httpSchema = section({
  /** Interface the /metrics and /healthz server listens on. Default "127.0.0.1": not exposed. Env TRIBUTARY_HTTP_HOST (the image sets "0.0.0.0"). */
  host: text('a host name or IP address, e.g. "127.0.0.1" or "0.0.0.0"').default('127.0.0.1'),
  /** Port of that server; 0 picks any free port. Default 9464. Env TRIBUTARY_HTTP_PORT. */
  port: z
    .int({ error: 'must be a port number from 0 to 65535' })
    .min(0, { error: 'must be a port number from 0 to 65535' })
    .max(65_535, { error: 'must be a port number from 0 to 65535' })
    .default(9_464),
});

const logSchema = section({
  /** Least severe level written. Default "info". Env LOG_LEVEL. */
  level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const localnetSchema = section({
  /** Holders of the seeded demo token. Default 200. */
  holders: nonNegativeInt().default(200),
  /** Seed of the demo community and of injected faults: same seed, same chain. Default 42. */
  seed: nonNegativeInt().default(42),
  /** Slot length of the embedded chain. Default 400 ms, like mainnet. */
  slotMs: positiveInt().default(400),
});

export const NETWORKS = ['localnet', 'devnet', 'testnet', 'mainnet-beta'] as const;
export type Network = (typeof NETWORKS)[number];

export const configSchema = z
  .strictObject({
    /** Cluster the RPC endpoint serves: decides risk flags and explorer links. Default "localnet". */
    network: oneOf(NETWORKS).default('localnet'),
    /**
     * The language, "en" or "ja", of people whose app reports none that Tributary speaks, of the
     * console when LANG names none, and of channels without their own. Default "en". A person
     * chooses their own with /language.
     */
    language: oneOf(LOCALES).default('en'),
    rpc: rpcSchema,
    /** Distributor keypair JSON (solana-keygen format). Default null: a generated keypair on localnet. Env TRIBUTARY_KEYPAIR. */
    keypairPath: text('a path to a keypair JSON file').nullable().default(null),
    /**
     * Start on mainnet-beta even when the keypair file can be read by its group or others (mode & 077),
     * as ssh refuses such a key. Elsewhere such a file is only warned about. Default false: chmod 600 it.
     */
    allowInsecureKeypairFile: bool().default(false),
    /** Directory of the SQLite store and other state. Default "./data". Env TRIBUTARY_DATA_DIR. */
    dataDir: text('a directory path, e.g. "./data"').default('./data'),
    store: storeSchema,
    /** The audit log of money-moving commands and wallet links. */
    audit: auditSchema,
    cache: cacheSchema,
    /** How holder snapshots are read. */
    snapshot: snapshotSchema,
    distribution: distributionSchema,
    /** Spending limits for every confirm, typed or scheduled. */
    guards: guardsSchema,
    /** Recurring distributions created with /schedule create. */
    schedules: schedulesSchema,
    roles: rolesSchema,
    channels: channelsSchema,
    discord: discordSchema,
    telegram: telegramSchema,
    http: httpSchema,
    log: logSchema,
    /** The embedded local chain, used when `rpc.url` is null. */
    localnet: localnetSchema,
    /** Metrics, alert rules and the daily report (owned by src/monitor/config.ts). */
    monitor: monitorConfigSchema,
  })
  .superRefine((config, ctx) => {
    for (const issue of checkConsistency(config)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** The validated configuration, every field present. */
export type Config = z.output<typeof configSchema>;

/** What a config file or an override may contain: any subset of Config. Arrays are replaced whole. */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> | undefined } : T;

/** The configuration with nothing set: every default. config/default.json shows the same. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
