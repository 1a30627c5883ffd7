/**
 * The one DynamoDB table of a client stack. Both the local twin (dynalite) and the CDK stack
 * create it from this description, so their keys cannot drift apart.
 *
 * Keys and access patterns (all reads are GetItem/BatchGetItem/Query; no Scan):
 *
 * | item              | pk                         | sk          | index keys                                                        |
 * |-------------------|----------------------------|-------------|-------------------------------------------------------------------|
 * | entity state      | `<entity>#<system>:<id>`   | `state`     | byCreated: `<entity>#created#<yyyy-mm>` / `<iso>#<id>`            |
 * |                   |                            |             | byMilestone: contact latest of created/mql/disqualified, deal close, high-intent form: `<entity>#milestone#<yyyy-mm>` |
 * |                   |                            |             | byDisqualified: open deals only: `deal#open` (contacts moved to byMilestone) |
 * |                   |                            |             | byOwner: forms/activities: `contact:<id>` or `email:<hash>` / `<entity>#<iso>#<id>` |
 * | raw delivery      | `raw#<deliveryKey>`        | `raw`       | byCreated: `raw#<yyyy-mm>` / `<iso>#<deliveryKey>`                |
 * | quarantined       | `quarantine#<deliveryKey>` | `quarantine`| byCreated: `quarantine#<yyyy-mm>` / `<iso>#<deliveryKey>`         |
 *
 * - contacts with a creation, mql or disqualification time in a window: byMilestone (their latest)
 * - deals by creation and close time: byCreated, byMilestone; open deals: byDisqualified `deal#open`
 * - deals by qualification time: qualification depends on the definitions, so it is computed from
 *   the stage and amount histories of open deals and of deals closed since the window's start
 * - forms and activities by contact: byOwner; raw and quarantined deliveries by time: byCreated
 * Months are UTC calendar months; a range query walks the months it spans.
 */
export const TABLE_KEY = { partition: 'pk', sort: 'sk' } as const;

export const TABLE_INDEXES = [
  { name: 'byCreated', partition: 'g1pk', sort: 'g1sk' },
  { name: 'byMilestone', partition: 'g2pk', sort: 'g2sk' },
  { name: 'byDisqualified', partition: 'g3pk', sort: 'g3sk' },
  { name: 'byOwner', partition: 'g4pk', sort: 'g4sk' },
] as const;

export type TableIndexName = (typeof TABLE_INDEXES)[number]['name'];
