import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Role, roleAtLeast } from '@airlock/core';

/** A route table row's method, lower case as OpenAPI paths spell it (core's HttpMethod is the http.request tool's). */
export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * The handler a route file binds: `<module under src/api/handlers>#<export>`, e.g.
 * `management/agents#postAgent`. A name, not the function: the OpenAPI handler imports this
 * table, and the route files keep importing their handler alone (route-table.unit.test.ts
 * checks that each route file binds exactly the handler its row names).
 */
export type HandlerRef = `${string}#${string}`;

/**
 * Who may call a route: agent keys, user keys from a role up, or both; `public` takes no key. The route
 * layer checks it right after the key and before any body or query is read (route-access.ts), so a key
 * of the wrong kind or role hears 403 whatever it sent; the OpenAPI document publishes it.
 */
export type RouteAccess =
  | 'public'
  | {
      /** Agent keys may call it (on an action, their own only: that check is the handler's). */
      agents?: true;
      /** User keys of this role or higher may call it. */
      users?: Role;
      /**
       * A user key below `users` is audited as an `operator.forbidden` attempt at this action, as the use case
       * the route runs would audit it (its name): the route layer refuses it before the use case runs.
       */
      audited?: string;
    };

/** One row of the REST API's route table: what Next.js serves (method, path, handler, access) and what OpenAPI documents. */
export type ApiRoute = RouteConfig & { method: RouteMethod; path: `/api/v1/${string}`; handler: HandlerRef; access: RouteAccess };

/** Who a row admits, as the OpenAPI document lists them (`x-airlock-roles`): `agent`, then each user role it takes. */
export function admittedRoles(access: RouteAccess): string[] {
  if (access === 'public') return [];
  const users = access.users;
  return [...(access.agents ? ['agent'] : []), ...(users === undefined ? [] : Role.options.filter((role) => roleAtLeast(role, users)))];
}

/** The OpenAPI operation of a row: the route without what only the server needs, with who may call it in words and as `x-airlock-roles`. */
export function openApiRoute({ handler: _handler, access, ...route }: ApiRoute): RouteConfig {
  if (access === 'public') return { ...route, description: [route.description, 'Public: takes no API key.'].filter(Boolean).join(' ') };
  return { ...route, description: [route.description, accessNote(access)].filter(Boolean).join(' '), 'x-airlock-roles': admittedRoles(access) };
}

function accessNote(access: Exclude<RouteAccess, 'public'>): string {
  const users = access.users === undefined ? undefined : `a user API key of role ${orList(admittedRoles({ users: access.users }))}`;
  const who = [access.agents ? 'an agent API key' : undefined, users].filter(Boolean).join(', or ');
  const audited = access.audited ? ` (a user key's refusal is audited as \`operator.forbidden\`, action \`${access.audited}\`)` : '';
  return `Who may call: ${who}. Any other key is refused with 403 \`forbidden\`${audited} before the request's body or query is read.`;
}

function orList(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * Whether a row documents no request body for a method that could carry one: its route refuses a body
 * with anything in it (route-body.ts) rather than dropping it, and the OpenAPI document says so.
 */
export function takesNoBody(route: ApiRoute): boolean {
  return route.method !== 'get' && route.request?.body === undefined;
}

/** Whether some key is refused by the row (so its operation documents a 403). */
export function refusesSomeKey(access: RouteAccess): boolean {
  return access !== 'public' && !(access.agents && access.users === 'viewer');
}
