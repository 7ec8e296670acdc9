/**
 * Where each distribution's progress message lives, kept in the store so that a restarted process
 * (which resumes unfinished distributions, src/app/runner-role.ts) edits the same message, or posts
 * a new one there, and shows the summary and the CSV where the operator is looking. A place is
 * written when following starts, again when the message is posted or moves (a Discord DM after the
 * channel refused), and deleted once the summary was shown.
 */
import { KeyedMutex } from '../concurrency/keyed-mutex.js';
import type { Locale } from '../i18n/index.js';
import type Keyv from 'keyv';

export interface ProgressPlace {
  /** "discord", "telegram", "console". */
  platform: string;
  /** The channel or chat the progress message is meant for ("console" on the terminal). */
  target: string;
  /** Who started (or resumed) the run: written to privately when the target refuses. */
  userId?: string;
  /** The message shown, once posted. */
  messageId?: string;
  /** The channel the message is in when it is not `target` (a DM). */
  channelId?: string;
  /** The language of the message: the starter's, or the channel's. Default: config.language. */
  locale?: Locale;
}

export interface OpenPlace {
  distributionId: string;
  place: ProgressPlace;
}

/** Long enough for a distribution paused over a weekend and resumed. */
const KEEP_MS = 30 * 24 * 60 * 60_000;

export class ProgressPlaces {
  /** Index updates one at a time per platform: two follows in this process must not drop each other's entry. */
  private readonly updating = new KeyedMutex();

  constructor(
    private readonly kv: Keyv,
    private readonly keepMs = KEEP_MS,
  ) {}

  /** The place of `distributionId` on `place.platform`/`place.target` as last saved, if any. */
  async get(distributionId: string, place: Pick<ProgressPlace, 'platform' | 'target'>): Promise<ProgressPlace | undefined> {
    return (await this.kv.get(recordKey(distributionId, place))) as ProgressPlace | undefined;
  }

  async save(distributionId: string, place: ProgressPlace): Promise<void> {
    await this.kv.set(recordKey(distributionId, place), place, this.keepMs);
    await this.updateIndex(place.platform, (keys) => (keys.includes(indexEntry(distributionId, place)) ? keys : [...keys, indexEntry(distributionId, place)]));
  }

  /** The summary was shown there: nothing is left to do for that place. */
  async close(distributionId: string, place: Pick<ProgressPlace, 'platform' | 'target'>): Promise<void> {
    await this.kv.delete(recordKey(distributionId, place));
    await this.updateIndex(place.platform, (keys) => keys.filter((k) => k !== indexEntry(distributionId, place)));
  }

  /** Places on `platform` whose summary has not been shown, oldest first; of one distribution when given. */
  async open(platform: string, distributionId?: string): Promise<OpenPlace[]> {
    const keys = ((await this.kv.get(indexKey(platform))) as string[] | undefined) ?? [];
    const out: OpenPlace[] = [];
    for (const entry of keys) {
      const [id, target] = splitEntry(entry);
      if (distributionId !== undefined && id !== distributionId) continue;
      const place = (await this.kv.get(recordKey(id, { platform, target }))) as ProgressPlace | undefined;
      if (place) out.push({ distributionId: id, place });
    }
    return out;
  }

  private updateIndex(platform: string, change: (keys: string[]) => string[]): Promise<void> {
    return this.updating.run(platform, async () => {
      const keys = ((await this.kv.get(indexKey(platform))) as string[] | undefined) ?? [];
      const changed = change(keys);
      if (changed === keys) return;
      if (changed.length === 0) await this.kv.delete(indexKey(platform));
      else await this.kv.set(indexKey(platform), changed, this.keepMs);
    });
  }
}

// Distribution ids are [a-z0-9]; a target is a channel or chat id (digits, "-", "@name") or "console".
function recordKey(distributionId: string, place: Pick<ProgressPlace, 'platform' | 'target'>): string {
  return `place:${distributionId}:${place.platform}:${place.target}`;
}

function indexKey(platform: string): string {
  return `open:${platform}`;
}

function indexEntry(distributionId: string, place: Pick<ProgressPlace, 'target'>): string {
  return `${distributionId} ${place.target}`;
}

function splitEntry(entry: string): [string, string] {
  const space = entry.indexOf(' ');
  return [entry.slice(0, space), entry.slice(space + 1)];
}
