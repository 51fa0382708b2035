import { userRightsByEmail, type Db, type User, type UserRightsRow } from '@airlock/db';
import type { webApi } from '@slack/bolt';
import { classifySlackError } from './notifier/slack-errors.js';

/** What a decision needs of the clicker's Airlock user: who (operator, audit) and what rights, read fresh. */
export type SlackUser = Pick<User, 'id' | 'name' | 'role' | 'disabledAt'>;

export type SlackIdentity = { ok: true; user: SlackUser; via: 'link' | 'verified_email' } | { ok: false; reason: string };

/** A link's user, or nulls when it is gone (slack_user_links has no foreign key to users). */
type LinkRow = UserRightsRow | { id: null; name: null; role: null; disabled_at: null };

/** The Slack account's confirmed email, or why there is none. */
interface SlackEmail {
  email?: string;
  reason?: string;
}

interface CachedEmail {
  email: string | undefined;
  reason?: string;
  expiresAt: number;
}

const SLACK_ANSWER_TTL_MS = 5 * 60_000;

/**
 * Who a Slack user is in Airlock: an explicit link (slack_user_links) first, else
 * the Airlock user whose email equals the Slack account's *confirmed* email
 * (users.info). An unconfirmed, missing or unmatched email is never a match.
 * Slack's answer is cached briefly; the Airlock side is read fresh every time,
 * and the workflow still checks roles and groups on each decision.
 */
export class SlackDirectory {
  private readonly emails = new Map<string, CachedEmail>();
  private readonly accounts = new Map<string, { slackUserId: string | undefined; expiresAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly slack: webApi.WebClient,
  ) {}

  async identify(slackUserId: string): Promise<SlackIdentity> {
    // With Slack's answer already cached (every click after a person's first), the email's lookup runs beside the link's.
    const known = this.cachedEmail(slackUserId);
    const [linked, byKnownEmail] = await Promise.all([this.linkedUser(slackUserId), known ? this.userByEmail(known) : undefined]);
    return linked ?? byKnownEmail ?? this.userByEmail(await this.confirmedEmail(slackUserId));
  }

  /** The linked account's user, in one statement; undefined without a link. */
  private async linkedUser(slackUserId: string): Promise<SlackIdentity | undefined> {
    const { rows } = await this.db.pool.query<LinkRow>(
      `SELECT u.id, u.name, u.role, u.disabled_at
       FROM slack_user_links l LEFT JOIN users u ON u.id = l.user_id WHERE l.slack_user_id = $1`,
      [slackUserId],
    );
    const link = rows[0];
    if (!link) return undefined;
    return link.id !== null ? { ok: true, user: slackUser(link), via: 'link' } : { ok: false, reason: 'your Slack account is linked to an Airlock user that no longer exists' };
  }

  private async userByEmail({ email, reason }: SlackEmail): Promise<SlackIdentity> {
    if (!email) return { ok: false, reason: reason ?? 'your Slack account has no confirmed email' };
    const user = await userRightsByEmail(this.db, email);
    if (!user) return { ok: false, reason: 'no Airlock user has the confirmed email of your Slack account; ask an admin to add or link you' };
    return { ok: true, user: slackUser(user), via: 'verified_email' };
  }

  /**
   * The Slack account to DM for an Airlock user, if there is one. Throws when Slack could not answer
   * (a rate limit, its side, the network): that is not cached, and the caller decides what to do.
   */
  async slackUserFor(user: Pick<User, 'id' | 'email'>): Promise<string | undefined> {
    const link = await this.db.prisma.slackUserLink.findFirst({ where: { userId: user.id }, orderBy: { createdAt: 'asc' } });
    if (link) return link.slackUserId;
    const cached = this.accounts.get(user.email);
    if (cached && cached.expiresAt > Date.now()) return cached.slackUserId;
    let slackUserId: string | undefined;
    try {
      const account = (await this.slack.users.lookupByEmail({ email: user.email })).user;
      if (account?.id && !account.deleted && !account.is_bot && account.is_email_confirmed === true) slackUserId = account.id;
    } catch (error) {
      // users_not_found, or the token lacks users:read.email: no DM (cached), the channel message still goes out.
      if (classifySlackError(error).transient) throw error;
    }
    this.accounts.set(user.email, { slackUserId, expiresAt: Date.now() + SLACK_ANSWER_TTL_MS });
    return slackUserId;
  }

  /** Slack's unexpired answer for this account, without asking Slack. */
  private cachedEmail(slackUserId: string): SlackEmail | undefined {
    const cached = this.emails.get(slackUserId);
    if (!cached || cached.expiresAt <= Date.now()) return undefined;
    return cached.email ? { email: cached.email } : { reason: cached.reason ?? 'unknown Slack user' };
  }

  private async confirmedEmail(slackUserId: string): Promise<SlackEmail> {
    const cached = this.cachedEmail(slackUserId);
    if (cached) return cached;
    let email: string | undefined;
    let reason: string | undefined;
    try {
      const info = await this.slack.users.info({ user: slackUserId });
      const account = info.user;
      if (!account || account.deleted) reason = 'your Slack account is deactivated or unknown';
      else if (account.is_bot) reason = 'bots cannot decide';
      else if (!account.profile?.email) reason = 'Slack does not share an email for your account';
      else if (account.is_email_confirmed !== true) reason = 'the email of your Slack account is not confirmed';
      else email = account.profile.email;
    } catch (error) {
      // A transient error is not cached: the next click asks Slack again.
      if (slackErrorCode(error) !== 'user_not_found') return { reason: 'Slack could not tell who you are right now; try again' };
      reason = 'Slack does not know your account';
    }
    this.emails.set(slackUserId, { email, ...(reason ? { reason } : {}), expiresAt: Date.now() + SLACK_ANSWER_TTL_MS });
    return email ? { email } : { reason };
  }
}

function slackUser(row: UserRightsRow): SlackUser {
  return { id: row.id, name: row.name, role: row.role, disabledAt: row.disabled_at };
}

/** The `error` of a Slack platform error (`{ ok: false, error: "user_not_found" }`). */
export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
