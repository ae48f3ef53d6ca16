/**
 * The Cedar schema of Strongroom's access model. Policies are validated against it before an
 * engine accepts them, so a typo in an attribute name is an error at load time instead of a
 * silently non-matching rule.
 *
 * Levels (user clearance, dataset and column sensitivity) are Longs so policies can compare
 * them: 0 none, 1 low, 2 medium, 3 high (see `levelOf`). Tags are `key` or `key=value`
 * strings, as the catalog stores them. A column's `classification` is the entity type of its
 * current classification (`EMAIL_ADDRESS`, `US_SSN`, …) or `""` when unclassified.
 */

/** Every action a policy can name, in the order the schema declares them. */
export const ACTIONS = [
  'read',
  'readPlaintext',
  'write',
  'export',
  'detokenize',
  'erase',
  'admin',
  'manageKeys',
  'managePolicy',
  'list',
] as const

/** One action of the schema. */
export type ActionName = (typeof ACTIONS)[number]

/** Actions that may target one column as well as a whole dataset. */
export const COLUMN_ACTIONS: ReadonlySet<ActionName> = new Set([
  'read',
  'readPlaintext',
  'detokenize',
])

/** Actions that may target the whole lake (`Lake::"lake"`) as well as one dataset. */
export const LAKE_ACTIONS: ReadonlySet<ActionName> = new Set([
  'detokenize',
  'admin',
  'manageKeys',
  'managePolicy',
  'list',
])

/** True when `name` is an action of the schema. */
export function isActionName(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name)
}

/** The Strongroom schema in Cedar's human-readable schema syntax (no namespace). */
export const STRONGROOM_CEDAR_SCHEMA = `
// A group of users. Roles nest: a role may be a member of another role.
entity Role in [Role];

// A person or service. Roles are the entity's parents, so "principal in Role::\\"x\\"" works.
entity User in [Role] {
  clearance: Long,
  region: String,
  mfa: Bool,
};

// The lake itself: the resource of lake-wide administration (principals, policies, keys).
entity Lake;

entity Dataset {
  owner: User,
  region: String,
  tags: Set<String>,
  sensitivity: Long,
  purposes: Set<String>,
};

// A column is a member of its dataset; "dataset" gives policies the dataset's attributes.
entity Column in [Dataset] {
  dataset: Dataset,
  tags: Set<String>,
  classification: String,
  sensitivity: Long,
  pii: Bool,
};

type RequestContext = {
  purpose: String,
};

action "read", "readPlaintext" appliesTo {
  principal: [User],
  resource: [Dataset, Column],
  context: RequestContext,
};

// Detokenizing a vault domain is decided on the lake; a column or dataset for tokens of it.
action "detokenize" appliesTo {
  principal: [User],
  resource: [Dataset, Column, Lake],
  context: RequestContext,
};

action "write", "erase" appliesTo {
  principal: [User],
  resource: [Dataset],
  context: RequestContext,
};

action "admin", "manageKeys", "managePolicy", "list" appliesTo {
  principal: [User],
  resource: [Dataset, Lake],
  context: RequestContext,
};

action "export" appliesTo {
  principal: [User],
  resource: [Dataset],
  context: {
    purpose: String,
    destinationRegion: String,
  },
};
`
