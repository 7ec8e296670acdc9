/**
 * Command and option descriptions in every language, by command name: the one place they are
 * written (a command file in commands/ has none of its own). English is what Discord and Telegram
 * register as the default; the others are registered beside it (Discord's
 * description_localizations, Telegram's setMyCommands with a language_code) and shown by /help.
 * test/i18n-catalogue.test.ts checks that every command and option has one in every language,
 * within Discord's 100 characters.
 */
import type { Locale } from '../locales.js';

export interface CommandWords {
  description: string;
  /** By option name. */
  options?: Readonly<Record<string, string>>;
}

const enId = { id: 'Plan or distribution id, or "last"' };
const enRunId = { id: 'Distribution id, or "last"' };
const enScheduleId = { id: 'The schedule id' };
const enHolderFilters = {
  min: 'Least holding to be paid, in token units',
  exclude: 'Wallets left out, separated by commas',
  max: 'Pay only the largest N holders',
  offcurve: 'Include pools, vaults and program accounts (default false)',
};
/** /holders snapshot and /holders export take the same query (src/chat/holders.ts). */
const enHolderQuery = {
  token: 'Mint of the token',
  min: 'Least holding counted, in token units',
  exclude: 'Wallets left out, separated by commas',
  max: 'Keep only the largest N holders',
  offcurve: 'Include pools, vaults and program accounts (default false)',
  refresh: 'Read the chain even if a recent snapshot is cached',
};

