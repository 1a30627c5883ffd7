/** The metric ids of the packet contract (DESIGN.md contract 3). */
export const METRIC_IDS = [
  'qpc.created.amount',
  'qpc.created.count',
  'qpc.won.amount',
  'qpc.lost.amount',
  'qpc.win_rate',
  'pipeline_to_revenue.rate',
  'mql.count',
  'mql_to_sql.rate',
  'lead_to_opp.rate',
  'sla.within_rate',
  'sla.median_business_minutes',
  'sla.p90_business_minutes',
  'rejections.count',
  'rejections.missing_reason_share',
  'stalled.count',
  'stalled.amount',
  'icp.fit_rate.closed_won',
  'icp.fit_rate.leads',
  'icp.fit_rate.qpc',
  'icp.breadth',
  'icp.outbound_adherence',
  'icp.win_rate.in',
  'icp.win_rate.out',
] as const;

export const ICP_DIMENSIONS = ['industry', 'employees', 'region', 'seniority'] as const;
export type IcpDimension = (typeof ICP_DIMENSIONS)[number];

export type MetricId = (typeof METRIC_IDS)[number] | `icp.drift.${IcpDimension}`;

export function isMetricId(id: string): id is MetricId {
  return (
    (METRIC_IDS as readonly string[]).includes(id) ||
    ICP_DIMENSIONS.some((dimension) => id === `icp.drift.${dimension}`)
  );
}
