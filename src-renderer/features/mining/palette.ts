/** Distinct colours for clusters (Glasbey-like, readable on a dark background); they repeat after 24. */
export const CLUSTER_COLOURS = [
  '#4e9cff', '#ff7f50', '#3ccf91', '#f5c542', '#c77dff', '#ff5d8f', '#2ec4d6', '#a3d65c',
  '#ff9f1c', '#8d99ff', '#e36414', '#56e39f', '#f7a1c4', '#bfa2db', '#7bdff2', '#ffd6a5',
  '#b5179e', '#80ed99', '#e9c46a', '#5dade2', '#ef476f', '#06d6a0', '#ffb4a2', '#9b5de5',
] as const;

export function clusterColour(cluster: number): string {
  return cluster < 0 ? '#666666' : CLUSTER_COLOURS[cluster % CLUSTER_COLOURS.length]!;
}