const en: Readonly<Record<string, CommandWords>> = {
  'alerts ack': {
    description: 'Acknowledge an active alert: no more reminders; its resolution is still posted',
    options: {
      id: 'The alert id shown in the alert message',
    },
  },
  'alerts list': { description: 'Active alerts, most severe first' },
  'config show': { description: 'The running configuration, secrets masked' },
  'distribute approve': {
    description: "Approve another operator's confirm that needs a second operator (above the guard's total)",
    options: {
      id: 'The plan id waiting for approval',
    },
  },
  'distribute cancel': { description: 'Cancel a preview, or stop a distribution: what was sent stays sent, the rest is not sent', options: enId },
  'distribute confirm': {
    description: 'Send a previewed plan (on mainnet, repeat its total with total:)',
    options: {
      id: 'The plan id from the preview, or "last" for your newest preview here',
      total: 'Mainnet only: the plan total, repeated as a second confirmation',
    },
  },
  'distribute export': { description: 'The per-recipient report of a distribution as CSV', options: enRunId },
  'distribute history': {
    description: 'The latest confirmed distributions, newest first',
    options: {
      limit: 'How many (1 to 25, default 10)',
    },
  },
  'distribute pause': { description: 'Stop sending; transactions already sent are settled first', options: enRunId },
  'distribute preview': {
    description: 'Snapshot holders and show the exact plan; nothing is sent until it is confirmed',
    options: {
      token: 'Mint of the token whose holders are paid',
      amount: 'Total to distribute, in reward units, e.g. 1000 or 0.5',
      reward: 'SOL, or the mint address of the reward token',
      mode: 'proportional to holdings (default) or equal shares',
      ...enHolderFilters,
      refresh: 'Take a new snapshot even if a recent one is cached',
    },
  },
  'distribute resume': { description: 'Continue a paused distribution after checking the distributor balances', options: enRunId },
  'distribute retry': { description: 'Pay again the recipients of an ended distribution that failed', options: enRunId },
  'distribute status': { description: 'Where a plan or distribution stands: counts, amounts, rate, who confirmed it', options: enId },
  guards: { description: 'The spending limits every confirm must fit, and what has been spent in each window' },
  health: { description: 'RPC status, distributor balances, request queue and running distributions' },
  help: { description: 'The commands you may run here' },
  'holders export': { description: 'The holder snapshot of a token as CSV', options: enHolderQuery },
  'holders snapshot': { description: 'Who holds a token now: count, total and the largest holders', options: enHolderQuery },
  language: {
    description: 'The language I answer you in: en, ja, or auto (what your app reports)',
    options: {
      set: 'en (English), ja (Japanese) or auto (your app language)',
    },
  },
  report: {
    description: 'The daily performance report (default: the latest full day)',
    options: {
      date: 'Local date, YYYY-MM-DD',
    },
  },
  rewards: {
    description: 'What a wallet received, per distribution (default: your linked wallets)',
    options: {
      wallet: 'Any wallet address; default your linked wallets',
    },
  },
  'schedule create': {
    description: 'A recurring distribution: each occurrence snapshots, plans and is confirmed within the guards',
    options: {
      token: 'Mint of the token whose holders are paid',
      amount: 'Total of each occurrence, in reward units, e.g. 1000 or 0.5',
      reward: 'SOL, or the mint address of the reward token',
      every: 'daily, weekly, monthly, or a cron expression such as "0 9 * * 1"',
      tz: 'IANA time zone of the times, e.g. Europe/Berlin, America/New_York, UTC',
      approval: 'auto: confirms itself within the guards; operator: waits for an operator',
      at: 'Local time HH:MM (daily, weekly, monthly)',
      on: 'Weekly: mon..sun (default mon); monthly: 1..28 or last (default 1)',
      cap: 'approval:auto: the largest total it confirms by itself (required on mainnet)',
      mode: 'proportional to holdings (default) or equal shares',
      ...enHolderFilters,
      tables: 'Keep lookup tables of the recipients (rent held until deleted) and pay with far fewer transactions',
    },
  },
  'schedule delete': { description: 'Delete a schedule; distributions it already started are not touched', options: enScheduleId },
  'schedule list': { description: 'The recurring distributions, with their next run in local time' },
  'schedule pause': { description: 'Stop a schedule: no occurrence runs until it is resumed', options: enScheduleId },
  'schedule resume': { description: 'Start a paused schedule again from now (the occurrences while paused are not run)', options: enScheduleId },
  'schedule run': { description: 'Run a schedule now, outside its times: snapshot, plan and confirm as an occurrence would', options: enScheduleId },
  'schedule show': { description: 'One schedule: what it pays, when, how it is approved, and its latest occurrences', options: enScheduleId },
  'schedule skip': {
    description: 'Skip a scheduled occurrence waiting for approval: its plan is cancelled, nothing is sent',
    options: {
      id: 'The plan id of the occurrence (shown with its Confirm / Skip buttons)',
    },
  },
  'wallet link': { description: 'Get a one-time message to sign with the wallet you want to link' },
  'wallet show': { description: 'The wallets linked to you' },
  'wallet unlink': {
    description: 'Remove one of your linked wallets',
    options: {
      address: 'The linked wallet to remove',
    },
  },
  'wallet verify': {
    description: 'Link a wallet: its signature of the message from /wallet link',
    options: {
      address: 'The wallet that signed',
      signature: 'The signature, base58 (or base64)',
    },
  },
};

const id = { id: 'プランまたは配布の ID、または最新を表す "last"' };
const runId = { id: '配布の ID、または最新を表す "last"' };
const scheduleId = { id: 'スケジュールの ID' };
const holderFilters = {
  min: '支払対象とする最低保有量（トークン単位）',
  exclude: '対象外にするウォレット（カンマ区切り）',
  max: '保有量の多い上位 N 人だけに支払う',
  offcurve: 'プール、ボールト、プログラムのアカウントも含める（既定は false）',
};

