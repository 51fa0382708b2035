import { roleAtLeast } from '@airlock/core';
import { InboxFilters, inboxApprovals, inboxFacets, INBOX_LIMIT } from '../../src/ui/inbox/query.js';
import { requirePageUser } from '../../src/ui/auth/session.js';
import { apiContext } from '../../src/api/runtime-context.js';
import { InboxList } from '../../src/ui/inbox/inbox-list.js';
import { LiveRefresh } from '../../src/ui/live/live-refresh.js';
import { Select } from '../../src/ui/shared/select.js';

export const dynamic = 'force-dynamic';

export default async function InboxPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser();
  const params = await searchParams;
  const filters = InboxFilters.parse({ sort: params.sort, agent: params.agent, tool: params.tool, tier: params.tier, team: params.team });
  const { db } = apiContext();
  const [approvals, facets] = await Promise.all([inboxApprovals(db, filters, user.userId), inboxFacets(db)]);
  return (
    <>
      <div className="page-head">
        <h1>Inbox</h1>
        <LiveRefresh />
      </div>
      {params.denied && (
        <p role="alert" className="notice error">
          Your role ({user.role}) may not open that page.
        </p>
      )}
      <form className="filters" aria-label="Filter approvals">
        <Select
          name="sort"
          label="Order"
          value={filters.sort}
          options={[
            ['deadline', 'Nearest deadline'],
            ['newest', 'Newest first'],
          ]}
        />
        <Select name="agent" label="Agent" value={filters.agent} options={facets.agents.map((a) => [a, a])} any="All agents" />
        <Select name="team" label="Team" value={filters.team} options={facets.teams.map((t) => [t, t])} any="All teams" />
        <Select name="tool" label="Tool" value={filters.tool} options={facets.tools.map((t) => [t, t])} any="All tools" />
        <Select name="tier" label="Risk" value={filters.tier} options={['critical', 'high', 'medium', 'low'].map((t) => [t, t])} any="All tiers" />
        <button type="submit">Apply</button>
      </form>
      <h2 className="count">
        {approvals.length === INBOX_LIMIT ? `The first ${INBOX_LIMIT}` : approvals.length} pending approval{approvals.length === 1 ? '' : 's'}
      </h2>
      <InboxList approvals={approvals} canDecide={roleAtLeast(user.role, 'approver')} userId={user.userId} role={user.role} />
    </>
  );
}
