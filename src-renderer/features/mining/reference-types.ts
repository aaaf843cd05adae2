import type { ClusterSummary } from '@contract';

/** DeepLesion's coarse lesion types, the reference labels of its tables (never used to cluster). */
const DEEPLESION_TYPES: Record<string, string> = { 1: 'bone', 2: 'abdomen', 3: 'mediastinum', 4: 'liver', 5: 'lung', 6: 'kidney', 7: 'soft tissue', 8: 'pelvis' };

export function referenceTypeName(type: number | string): string {
  return DEEPLESION_TYPES[String(type)] ?? `type ${type}`;
}

/** A cluster's reference types as shares of the members that have one, largest first. */
export function referenceTypeShares(cluster: Pick<ClusterSummary, 'referenceTypes'>, limit: number): { name: string; share: number }[] {
  const known = Object.values(cluster.referenceTypes).reduce((a, b) => a + b, 0);
  if (!known) return [];
  return Object.entries(cluster.referenceTypes)
    .map(([type, n]) => ({ name: referenceTypeName(type), share: n / known }))
    .sort((a, b) => b.share - a.share)
    .slice(0, limit);
}