const ja: Readonly<Record<string, CommandWords>> = {
  'alerts ack': { description: '発生中のアラートを確認済みにします（以後のリマインドは停止、解消時の通知は届きます）', options: { id: 'アラートのメッセージに表示された ID' } },
  'alerts list': { description: '発生中のアラート（重大度の高い順）' },
  'config show': { description: '実行中の設定（秘密情報は伏せて表示）' },
  'distribute approve': { description: '2 人目のオペレーターの承認が必要な確定を承認します（上限額を超える場合）', options: { id: '承認を待っているプランの ID' } },
  'distribute cancel': { description: 'プレビューを取り消すか配布を中止します（送信済みの分はそのまま、残りは送信しません）', options: id },
  'distribute confirm': {
    description: 'プレビューしたプランを送信します（メインネットでは total: で合計額を再入力）',
    options: { id: 'プレビューのプラン ID、またはこのチャットでの最新を表す "last"', total: 'メインネットのみ: 確認のため再入力するプランの合計額' },
  },
  'distribute export': { description: '配布の受取人ごとのレポート（CSV）', options: runId },
  'distribute history': { description: '最近確定された配布（新しい順）', options: { limit: '件数（1〜25、既定は 10）' } },
  'distribute pause': { description: '送信を止めます（送信済みのトランザクションは先に確定を待ちます）', options: runId },
  'distribute preview': {
    description: 'ホルダーのスナップショットを取り、正確なプランを表示します（確定するまで送信しません）',
    options: {
      token: '支払対象となるホルダーのトークンのミント',
      amount: '配布する合計額（報酬の単位、例: 1000 または 0.5）',
      reward: 'SOL、または報酬トークンのミントアドレス',
      mode: 'proportional（保有量に比例、既定）または equal（均等）',
      ...holderFilters,
      refresh: '最近のスナップショットがあっても新しく取得する',
    },
  },
  'distribute resume': { description: '配布元の残高を確認してから、一時停止中の配布を再開します', options: runId },
  'distribute retry': { description: '終了した配布で失敗した受取人に再度支払います', options: runId },
  'distribute status': { description: 'プランや配布の状況（件数、金額、速度、確定した人）', options: id },
  guards: { description: 'すべての確定に適用される支出上限と、各期間の支出額' },
  health: { description: 'RPC の状態、配布元の残高、リクエストの待ち行列、実行中の配布' },
  help: { description: 'ここで実行できるコマンド' },
  'holders export': {
    description: 'トークンのホルダーのスナップショット（CSV）',
    options: {
      token: 'トークンのミント',
      ...holderFilters,
      min: '数える最低保有量（トークン単位）',
      max: '保有量の多い上位 N 人だけを残す',
      refresh: '最近のスナップショットがあってもチェーンから読み直す',
    },
  },
  'holders snapshot': {
    description: '現在のトークンのホルダー（人数、合計、上位のホルダー）',
    options: {
      token: 'トークンのミント',
      ...holderFilters,
      min: '数える最低保有量（トークン単位）',
      max: '保有量の多い上位 N 人だけを残す',
      refresh: '最近のスナップショットがあってもチェーンから読み直す',
    },
  },
  language: { description: 'お答えする言語: en、ja、または auto（アプリの言語設定に従う）', options: { set: 'en（英語）、ja（日本語）、auto（アプリの言語設定）' } },
  report: { description: '日次のパフォーマンスレポート（既定は直近の 1 日分）', options: { date: '現地の日付（YYYY-MM-DD）' } },
  rewards: { description: 'ウォレットが配布ごとに受け取った報酬（既定はリンク済みのウォレット）', options: { wallet: '任意のウォレットアドレス（既定はリンク済みのウォレット）' } },
  'schedule create': {
    description: '定期配布: 毎回スナップショットを取り、プランを作り、上限の範囲内で確定します',
    options: {
      token: '支払対象となるホルダーのトークンのミント',
      amount: '1 回あたりの合計額（報酬の単位、例: 1000 または 0.5）',
      reward: 'SOL、または報酬トークンのミントアドレス',
      every: 'daily、weekly、monthly、または cron 式（例: "0 9 * * 1"）',
      tz: '時刻の IANA タイムゾーン（例: Asia/Tokyo、Europe/Berlin、UTC）',
      approval: 'auto: 上限の範囲内で自動確定、operator: オペレーターの確定を待つ',
      at: '現地時刻 HH:MM（daily、weekly、monthly）',
      on: 'weekly: mon..sun（既定は mon）、monthly: 1..28 または last（既定は 1）',
      cap: 'approval:auto で自動確定する合計額の上限（メインネットでは必須）',
      tables: '受取人のルックアップテーブルを保持し（削除までレントを預けます）、はるかに少ないトランザクションで支払う',
      mode: 'proportional（保有量に比例、既定）または equal（均等）',
      ...holderFilters,
    },
  },
  'schedule delete': { description: 'スケジュールを削除します（開始済みの配布には影響しません）', options: scheduleId },
  'schedule list': { description: '定期配布の一覧と、次回の実行時刻（現地時刻）' },
  'schedule pause': { description: 'スケジュールを停止します（再開するまで実行されません）', options: scheduleId },
  'schedule resume': { description: '停止中のスケジュールを今から再開します（停止中の回は実行しません）', options: scheduleId },
  'schedule run': { description: 'スケジュールを今すぐ実行します（通常の回と同じくスナップショット、プラン、確定）', options: scheduleId },
  'schedule show': { description: 'スケジュールの詳細: 支払内容、時刻、承認方法、最近の実行', options: scheduleId },
  'schedule skip': {
    description: '承認待ちの定期配布の回をスキップします（プランは取り消され、何も送信しません）',
    options: { id: 'その回のプラン ID（確定 / スキップのボタンと一緒に表示）' },
  },
  'wallet link': { description: 'リンクしたいウォレットで署名する、1 回限りのメッセージを受け取ります' },
  'wallet show': { description: 'あなたにリンクされたウォレット' },
  'wallet unlink': { description: 'リンク済みのウォレットを 1 つ解除します', options: { address: '解除するリンク済みのウォレット' } },
  'wallet verify': {
    description: 'ウォレットをリンクします: /wallet link のメッセージへの署名',
    options: { address: '署名したウォレット', signature: '署名（base58 または base64）' },
  },
};

