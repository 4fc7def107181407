/**
 * What an integration's API token may call. Scopes are granted by an admin when the token is made; each
 * maps to routes by method and path, in this one table, so a route an integration may use is decided here
 * and nowhere else. Anything not listed is refused (403), whatever the token's scopes: a new route is
 * closed to integrations until it is added.
 */
export const API_TOKEN_SCOPES = [
  'conversations:read',
  'messages:write',
  'contacts',
  'reports',
  'admin',
] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

interface ScopeRule {
  scope: ApiTokenScope;
  methods: readonly string[];
  /** Matched against the path below `/api` (no query string). */
  path: RegExp;
}

const READ = ['GET', 'HEAD'];
const RULES: readonly ScopeRule[] = [
  { scope: 'conversations:read', methods: READ, path: /^\/conversations(\/[^/]+(\/timeline)?)?\/?$/ },
  { scope: 'conversations:read', methods: READ, path: /^\/sla\/conversations\/[^/]+\/?$/ },
  { scope: 'messages:write', methods: ['POST'], path: /^\/conversations\/[^/]+\/messages\/?$/ },
  {
    scope: 'contacts',
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    path: /^\/(contacts|organizations)(\/.*)?$/,
  },
  { scope: 'reports', methods: READ, path: /^\/reports(\/.*)?$/ },
  { scope: 'reports', methods: READ, path: /^\/exports\/[a-z]+\.jsonl$/ },
];

/** True when a token with `scopes` may make this request (`path` relative to `/api`). */
export function isAllowedByScopes(scopes: readonly string[], method: string, path: string): boolean {
  // Session and token management stay with people: an API token can never mint or revoke tokens.
  if (/^\/(auth|me|api-tokens)(\/|$)/.test(path)) return false;
  if (scopes.includes('admin')) return true;
  const upper = method.toUpperCase();
  return RULES.some(
    (rule) => scopes.includes(rule.scope) && rule.methods.includes(upper) && rule.path.test(path),
  );
}
