/**
 * The one DynamoDB table of a client stack. Both the local twin (dynalite) and the CDK stack
 * create it from this description, so their keys cannot drift apart.
 *
 * Keys and access patterns (all reads are GetItem/BatchGetItem/Query; no Scan):
 *
 * | item              | pk                         | sk          | index keys                                                        |
 * |-------------------|----------------------------|-------------|-------------------------------------------------------------------|
 * | entity state      | `<entity>#<system>:<id>`   | `state`     | byCreated: `<entity>#created#<yyyy-mm>` / `<iso>#<id>`            |
 * |                   |                            |             | byMilestone: contact mql, deal close: `<entity>#milestone#<yyyy-mm>` |
 * |                   |                            |             | byDisqualified: contact disqualified; open deals: `deal#open`     |
 * |                   |                            |             | byOwner: forms/activities: `contact:<id>` or `email:<hash>` / `<entity>#<iso>#<id>` |
 * | raw delivery      | `raw#<deliveryKey>`        | `raw`       | byCreated: `raw#<yyyy-mm>` / `<iso>#<deliveryKey>`                |
 * | quarantined       | `quarantine#<deliveryKey>` | `quarantine`| byCreated: `quarantine#<yyyy-mm>` / `<iso>#<deliveryKey>`         |
 *
 * - contacts by creation / mql / disqualification time: byCreated, byMilestone, byDisqualified
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