/** What each group of subcommands is for, shared by Discord's registration and Telegram's menu. */
const enGroups: Readonly<Record<string, string>> = {
  alerts: 'Active alerts: list and acknowledge',
  distribute: 'Preview, confirm and manage reward distributions',
  holders: 'Holder snapshots of a token',
  wallet: 'Link the wallets you receive rewards in',
  config: 'The bot configuration (admins)',
  schedule: 'Recurring distributions: create and manage them',
};

const jaGroups: Readonly<Record<string, string>> = {
  alerts: '発生中のアラート: 一覧と確認',
  distribute: '報酬配布のプレビュー、確定、管理',
  holders: 'トークンのホルダーのスナップショット',
  wallet: '報酬を受け取るウォレットのリンク',
  config: 'ボットの設定（管理者向け）',
  schedule: '定期配布の作成と管理',
};

export const groupWords: Readonly<Record<Locale, Readonly<Record<string, string>>>> = { en: enGroups, ja: jaGroups };

/** Words for commands in each language. */
export const commandWords: Readonly<Record<Locale, Readonly<Record<string, CommandWords>>>> = { en, ja };

/**
 * A command's description in `locale`, else in English; a command the catalogue does not know (a
 * command file of one's own) is described by its definition's `description`.
 */
export function commandDescription(command: { name: string; description?: string }, locale: Locale): string {
  return commandWords[locale][command.name]?.description ?? commandWords.en[command.name]?.description ?? command.description ?? '';
}

/** An option's description in `locale`, else in English, else its definition's own. */
export function optionDescription(command: { name: string }, option: { name: string; description?: string }, locale: Locale): string {
  return commandWords[locale][command.name]?.options?.[option.name] ?? commandWords.en[command.name]?.options?.[option.name] ?? option.description ?? '';
}

/** What a group of subcommands (`distribute`) is for, in `locale`, else in English. */
export function groupDescription(head: string, locale: Locale): string | undefined {
  return groupWords[locale][head] ?? groupWords.en[head];
}
